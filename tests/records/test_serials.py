"""Media serial numbers are unique among records not yet destroyed, ignoring case and spaces, and
the database enforces it: through the service, the form, the API and the import, with a message
that names (and on the page links to) the record that holds the number. An import of a file
imported before is refused unless the records manager confirms it."""

import threading
from datetime import date

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from records import destruction, imports, serials, services, tasks
from records.models import AuditEvent, ImportJob, LabelVerification, Medium, Record, Status
from tests.api.conftest import token_client
from tests.factories import ScheduleFactory, make_record
from tests.records.test_imports import csv_bytes, row

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return token_client


@pytest.fixture
def toll(db):
    return ScheduleFactory(code="TOLL", period_value=18, period_unit="months")


def written():
    return Record.objects.count(), Record.history.count(), AuditEvent.objects.filter(action__startswith="record.").count()


def log_usb(actor, schedule, serial, **overrides):
    values = dict(
        actor=actor, title="Billing export", medium=Medium.USB_DRIVE, media_serial_number=serial,
        department=actor.department, custodian=actor, location="HQ safe", schedule=schedule,
        trigger_date=date(2026, 1, 15), cpni_categories=["billing"], label_verification=LabelVerification.VISUAL,
        label_confirmed=True,
    )
    return services.record_create(**{**values, **overrides})


def test_the_normal_form_has_no_spaces_and_capitals():
    assert serials.normalise_serial("  wx 41-a\t9\n") == "WX41-A9"
    assert serials.serial_key("   ") is None and serials.serial_key("") is None


class TestService:
    def test_a_new_serial_number_is_stored_normalised_with_its_key(self, employee, toll):
        record = log_usb(employee, toll, " usb 0042-a ")
        record.refresh_from_db()
        assert record.media_serial_number == "USB0042-A" and record.media_serial_key == "USB0042-A"

    @pytest.mark.parametrize("again", ["USB-1", "usb-1", " u s b - 1 ", "Usb-1\t"])
    def test_the_same_serial_number_however_written_is_refused_naming_the_other_record(self, employee, toll, again):
        first = log_usb(employee, toll, "usb-1")
        before = written()
        with pytest.raises(serials.DuplicateSerial) as excinfo:
            log_usb(employee, toll, again)
        message = excinfo.value.message_dict["media_serial_number"][0]
        assert f"already that of {first.reference} (/records/{first.reference}/)" in message
        assert "serial numbers are unique" in message and excinfo.value.other == first
        assert written() == before

    def test_an_edit_to_another_records_serial_number_is_refused(self, employee, toll):
        first, second = log_usb(employee, toll, "USB-1"), log_usb(employee, toll, "USB-2")
        before = written()
        with pytest.raises(serials.DuplicateSerial, match=first.reference):
            services.record_update(actor=employee, record=second, media_serial_number="usb -1 ")
        assert Record.objects.get(pk=second.pk).media_serial_number == "USB-2" and written() == before

    def test_a_record_keeps_its_own_serial_number_through_edits(self, employee, toll):
        record = log_usb(employee, toll, "USB-1")
        edited = services.record_update(actor=employee, record=record, media_serial_number="usb-1", title="Renamed")
        assert edited.title == "Renamed" and edited.media_serial_number == "USB-1"

    def test_a_destroyed_records_serial_number_may_be_used_again(self, employee, netops, toll):
        old = make_record(custodian=employee, status=Status.DESTROYED, medium=Medium.USB_DRIVE,
                          media_serial_number="USB-9", netops=netops)
        reused = log_usb(employee, toll, "usb-9")
        assert Record.objects.get(pk=old.pk).media_serial_key == "USB-9" == Record.objects.get(pk=reused.pk).media_serial_key

    def test_records_without_serial_numbers_never_collide(self, employee, toll):
        for _ in range(2):
            services.record_create(
                actor=employee, title="Call notes", medium=Medium.FILE_SHARE, department=employee.department,
                custodian=employee, location="\\\\fs\\care", schedule=toll, trigger_date=date(2026, 1, 15),
                cpni_categories=["billing"], label_verification=LabelVerification.VISUAL, label_confirmed=True,
            )
        assert list(Record.objects.values_list("media_serial_key", flat=True)) == [None, None]

    def test_the_database_enforces_it(self, employee, toll):
        first, second = log_usb(employee, toll, "USB-1"), log_usb(employee, toll, "USB-2")
        with pytest.raises(IntegrityError), transaction.atomic():
            Record.objects.filter(pk=second.pk).update(media_serial_key=first.media_serial_key)

    def test_a_duplicate_saved_meanwhile_ends_in_the_same_message_not_an_error_page(self, employee, toll, monkeypatch):
        first = log_usb(employee, toll, "USB-1")
        # The check before the transaction found nothing: another request logged USB-1 meanwhile.
        monkeypatch.setattr(services, "check_serial_free", lambda *args, **kwargs: None)
        before = written()
        with pytest.raises(serials.DuplicateSerial) as excinfo:
            log_usb(employee, toll, " usb-1")
        assert excinfo.value.other == first and written() == before

    def test_a_serial_longer_than_the_field_once_in_capitals_is_refused(self, employee, toll):
        with pytest.raises(ValidationError) as excinfo:
            log_usb(employee, toll, "ß" * 60)  # 120 characters in capitals
        assert "at most 100 characters" in excinfo.value.message_dict["media_serial_number"][0]
        assert not Record.objects.exists()


class TestHandOver:
    def test_the_number_read_off_the_medium_is_compared_in_the_same_normal_form(self, employee):
        record = make_record(custodian=employee, status=Status.DUE, medium=Medium.HARD_DISK, media_serial_number="wd 77-x")
        assert record.media_serial_number == "WD77-X"
        [handed] = destruction.media_hand_over(actor=employee, handovers=[(record, " w d77-x ")]).records
        assert handed.status == Status.AWAITING_HANDOVER

    def test_a_record_logged_before_serials_were_normalised_matches_too(self, employee):
        record = make_record(custodian=employee, status=Status.DUE, medium=Medium.HARD_DISK, media_serial_number="WD-1")
        Record.objects.filter(pk=record.pk).update(media_serial_number="wd 1")
        with pytest.raises(ValidationError, match="does not match"):
            destruction.media_hand_over(actor=employee, handovers=[(Record.objects.get(pk=record.pk), "WD-2")])
        destruction.media_hand_over(actor=employee, handovers=[(Record.objects.get(pk=record.pk), "WD1")])


def form_data(custodian, schedule, serial):
    return {
        "title": "Backup disk", "contains_cpni": "on", "cpni_categories": ["billing"], "medium": Medium.HARD_DISK,
        "media_serial_number": serial, "department": custodian.department_id, "custodian": custodian.pk,
        "location": "HQ safe", "schedule": schedule.pk, "trigger_date": "2026-02-01", "label_verification": "visual",
        "label_confirmed": "on",
    }


class TestPagesAndApi:
    def test_the_form_links_to_the_record_that_holds_the_serial_number(self, client, employee, toll):
        first = log_usb(employee, toll, "HD-77")
        client.force_login(employee)
        before = written()
        response = client.post(reverse("record-create"), form_data(employee, toll, " hd-77"))
        page = response.content.decode()
        assert response.status_code == 200
        assert f'The serial number HD-77 is already that of <a href="/records/{first.reference}/">{first.reference}</a>' in page
        assert written() == before

    def test_the_edit_form_refuses_it_too(self, client, employee, toll):
        first, second = log_usb(employee, toll, "HD-1"), log_usb(employee, toll, "HD-2")
        client.force_login(employee)
        data = {**form_data(employee, toll, "hd-1"), "medium": Medium.USB_DRIVE, "title": second.title,
                "label_verification": ""}
        response = client.post(reverse("record-edit", args=[second.reference]), data)
        assert response.status_code == 200 and f'<a href="/records/{first.reference}/">' in response.content.decode()
        assert Record.objects.get(pk=second.pk).media_serial_number == "HD-2"

    def test_the_api_names_the_record_and_its_url(self, api, employee, toll):
        first = log_usb(employee, toll, "SSD-5")
        body = {"title": "Export", "medium": "ssd", "media_serial_number": " ssd-5", "department": "billing",
                "custodian": "emma", "location": "HQ", "schedule": "TOLL", "trigger_date": "2026-02-01",
                "cpni_categories": ["billing"], "label_verification": "visual", "label_confirmed": True}
        before = written()
        response = api(employee).post("/api/v1/records/", body, format="json")
        assert response.status_code == 400
        [message] = response.json()["errors"]["media_serial_number"]
        assert f"already that of {first.reference} (/records/{first.reference}/)" in message
        assert written() == before
        second = log_usb(employee, toll, "SSD-6")
        patched = api(employee).patch(f"/api/v1/records/{second.reference}/", {"media_serial_number": "SSD-5"},
                                      format="json")
        assert patched.status_code == 400 and first.reference in patched.json()["errors"]["media_serial_number"][0]


    def test_a_duplicate_saved_meanwhile_is_the_same_message_on_the_page_and_in_the_api(
        self, client, api, employee, toll, monkeypatch
    ):
        first = log_usb(employee, toll, "HD-77")
        monkeypatch.setattr(services, "check_serial_free", lambda *args, **kwargs: None)  # as if logged meanwhile
        client.force_login(employee)
        before = written()
        page = client.post(reverse("record-create"), form_data(employee, toll, "hd-77"))
        assert page.status_code == 200 and f'<a href="/records/{first.reference}/">' in page.content.decode()
        body = {"title": "Export", "medium": "hard_disk", "media_serial_number": "HD-77", "department": "billing",
                "custodian": "emma", "location": "HQ", "schedule": "TOLL", "trigger_date": "2026-02-01",
                "cpni_categories": ["billing"], "label_verification": "visual", "label_confirmed": True}
        response = api(employee).post("/api/v1/records/", body, format="json")
        assert response.status_code == 400 and first.reference in response.json()["errors"]["media_serial_number"][0]
        assert written() == before


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_creations_at_once_end_in_one_record_and_one_friendly_refusal(employee):
    schedule = ScheduleFactory(code="TOLL")
    start = threading.Barrier(2)
    outcomes = []

    def log_one():
        try:
            start.wait()
            outcomes.append(log_usb(employee, schedule, "RACE-1"))
        except Exception as error:  # compared below
            outcomes.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=log_one) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    records = [o for o in outcomes if isinstance(o, Record)]
    refusals = [o for o in outcomes if isinstance(o, serials.DuplicateSerial)]
    assert len(records) == 1 and len(refusals) == 1, outcomes
    assert refusals[0].other.pk == records[0].pk and Record.objects.count() == 1


class TestExistingDuplicates:
    def test_the_migration_keys_the_oldest_of_each_duplicate_group_and_leaves_the_rest_for_correction(
        self, employee, netops
    ):
        from importlib import import_module

        oldest = make_record(custodian=employee, medium=Medium.TAPE, media_serial_number="TP-0099-LEG")
        younger = make_record(custodian=employee, medium=Medium.TAPE, media_serial_number="TP-0100")
        gone = make_record(custodian=employee, status=Status.DESTROYED, medium=Medium.TAPE,
                           media_serial_number="TP-0101", netops=netops)
        other = make_record(custodian=employee, medium=Medium.TAPE, media_serial_number="TP-7")
        # As the data was before the rule: the same tape twice, written differently, and no keys.
        Record.objects.filter(pk__in=[younger.pk, gone.pk]).update(media_serial_number="tp-0099-leg", media_serial_key=None)
        Record.objects.filter(pk__in=[oldest.pk, other.pk]).update(media_serial_key=None)
        import_module("records.migrations.0023_serials_corrections_reimports").fill_serial_keys(apps, None)
        keys = dict(Record.objects.values_list("pk", "media_serial_key"))
        assert keys == {oldest.pk: "TP-0099-LEG", younger.pk: None, gone.pk: "TP-0099-LEG", other.pk: "TP-7"}

    def test_a_younger_duplicate_cannot_be_edited_until_corrected(self, employee, toll):
        oldest = log_usb(employee, toll, "USB-1")
        younger = log_usb(employee, toll, "USB-2")
        Record.objects.filter(pk=younger.pk).update(media_serial_number="USB-1", media_serial_key=None)
        with pytest.raises(serials.DuplicateSerial, match=oldest.reference):
            services.record_update(actor=employee, record=Record.objects.get(pk=younger.pk), title="Renamed")


def sheet_row(**overrides):
    return row(**{"schedule": "TOLL", "medium": "USB drive", "trigger_date": "2026-10-01", **overrides})


@pytest.mark.usefixtures("frozen_today")
class TestImports:
    def test_a_serial_number_twice_in_the_sheet_names_the_other_row(self, employee, toll):
        sheet = imports.read_sheet("tapes.csv", csv_bytes([
            sheet_row(media_serial_number="TP-0099-LEG"), sheet_row(media_serial_number="TP-1"),
            sheet_row(media_serial_number="tp-0099 -leg"),
        ]))
        errors = imports.validate_sheet(sheet)
        assert [(e.row, e.column, e.message) for e in errors] == [
            (4, "media_serial_number", "The serial number TP-0099-LEG is already that of row 2: serial numbers are unique."),
        ]

    def test_a_serial_number_of_a_record_not_yet_destroyed_names_the_record(self, employee, toll):
        held = log_usb(employee, toll, "USB-77")
        sheet = imports.read_sheet("usb.csv", csv_bytes([sheet_row(media_serial_number="usb-77"), sheet_row(media_serial_number="U2")]))
        errors = imports.validate_sheet(sheet)
        assert [(e.row, e.column) for e in errors] == [(2, "media_serial_number")]
        assert f"already that of {held.reference} (/records/{held.reference}/)" in errors[0].message

    def test_the_command_refuses_duplicates_and_writes_nothing(self, tmp_path, capsys, employee, records_manager, toll):
        log_usb(employee, toll, "USB-77")
        path = tmp_path / "usb.csv"
        path.write_bytes(csv_bytes([sheet_row(media_serial_number="USB-77"), sheet_row(media_serial_number="X1"),
                                      sheet_row(media_serial_number="x 1")]))
        before = written()
        with pytest.raises(CommandError, match="2 errors in 3 rows"):
            call_command("import_records", str(path), "--as", records_manager.username)
        out = capsys.readouterr().out
        assert "row 2, media_serial_number: The serial number USB-77 is already that of CPNI-2026-000001" in out
        assert "row 4, media_serial_number: The serial number X1 is already that of row 3" in out
        assert written() == before and not ImportJob.objects.exists()

    def test_imported_serial_numbers_are_stored_normalised_and_keyed(self, tmp_path, employee, records_manager, toll):
        path = tmp_path / "usb.csv"
        path.write_bytes(csv_bytes([sheet_row(media_serial_number=" usb 5 ")]))
        call_command("import_records", str(path), "--as", records_manager.username)
        assert list(Record.objects.values_list("media_serial_number", "media_serial_key")) == [("USB5", "USB5")]

    def test_a_record_logged_while_the_import_waited_turns_the_import_invalid_naming_it(
        self, employee, records_manager, toll, monkeypatch
    ):
        monkeypatch.setattr(tasks.validate_import, "delay", lambda pk: None)
        monkeypatch.setattr(tasks.run_import, "delay", lambda pk: None)
        job = imports.import_job_create(actor=records_manager, file_name="usb.csv",
                                        data=csv_bytes([sheet_row(media_serial_number="USB-8")]))
        imports.import_job_validate(job.pk)
        imports.import_job_confirm(actor=records_manager, job=job)
        logged = log_usb(employee, toll, "usb-8")  # after the sheet was checked: the write meets it
        before = written()
        job = imports.import_job_run(job.pk)
        assert job.state == ImportJob.State.INVALID
        assert job.errors[0]["row"] == 2 and logged.reference in job.errors[0]["message"]
        assert written() == before


@pytest.mark.usefixtures("frozen_today")
class TestReimports:
    def done_import(self, actor, data):
        job = imports.import_job_create(actor=actor, file_name="inventory.csv", data=data)
        imports.import_job_validate(job.pk)
        imports.import_job_confirm(actor=actor, job=job)
        return imports.import_job_run(job.pk)

    @pytest.fixture(autouse=True)
    def _no_queue(self, monkeypatch):
        monkeypatch.setattr(tasks.validate_import, "delay", lambda pk: None)
        monkeypatch.setattr(tasks.run_import, "delay", lambda pk: None)

    def test_the_page_refuses_a_file_imported_before_unless_confirmed(self, client, employee, records_manager, toll):
        data = csv_bytes([sheet_row(medium="paper", media_serial_number="")])
        first = self.done_import(records_manager, data)
        assert first.state == ImportJob.State.DONE
        client.force_login(records_manager)
        before, audit = written(), AuditEvent.objects.count()
        refused = client.post(reverse("import-list"), {"sheet": SimpleUploadedFile("copy.csv", data)})
        page = refused.content.decode()
        assert refused.status_code == 400
        assert f"This very file was imported before: import #{first.pk} on 2026-11-23 (1 records)" in page
        assert ImportJob.objects.count() == 1 and written() == before and AuditEvent.objects.count() == audit
        confirmed = client.post(reverse("import-list"), {"sheet": SimpleUploadedFile("copy.csv", data),
                                                         "allow_reimport": "on"})
        again = ImportJob.objects.latest("pk")
        assert confirmed.status_code == 302 and again.allow_reimport and again.pk != first.pk
        assert AuditEvent.objects.get(action="import.uploaded", object_id=str(again.pk)).payload["reimport_of"] == first.pk
        imports.import_job_validate(again.pk)
        imports.import_job_confirm(actor=records_manager, job=again)
        assert imports.import_job_run(again.pk).state == ImportJob.State.DONE and Record.objects.count() == 2

    def test_a_second_upload_of_the_same_file_waiting_meanwhile_is_refused_at_import(self, records_manager, employee, toll):
        data = csv_bytes([sheet_row(medium="paper", media_serial_number="")])
        waiting = imports.import_job_create(actor=records_manager, file_name="twice.csv", data=data)
        first = self.done_import(records_manager, data)
        imports.import_job_validate(waiting.pk)
        waiting.refresh_from_db()
        assert waiting.state == ImportJob.State.INVALID
        assert f"import #{first.pk}" in waiting.errors[0]["message"] and Record.objects.count() == 1

    def test_the_command_refuses_a_file_imported_before_unless_allowed(self, tmp_path, employee, records_manager, toll):
        path = tmp_path / "inventory.csv"
        path.write_bytes(csv_bytes([sheet_row(medium="paper", media_serial_number="")]))
        call_command("import_records", str(path), "--as", records_manager.username)
        first = ImportJob.objects.get()
        assert first.state == ImportJob.State.DONE and first.imported_count == 1
        before = written()
        with pytest.raises(CommandError, match=f"import #{first.pk} on 2026-11-23 .* --allow-reimport"):
            call_command("import_records", str(path), "--as", records_manager.username)
        assert written() == before and ImportJob.objects.count() == 1
        call_command("import_records", str(path), "--as", records_manager.username, "--allow-reimport")
        assert Record.objects.count() == 2 and ImportJob.objects.latest("pk").allow_reimport

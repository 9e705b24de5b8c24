"""Trigger dates are facts: never before the company's records began, never in the future; and a
record logged (by the form, the API or an import) or edited already past its expiry is due for
destruction at once, through the lifecycle, not at the next nightly sweep."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from records import imports, services, sweep
from records.models import AuditEvent, ImportJob, Record, Status
from tests.api.conftest import token_client
from tests.factories import ScheduleFactory, make_company_profile, make_record
from tests.records.test_imports import csv_bytes, row
from tests.records.test_services import create

@pytest.fixture
def api():
    return token_client


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]  # today is 2026-11-23


@pytest.fixture
def toll(db):
    return ScheduleFactory(code="TOLL", period_value=18, period_unit="months")


def written():
    """What a refused request must not have added to."""
    return Record.objects.count(), Record.history.count(), AuditEvent.objects.filter(action__startswith="record.").count()


def form_data(custodian, schedule, **overrides):
    return {
        "title": "Disputed invoice folder", "contains_cpni": "on", "cpni_categories": ["billing"], "medium": "paper",
        "department": custodian.department_id, "custodian": custodian.pk, "location": "HQ cabinet 3",
        "schedule": schedule.pk, "trigger_date": "2026-02-01", "label_verification": "visual", "label_confirmed": "on",
        **overrides,
    }


def api_body(**overrides):
    return {
        "title": "Toll detail printouts", "medium": "paper", "department": "billing", "custodian": "emma",
        "location": "HQ cabinet 3", "schedule": "TOLL", "trigger_date": "2026-02-01", "cpni_categories": ["billing"],
        "label_verification": "visual", "label_confirmed": True, **overrides,
    }


def assert_due_at_once(record, why):
    """Due right after it was written, with the system's history row and audit event."""
    record.refresh_from_db()
    assert record.status == Status.DUE and record.status_changed_at is not None
    moved = record.history.filter(history_type="~").latest("history_date")
    assert moved.status == Status.DUE and moved.history_user is None and why in moved.history_change_reason
    event = AuditEvent.objects.get(action="record.expire", object_id=str(record.pk))
    assert event.actor is None and event.actor_name == "system"
    assert event.payload["from"] == "active" and event.payload["to"] == "due" and why in event.payload["reason"]


class TestTheFloor:
    @pytest.mark.parametrize("trigger_date", [date(1800, 1, 1), date(1989, 12, 31)])
    def test_a_trigger_date_before_the_records_began_is_refused_by_the_service(self, employee, toll, trigger_date):
        before = written()
        with pytest.raises(ValidationError) as excinfo:
            create(employee, trigger_date=trigger_date)
        assert excinfo.value.message_dict["trigger_date"] == [
            "The trigger date cannot be before 1990-01-01, when the company's records began."
        ]
        assert written() == before

    def test_the_floor_is_the_companys_setting(self, employee, toll):
        make_company_profile(signatory=None, records_began_on=date(2001, 7, 1))
        with pytest.raises(ValidationError, match="before 2001-07-01"):
            create(employee, trigger_date=date(2001, 6, 30))
        assert create(employee, trigger_date=date(2001, 7, 1)).trigger_date == date(2001, 7, 1)

    def test_an_edit_cannot_move_the_trigger_date_before_the_floor(self, employee, toll):
        record = create(employee)
        before = written()
        with pytest.raises(ValidationError, match="cannot be before 1990-01-01"):
            services.record_update(actor=employee, record=record, trigger_date=date(1800, 1, 1))
        record.refresh_from_db()
        assert record.trigger_date == date(2026, 1, 15) and written() == before

    def test_the_form_names_the_field_and_the_floor(self, client, employee, toll):
        client.force_login(employee)
        before = written()
        response = client.post(reverse("record-create"), form_data(employee, toll, trigger_date="1800-01-01"))
        assert response.status_code == 200
        assert "The trigger date cannot be before 1990-01-01, when the company&#x27;s records began." in response.content.decode()
        assert written() == before

    def test_the_api_names_the_field_and_the_floor(self, api, employee, toll):
        before = written()
        response = api(employee).post("/api/v1/records/", api_body(trigger_date="1800-01-01"), format="json")
        assert response.status_code == 400
        assert response.json()["errors"]["trigger_date"] == [
            "The trigger date cannot be before 1990-01-01, when the company's records began."
        ]
        assert written() == before

    def test_the_import_names_the_row_the_column_and_the_floor(self, tmp_path, employee, records_manager, toll):
        sheet = tmp_path / "old.csv"
        sheet.write_bytes(csv_bytes([sheet_row(), sheet_row(trigger_date="1800-01-01")]))
        before = written()
        with pytest.raises(CommandError, match="1 errors in 2 rows"):
            call_command("import_records", str(sheet), "--as", records_manager.username)
        errors = imports.validate_sheet(imports.read_sheet("old.csv", sheet.read_bytes()))
        assert [(e.row, e.column, e.message) for e in errors] == [
            (3, "trigger_date", "The trigger date cannot be before 1990-01-01, when the company's records began.")
        ]
        assert written() == before and not ImportJob.objects.exists()


def sheet_row(**overrides):
    return row(**{"schedule": "TOLL", **overrides})


class TestDueAtOnce:
    def test_a_record_logged_past_its_expiry_is_due_right_after_creation(self, employee, toll):
        record = create(employee, trigger_date=date(2025, 1, 1))  # expired 2026-07-01
        assert record.status == Status.DUE and record.expiry_date == date(2026, 7, 1)
        assert_due_at_once(record, "logged past its expiry (2026-07-01)")
        assert list(record.history.order_by("history_id").values_list("history_type", "status")) == [
            ("+", "active"), ("~", "due"),
        ]

    def test_expiring_today_counts_as_past(self, employee):
        daily = ScheduleFactory(code="DAYS", period_value=30, period_unit="days")
        assert create(employee, schedule=daily, trigger_date=date(2026, 10, 24)).status == Status.DUE

    def test_a_record_not_yet_expired_stays_active_with_no_expire_event(self, employee, toll):
        record = create(employee)
        assert record.status == Status.ACTIVE and not AuditEvent.objects.filter(action="record.expire").exists()

    def test_the_form_says_so_after_saving(self, client, employee, toll):
        client.force_login(employee)
        response = client.post(reverse("record-create"), form_data(employee, toll, trigger_date="2025-01-01"), follow=True)
        record = Record.objects.get()
        assert f"{record.reference} was logged past its expiry (2026-07-01): it is due for destruction now." in (
            response.content.decode()
        )
        assert_due_at_once(record, "logged past its expiry")

    def test_an_edit_that_moves_the_expiry_into_the_past_makes_it_due(self, client, employee, toll):
        record = make_record(custodian=employee, schedule=toll)
        client.force_login(employee)
        data = form_data(employee, toll, title=record.title, trigger_date="2025-03-01", label_verification="")
        response = client.post(reverse("record-edit", args=[record.reference]), data, follow=True)
        assert f"{record.reference} was edited past its expiry (2026-09-01): it is due for destruction now." in (
            response.content.decode()
        )
        assert_due_at_once(record, "edited past its expiry (2026-09-01)")

    def test_the_api_answers_with_the_record_due(self, api, employee, toll):
        response = api(employee).post("/api/v1/records/", api_body(trigger_date="2025-01-01"), format="json")
        assert response.status_code == 201 and response.json()["status"] == "due"
        assert_due_at_once(Record.objects.get(), "logged past its expiry")

    def test_an_api_edit_past_the_expiry_makes_it_due(self, api, employee, toll):
        record = make_record(custodian=employee, schedule=toll)
        response = api(employee).patch(f"/api/v1/records/{record.reference}/", {"trigger_date": "2025-03-01"},
                                       format="json")
        assert response.status_code == 200 and response.json()["status"] == "due"
        assert_due_at_once(record, "edited past its expiry")

    def test_the_import_makes_each_such_row_due_and_says_how_many(self, tmp_path, capsys, employee, records_manager, toll):
        sheet = tmp_path / "archive.csv"
        rows = [sheet_row(title="Old", trigger_date="2025-01-01"), sheet_row(title="New", trigger_date="2026-10-01"),
                sheet_row(title="Older", trigger_date="2024-01-01")]
        sheet.write_bytes(csv_bytes(rows))
        call_command("import_records", str(sheet), "--as", records_manager.username)
        assert "2 of them were already past their expiry: they are due for destruction now." in capsys.readouterr().out
        assert dict(Record.objects.values_list("title", "status")) == {"Old": "due", "New": "active", "Older": "due"}
        for record in Record.objects.filter(status=Status.DUE):
            assert_due_at_once(record, "imported past its expiry")
        job = ImportJob.objects.get()
        assert job.state == ImportJob.State.DONE and job.imported_count == 3 and job.due_count == 2

    def test_the_import_page_says_how_many_became_due(self, client, employee, records_manager, toll, monkeypatch):
        from records import tasks

        monkeypatch.setattr(tasks.validate_import, "delay", lambda pk: None)
        monkeypatch.setattr(tasks.run_import, "delay", lambda pk: None)
        client.force_login(records_manager)
        data = csv_bytes([sheet_row(trigger_date="2025-01-01"), sheet_row(trigger_date="2026-10-01")])
        job = imports.import_job_create(actor=records_manager, file_name="archive.csv", data=data)
        imports.import_job_validate(job.pk)
        imports.import_job_confirm(actor=records_manager, job=job)
        imports.import_job_run(job.pk)
        job.refresh_from_db()
        assert job.due_count == 1 and job.imported_count == 2
        page = client.get(reverse("import-detail", args=[job.pk])).content.decode()
        assert "1 of them were already past their expiry: they are due for destruction now" in page

    def test_a_held_record_past_its_expiry_stays_active_as_the_sweep_leaves_it(self, employee, records_manager, toll):
        from records import holds

        record = make_record(custodian=employee, schedule=toll)
        holds.hold_place(actor=records_manager, matter="M", reason="R", scope="t",
                         records=Record.objects.filter(pk=record.pk))
        Record.objects.filter(pk=record.pk).update(expiry_date=date(2026, 1, 1))
        assert sweep.expire_now([Record.objects.get(pk=record.pk)], reason="test") == []
        assert Record.objects.get(pk=record.pk).status == Status.ACTIVE

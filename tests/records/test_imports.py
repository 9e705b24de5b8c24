"""Importing an existing inventory: every error named by row and column and nothing written, or
every row written with history and audit events."""

import csv
import hashlib
import io
import re
from pathlib import Path
from datetime import date

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from records import import_templates, imports, tasks
from records.models import AuditEvent, ImportJob, Medium, Record, User
from records.roles import Role
from tests.factories import ScheduleFactory, UserFactory, make_record

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]


@pytest.fixture
def reference_data(employee, department):
    ScheduleFactory(code="TOLL-BILLING", period_value=18)
    ScheduleFactory(code="BREACH", period_value=2, period_unit="years", applicable_media=["paper", "email"])
    UserFactory(username="leaver", department=department, is_active=False)


def job_of(manager, file_name="inventory.csv"):
    """The import that writes the prepared records (validated and confirmed, as the pages do it)."""
    return ImportJob.objects.create(file_name=file_name, sha256="0" * 64, content=b"", requested_by=manager,
                                    requested_at=timezone.now(), state=ImportJob.State.IMPORTING)


def row(**overrides):
    values = dict(zip(imports.COLUMNS, import_templates.EXAMPLE_ROW))
    values.update(overrides)
    return values


def csv_bytes(rows):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=imports.COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def xlsx_bytes(rows):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(imports.COLUMNS))
    for values in rows:
        sheet.append([date.fromisoformat(v) if k.endswith(("_date", "_on")) and v else v for k, v in values.items()])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


REALISTIC_WITH_ERRORS = [
    row(),
    row(title="Call detail tape", medium="tape", media_serial_number=""),  # 3: serial missing
    row(schedule="NO-SUCH"),  # 4
    row(department="marketing"),  # 5
    row(custodian="leaver"),  # 6: inactive
    row(trigger_date="31/03/2025"),  # 7: not ISO
    row(trigger_date="2027-01-01"),  # 8: future
    row(medium="hard disk", media_serial_number="HD-1", schedule="BREACH"),  # 9: schedule not for medium
    row(label_verification="", label_attested_by=""),  # 10: label attestation missing
    row(cpni_categories="billing; gossip"),  # 11
    row(title=""),  # 12
]


def test_every_error_is_shown_with_its_row_and_column_and_nothing_is_written(reference_data):
    sheet = imports.read_sheet("inventory.csv", csv_bytes(REALISTIC_WITH_ERRORS))
    errors = imports.validate_sheet(sheet)
    found = {(e.row, e.column) for e in errors}
    assert found == {
        (3, "media_serial_number"), (4, "schedule"), (5, "department"), (6, "custodian"), (7, "trigger_date"),
        (8, "trigger_date"), (9, "schedule"), (10, "label_verification"), (10, "label_attested_by"),
        (11, "cpni_categories"), (12, "title"),
    }
    assert not Record.objects.exists()


def test_a_valid_sheet_writes_every_row_with_history_and_audit(reference_data, records_manager):
    rows = [row(title=f"Archive box {n}") for n in range(25)] + [row(title="USB export", medium="USB drive", media_serial_number="USB-77")]
    sheet = imports.read_sheet("inventory.csv", csv_bytes(rows))
    assert not imports.validate_sheet(sheet)
    written = imports.write_records(actor=records_manager, sheet=sheet, job=job_of(records_manager))
    assert written.count == 26 == Record.objects.count()
    assert (written.first_reference, written.last_reference) == ("CPNI-2026-000001", "CPNI-2026-000026")
    assert list(Record.objects.order_by("reference").values_list("reference", flat=True)) == [
        f"CPNI-2026-{n:06d}" for n in range(1, 27)]
    record = Record.objects.get(title="Archive box 3")
    assert record.expiry_date == date(2026, 9, 30) and record.cpni_categories == ["billing", "destination"]
    assert record.label_attested_by.username == "emma" and record.label_verification == "visual"
    assert record.created_by == records_manager and record.customer_reference == "ACCT-20931"
    history = record.history.get(history_type="+")
    assert history.history_user == records_manager and history.history_change_reason == "imported"
    assert AuditEvent.objects.filter(action="record.created", actor=records_manager).count() == 26
    from records.audit import verify_chain

    assert verify_chain().ok


def test_xlsx_sheets_import_too(reference_data, records_manager):
    sheet = imports.read_sheet("inventory.xlsx", xlsx_bytes([row(), row(title="Second")]))
    assert not imports.validate_sheet(sheet)
    assert imports.write_records(actor=records_manager, sheet=sheet, job=job_of(records_manager)).count == 2 == Record.objects.count()


@pytest.mark.parametrize(
    "data, message",
    [(b"", "empty"), (b"title,colour\nx,red\n", "Unknown columns: colour"), (b"title,medium\nx,paper\n", "Missing columns"),
     (b"PK\x03\x04broken zip", "XLSX file cannot be read"), (b"\x00\x01\x02binary", "not a CSV"),
     (",".join(imports.COLUMNS).encode() + b"\n", "no records")],
)
def test_unreadable_sheets_are_explained(data, message):
    with pytest.raises(imports.SheetError, match=message):
        imports.read_sheet("inventory.csv", data)


def test_validation_does_not_query_per_row(reference_data, django_assert_max_num_queries):
    sheet = imports.read_sheet("inventory.csv", csv_bytes([row(title=f"Box {n}") for n in range(2000)]))
    # The reference tables, the floor, the custodians' roles, the legal minimums and the serial numbers in use.
    with django_assert_max_num_queries(6):
        errors = imports.validate_sheet(sheet)
    assert not errors


def test_the_pages_upload_check_show_errors_then_import(client, reference_data, records_manager, django_capture_on_commit_callbacks, monkeypatch):
    queued = []
    monkeypatch.setattr(tasks.validate_import, "delay", lambda pk: queued.append(("validate", pk)))
    monkeypatch.setattr(tasks.run_import, "delay", lambda pk: queued.append(("run", pk)))
    client.force_login(records_manager)
    template = client.get(reverse("import-template"))
    assert template.status_code == 200 and template.content.decode().startswith(",".join(imports.COLUMNS))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("import-list"), {"sheet": SimpleUploadedFile("bad.csv", csv_bytes(REALISTIC_WITH_ERRORS))})
    bad = ImportJob.objects.get()
    assert response.status_code == 302 and queued == [("validate", bad.pk)]
    tasks.validate_import(bad.pk)
    page = client.get(reverse("import-detail", args=[bad.pk])).content.decode()
    assert "Nothing was imported" in page and "<td>9</td><td>schedule</td>" in page
    bad_sheet = csv_bytes(REALISTIC_WITH_ERRORS)
    kept = ImportJob.objects.get(pk=bad.pk)
    assert bytes(kept.content) == b"", "an invalid sheet is not kept"
    assert (kept.file_name, kept.sha256, kept.size) == ("bad.csv", hashlib.sha256(bad_sheet).hexdigest(), len(bad_sheet))
    assert kept.error_count and f"{len(bad_sheet) / 1024:.1f}\xa0KB" in page, "its name, hash, size and result stay"
    assert client.post(reverse("import-confirm", args=[bad.pk]), follow=True).status_code == 200
    assert ImportJob.objects.get(pk=bad.pk).state == "invalid" and not Record.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("import-list"), {"sheet": SimpleUploadedFile("good.csv", csv_bytes([row(), row(title="Two")]))})
    good = ImportJob.objects.latest("pk")
    tasks.validate_import(good.pk)
    assert "Import 2 records" in client.get(reverse("import-detail", args=[good.pk])).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("import-confirm", args=[good.pk]))
    assert queued[-1] == ("run", good.pk)
    tasks.run_import(good.pk)
    tasks.run_import(good.pk)  # delivered twice: imports once
    good.refresh_from_db()
    assert good.state == "done" and good.imported_count == 2 and Record.objects.count() == 2
    assert bytes(good.content) == b"", "the sheet is not kept once imported"

    # "See them" lists exactly the records of this import, not those logged before or since.
    make_record(custodian=User.objects.get(username="emma"), title="Logged by hand")
    see_them = re.search(r'<a href="([^"]+)">see them</a>', client.get(reverse("import-detail", args=[good.pk])).content.decode())
    listed = client.get(see_them.group(1).replace("&amp;", "&"))
    assert sorted(r.title for r in listed.context["page"]) == sorted(["Two", row()["title"]])
    assert f"import #{good.pk}" in listed.content.decode()


def test_the_templates_in_both_formats_with_every_allowed_value(client, reference_data, records_manager, netops):
    client.force_login(records_manager)
    workbook = openpyxl.load_workbook(io.BytesIO(client.get(reverse("import-template-xlsx")).content))
    assert workbook.sheetnames == ["Records", "Allowed values"]
    assert [cell.value for cell in workbook["Records"][1]] == list(imports.COLUMNS)
    allowed = {(row[0], row[1]) for row in workbook["Allowed values"].iter_rows(min_row=2, values_only=True)}
    assert {("medium", value) for value in Medium.values} <= allowed
    assert ("schedule", "TOLL-BILLING") in allowed and ("custodian", "emma") in allowed
    assert ("department", "billing") in allowed and ("contains_cpni", "no") in allowed
    assert ("custodian", "nate") not in allowed, "Network Operations' director holds no records"
    # The Excel template as downloaded is a sheet the import reads: its example row is valid.
    sheet = imports.read_sheet("template.xlsx", client.get(reverse("import-template-xlsx")).content)
    assert len(sheet) == 1 and not imports.validate_sheet(sheet)
    csv_allowed = client.get(reverse("import-allowed-values")).content.decode().splitlines()
    assert csv_allowed[0] == "column,value,meaning" and "medium,usb_drive,USB drive" in csv_allowed


def test_an_error_about_a_value_lists_the_valid_ones(reference_data):
    sheet = imports.read_sheet("inventory.csv", csv_bytes([row(medium="floppy", schedule="NOPE", cpni_categories="billing; mood")]))
    messages = {error.column: error.message for error in imports.validate_sheet(sheet)}
    assert messages["medium"] == f"No medium 'floppy'. Use one of: {', '.join(Medium.values)}."
    assert "No schedule 'NOPE'. Use one of: " in messages["schedule"] and "TOLL-BILLING" in messages["schedule"]
    assert "No CPNI category 'mood'. Use one of: quantity," in messages["cpni_categories"]


def test_only_records_managers_import(client, users_by_role, reference_data):
    for role, user in users_by_role.items():
        if role == Role.RECORDS_MANAGER:
            continue
        client.force_login(user)
        assert client.get(reverse("import-list")).status_code == 403
        assert client.post(reverse("import-list"), {"sheet": SimpleUploadedFile("x.csv", csv_bytes([row()]))}).status_code == 403
    assert not ImportJob.objects.exists()


def test_the_command(tmp_path, reference_data, records_manager, employee, capsys):
    bad, good = tmp_path / "bad.csv", tmp_path / "good.csv"
    bad.write_bytes(csv_bytes(REALISTIC_WITH_ERRORS))
    good.write_bytes(csv_bytes([row(), row(title="Two")]))
    with pytest.raises(CommandError, match="11 errors in 11 rows") as excinfo:
        call_command("import_records", str(bad), "--as", "rita")
    assert excinfo.value.returncode == 1 and "row 9, schedule:" in capsys.readouterr().out
    with pytest.raises(CommandError, match="not an active user allowed"):
        call_command("import_records", str(good), "--as", employee.username)
    call_command("import_records", str(good), "--as", "rita", "--dry-run")
    assert not Record.objects.exists()
    call_command("import_records", str(good), "--as", "rita")
    assert Record.objects.count() == 2


def test_a_sheet_found_invalid_when_it_is_run_is_not_kept(reference_data, records_manager, employee, django_capture_on_commit_callbacks):
    sheet = csv_bytes([row()])
    with django_capture_on_commit_callbacks(execute=False):
        job = imports.import_job_create(actor=records_manager, file_name="good.csv", data=sheet)
    tasks.validate_import(job.pk)
    with django_capture_on_commit_callbacks(execute=False):
        imports.import_job_confirm(actor=records_manager, job=ImportJob.objects.get(pk=job.pk))
    employee.is_active = False  # the custodian left between the check and the run
    employee.save()
    tasks.run_import(job.pk)
    job.refresh_from_db()
    assert job.state == "invalid" and not Record.objects.exists()
    assert bytes(job.content) == b"" and job.size == len(sheet) and job.sha256 == hashlib.sha256(sheet).hexdigest()


def test_a_large_sheet_is_written_a_chunk_at_a_time_all_or_nothing(reference_data, records_manager, monkeypatch):
    """Memory stays that of a chunk whatever the sheet's size, and the rows are still written in
    one transaction: a row that no longer passes in a later chunk leaves nothing of the earlier ones."""
    monkeypatch.setattr(imports, "WRITE_CHUNK", 2)
    sheet = imports.read_sheet("inventory.csv", csv_bytes([row(title=f"Box {n}") for n in range(5)]))
    written = imports.write_records(actor=records_manager, sheet=sheet, job=job_of(records_manager))
    assert (written.count, written.first_reference, written.last_reference) == (5, "CPNI-2026-000001", "CPNI-2026-000005")
    assert sorted(Record.objects.values_list("title", flat=True)) == [f"Box {n}" for n in range(5)]
    assert AuditEvent.objects.filter(action="record.created").count() == 5

    before = (Record.objects.count(), AuditEvent.objects.count())
    changed = imports.read_sheet("inventory.csv", csv_bytes([row(), row(), row(), row(), row(custodian="nobody")]))
    with pytest.raises(imports.SheetChanged, match="row 6"):
        imports.write_records(actor=records_manager, sheet=changed, job=job_of(records_manager))
    assert (Record.objects.count(), AuditEvent.objects.count()) == before


def test_the_job_reads_its_sheet_from_a_spool_it_deletes(reference_data, records_manager):
    with imports.spooled_sheet("inventory.csv", csv_bytes([row(title=f"Box {n}") for n in range(2500)])) as sheet:
        assert len(sheet) == 2500
        assert [number for number, _ in sheet][:3] == [2, 3, 4] and sum(1 for _ in sheet) == 2500  # read again
        spool = Path(sheet.path)
        assert spool.exists() and oct(spool.parent.stat().st_mode)[-3:] == "700"
    assert not spool.parent.exists()

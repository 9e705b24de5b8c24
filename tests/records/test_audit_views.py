"""Audit pages, the registers and settings changes, for every role."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from records.audit import audit_event_record
from records.models import AuditEvent, Job
from compliance.models import CompanyProfile, CustomerComplaint, DataBrokerAction, PretextingObservation
from records.roles import Role
from tests.compliance.test_filing import record_filing
from tests.factories import TEST_PASSWORD, company_profile_data, make_company_profile, make_record

pytestmark = pytest.mark.django_db
SIGNED = {"signed_on": "2026-02-20", "personal_knowledge": "on", "password": TEST_PASSWORD}
READ_ALL = {Role.RECORDS_MANAGER, Role.NETOPS_DIRECTOR, Role.AUDITOR, Role.OFFICER}


@pytest.mark.parametrize(
    "url_name, args, allowed",
    [("audit-log", [], READ_ALL), ("register-list", ["complaints"], READ_ALL),
     ("register-list", ["data-broker-actions"], READ_ALL), ("register-list", ["pretexting"], READ_ALL),
     ("register-create", ["complaints"], {Role.RECORDS_MANAGER}), ("company-profile", [], READ_ALL),
     ("certification", [], READ_ALL)],
)
def test_every_role_against_the_audit_and_register_pages(client, users_by_role, url_name, args, allowed):
    url = reverse(url_name, args=args)
    for role, user in users_by_role.items():
        client.force_login(user)
        assert client.get(url).status_code == (200 if role in allowed else 403), (role, url)


def test_unknown_register_is_404(client, records_manager):
    client.force_login(records_manager)
    assert client.get(reverse("register-list", args=["gossip"])).status_code == 404


def test_audit_log_filters_by_actor_action_object_and_dates(client, auditor, employee, time_machine):
    record = make_record(custodian=employee, title="Toll printouts")
    time_machine.move_to(timezone.now() + timedelta(days=10))
    audit_event_record(actor=None, action="record.expire", obj=record)
    client.force_login(auditor)
    by_actor = client.get(reverse("audit-log"), {"actor": "emma"}).context["page"]
    assert {e.actor_name for e in by_actor} == {"emma"}
    by_action = client.get(reverse("audit-log"), {"action": "record.expire"}).context["page"]
    assert [e.action for e in by_action] == ["record.expire"]
    by_object = client.get(reverse("audit-log"), {"object": record.reference}).context["page"]
    assert {e.object_id for e in by_object} == {str(record.pk)}
    today = timezone.localdate()
    recent = client.get(reverse("audit-log"), {"since": today.isoformat()}).context["page"]
    assert [e.action for e in recent] == ["record.expire"], "sign-ins are folded away by default"
    with_sign_ins = client.get(reverse("audit-log"), {"since": today.isoformat(), "sign_ins": "on"}).context["page"]
    assert [e.action for e in with_sign_ins] == ["auth.signed_in", "record.expire"]
    sign_ins = client.get(reverse("audit-log"), {"action": "auth."}).context["page"]
    assert {e.action for e in sign_ins} == {"auth.signed_in"}, "asked for by their action, they show"
    audit_event_record(actor=employee, action="auth.second_factor_enabled", obj=employee)
    audit_event_record(actor=employee, action="auth.signed_out", obj=employee)
    audit_event_record(actor=None, action="auth.sign_in_failed", object_type="username", object_repr="emma")
    page = client.get(reverse("audit-log"), {"since": today.isoformat()})
    assert [e.action for e in page.context["page"]] == ["auth.second_factor_enabled", "record.expire"], \
        "a change to an account is not a sign-in: it shows"
    assert "Include sign-ins" in page.content.decode()
    older = client.get(reverse("audit-log"), {"until": (today - timedelta(days=1)).isoformat()}).context["page"]
    assert "record.expire" not in [e.action for e in older] and len(older.object_list) > 0
    bad = client.get(reverse("audit-log"), {"since": "soon", "until": "2020-01-01"})
    assert bad.status_code == 200 and "were not understood" in bad.content.decode()


def test_the_log_reads_in_words_with_full_names_links_and_readable_details(client, auditor, employee):
    record = make_record(custodian=employee, title="Toll printouts")
    audit_event_record(actor=employee, action="record.updated", obj=record,
                       payload={"location": ["Room A", "Room B"], "method": ["", "cross_cut_shredder"], "witness": [None, "ann"]})
    client.force_login(auditor)
    page = client.get(reverse("audit-log"), {"action": "record.updated"})
    html = page.content.decode()
    assert "Edited a record" in html and employee.get_full_name() in html
    assert f'<a href="{record.get_absolute_url()}">{record.reference}' in html
    details = re.search(r"<td>([^<]*(?:<br>[^<]*)*)</td>\s*<td><code", html).group(1).split("<br>")
    assert sorted(details) == ["location: Room A → Room B", "method: (none) → cross_cut_shredder", "witness: (none) → ann"]
    assert "{&#x27;" not in html and "[&#x27;" not in html, "no Python reprs"
    options = re.findall(r'<option value="([^"]*)"', html)
    assert "record.confirm_shredding" in options and "record." in options and "auth.signed_in" in options


def test_auditor_verifies_the_chain_and_the_check_is_itself_audited(client, auditor, employee, officer, monkeypatch,
                                                                      django_capture_on_commit_callbacks):
    from records import jobs, tasks

    queued = []
    monkeypatch.setattr(tasks.run_job, "delay", queued.append)
    make_record(custodian=employee)
    client.force_login(auditor)
    head = AuditEvent.objects.order_by("sequence").last()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("audit-verify"), {"mode": "full"})
    job = Job.objects.get(kind=Job.Kind.CHAIN_VERIFY)
    assert response.status_code == 302 and response["Location"] == reverse("job-detail", args=[job.pk])
    assert queued == [job.pk], "the walk runs in a worker, not in the request"
    jobs.job_run(job.pk)  # what the worker does
    page = client.get(reverse("job-detail", args=[job.pk])).content.decode()
    assert "The audit chain is intact" in page
    assert f"Head: event #{head.sequence}, hash {head.hash}" in page  # for the auditor to keep
    assert AuditEvent.objects.filter(action="audit.verified", actor=auditor, payload__ok=True).exists()
    for denied in (employee, officer):
        client.force_login(denied)
        assert client.post(reverse("audit-verify"), {"mode": "full"}).status_code == 403
        assert client.get(reverse("job-detail", args=[job.pk])).status_code == (403 if denied == employee else 200)
    assert Job.objects.filter(kind=Job.Kind.CHAIN_VERIFY).count() == 1


def test_record_audit_trail_combines_events_and_field_history(client, auditor, employee):
    record = make_record(custodian=employee)
    from records import services

    services.record_update(actor=employee, record=record, location="Vault 7")
    client.force_login(auditor)
    page = client.get(reverse("record-audit", args=[record.reference])).content.decode()
    assert "record.created" in page and "record.updated" in page and "Vault 7" in page and "Field history" in page


def test_records_manager_keeps_the_registers_with_history_and_audit(client, records_manager, auditor):
    client.force_login(records_manager)
    data = {"received_on": "2026-03-02", "category": "online_access", "summary": "Account takeover via reset", "resolution": ""}
    assert client.post(reverse("register-create", args=["complaints"]), data).status_code == 302
    complaint = CustomerComplaint.objects.get()
    assert complaint.recorded_by == records_manager and complaint.history.get().history_user == records_manager
    edit = client.post(reverse("register-edit", args=["complaints", complaint.pk]), {**data, "resolution": "Password reset hardened", "resolved_on": "2026-03-09"})
    assert edit.status_code == 302
    event = AuditEvent.objects.get(action="customercomplaint.updated")
    assert event.payload["resolution"] == ["", "Password reset hardened"]
    bad = client.post(reverse("register-create", args=["data-broker-actions"]), {"taken_on": "someday", "forum": "court", "description": ""})
    assert bad.status_code == 200 and not DataBrokerAction.objects.exists()
    assert client.post(reverse("register-create", args=["pretexting"]), {"observed_on": "2026-04-01", "method": "Caller posed as account holder", "steps_taken": "Added callback verification"}).status_code == 302
    assert PretextingObservation.objects.count() == 1
    client.force_login(auditor)
    assert client.post(reverse("register-create", args=["complaints"]), data).status_code == 403
    assert client.post(reverse("register-edit", args=["complaints", complaint.pk]), {**data, "summary": "x"}).status_code == 403
    assert CustomerComplaint.objects.get().summary == "Account takeover via reset"


def test_company_profile_needs_a_filer_id_or_a_reason(client, records_manager, officer):
    client.force_login(records_manager)
    company = {"name": "Example Telecom, Inc.", "filer_id": "", "no_filer_id_reason": ""}
    refused = client.post(reverse("company-profile"), company_profile_data(company, signatory=officer.pk))
    assert refused.status_code == 200 and "reason there is none" in refused.content.decode()
    malformed = client.post(reverse("company-profile"), company_profile_data({**company, "filer_id": "82512A"}, signatory=officer.pk))
    assert malformed.status_code == 200 and "A Form 499 Filer ID is six digits" in malformed.content.decode()
    assert not CompanyProfile.objects.exists()
    saved = client.post(reverse("company-profile"), company_profile_data({**company, "filer_id": "825123"}, signatory=officer.pk))
    assert saved.status_code == 302
    assert [c.filer_id for c in CompanyProfile.objects.get().companies.all()] == ["825123"]
    client.force_login(officer)
    assert "825123" in client.get(reverse("company-profile")).content.decode()
    forbidden = client.post(reverse("company-profile"), company_profile_data({**company, "filer_id": "111111"}, signatory=officer.pk))
    assert forbidden.status_code == 403
    assert [c.filer_id for c in CompanyProfile.objects.get().companies.all()] == ["825123"]


def test_settings_changed_in_the_admin_are_audited(client, records_manager):
    records_manager.is_staff = True
    records_manager.save()
    client.force_login(records_manager)
    response = client.post(reverse("admin:records_department_add"), {"code": "fraud", "name": "Fraud Prevention"})
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="settings.changed")
    assert event.actor == records_manager and event.payload == {"model": "records.Department", "change": "created"}


def test_exports_are_audited(client, auditor, employee, netops, records_manager):
    from records import holds
    from records.models import Medium, Record, Status

    record = make_record(custodian=employee, status=Status.DESTROYED, medium=Medium.SSD, netops=netops)
    hold = holds.hold_place(actor=records_manager, matter="M", reason="R", scope="t",
                            records=Record.objects.filter(pk=make_record(custodian=employee).pk))
    client.force_login(auditor)
    client.get(reverse("record-certificate", args=[record.reference]))
    b"".join(client.get(reverse("hold-report", args=[hold.pk])).streaming_content)
    exports = AuditEvent.objects.filter(actor=auditor, action__startswith="export.")
    assert set(exports.values_list("action", flat=True)) == {"export.certificate", "export.hold_report"}


@pytest.fixture
def company(officer):
    return make_company_profile(signatory=officer)


def test_build_download_and_file_the_certification_through_the_pages(
    client, records_manager, officer, auditor, company, django_capture_on_commit_callbacks, monkeypatch, frozen_today,
    approved_statement,
):
    from compliance import tasks
    from compliance.models import CertificationFiling, CertificationPackage

    built = []
    monkeypatch.setattr(tasks.build_certification_package, "delay", lambda pk: built.append(pk))
    client.force_login(records_manager)
    refused = client.post(reverse("package-request"), {"year": "2027"})
    assert refused.status_code == 400 and "has begun" in refused.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("package-request"), {"year": "2025"})
    package = CertificationPackage.objects.get()
    assert response.status_code == 302 and built == [package.pk], "the build is enqueued after commit"
    page = client.get(reverse("package-detail", args=[package.pk])).content.decode()
    assert 'data-refresh="3"' in page and "Queued" in page

    tasks.build_certification_package(package.pk)  # what the worker runs
    package.refresh_from_db()
    assert package.state == "ready" and package.progress == 100 and len(package.sha256) == 64
    download = client.get(reverse("package-download", args=[package.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    import hashlib

    assert hashlib.sha256(b"".join(download.streaming_content)).hexdigest() == package.sha256
    assert AuditEvent.objects.filter(action="certification.package_downloaded", actor=records_manager).exists()

    client.force_login(auditor)
    assert client.get(reverse("package-detail", args=[package.pk])).status_code == 200
    assert client.get(reverse("package-download", args=[package.pk])).status_code == 403
    assert client.post(reverse("package-request"), {"year": "2025"}).status_code == 403
    assert client.post(reverse("package-sign", args=[package.pk]), SIGNED).status_code == 403

    client.force_login(records_manager)
    assert client.post(reverse("package-sign", args=[package.pk]), SIGNED).status_code == 403

    client.force_login(officer)
    assert client.post(reverse("package-sign", args=[package.pk]), SIGNED).status_code == 302
    filing = CertificationFiling.objects.get()
    assert filing.year == 2025 and filing.signed_by == officer and filing.package == package
    bad = record_filing(client, filing, filed_on="2026-02-19")
    assert bad.status_code == 400 and "cannot be before 2026-02-20, the day it was signed" in bad.content.decode()
    assert record_filing(client, filing).status_code == 302
    assert AuditEvent.objects.filter(action="certification.filed", actor=officer).exists()
    locked = client.post(reverse("package-request"), {"year": "2025"})
    assert locked.status_code == 400 and "locked" in locked.content.decode()
    assert CertificationPackage.objects.count() == 1

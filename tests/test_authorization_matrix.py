"""Every URL the project serves, for every role and for anonymous visitors.

The patterns come from the URL resolver, so a new page cannot escape this test: one without an
entry in EXPECTED fails it. Then object-level cases for the state-changing views."""

import re
import zipfile
from datetime import date

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from compliance import (
    approval_notices, breaches, campaigns, disclosures, duty_evidence, optout, statement_lifecycle, training,
)
from compliance import package as packaging
from records import holds
from records.models import ImportJob, Job, LegalMinimum, Medium, MinimumLowering, Record, Status, Transmittal
from compliance.models import CertificationFiling, CertificationPackage, CustomerComplaint
from records.roles import Role
from tests.factories import ScheduleFactory, UserFactory, make_record

ALL = frozenset(Role)
LOGGERS = frozenset({Role.EMPLOYEE, Role.RECORDS_MANAGER})
MANAGER = frozenset({Role.RECORDS_MANAGER})
NETOPS = frozenset({Role.NETOPS_DIRECTOR})
READ_ALL = ALL - {Role.EMPLOYEE}
PRIVILEGED = frozenset({Role.RECORDS_MANAGER, Role.NETOPS_DIRECTOR, Role.AUDITOR, Role.OFFICER})
NOBODY = frozenset()

# name: (method, roles allowed, status when allowed). Denied roles get 403; anonymous visitors are
# sent to sign in. A POST with an empty body checks the permission, not the input.
EXPECTED = {
    "dashboard": ("GET", ALL, 200),
    "home": ("GET", ALL, 302),  # to the role's own page
    "record-list": ("GET", ALL, 200),
    "record-list-csv": ("GET", ALL, 200),
    "record-create": ("GET", LOGGERS, 200),
    "record-detail": ("GET", ALL, 200),
    "record-edit": ("GET", LOGGERS, 200),
    "record-extend": ("POST", MANAGER, 400),
    "record-correct": ("POST", MANAGER, 400),
    "record-mark-shredding": ("POST", LOGGERS, 302),
    "record-confirm-shredding": ("GET", frozenset({Role.EMPLOYEE}), 200),  # its custodian only
    "record-validate": ("POST", frozenset({Role.RECORDS_MANAGER, Role.NETOPS_DIRECTOR}), 404),  # not destroyed
    "record-certificate": ("GET", ALL, 404),  # not destroyed: no certificate
    "record-audit": ("GET", READ_ALL, 200),
    "hand-over": ("GET", LOGGERS, 200),
    "netops-queue": ("GET", NETOPS, 200),
    "netops-receive": ("POST", NETOPS, 200),  # nothing ticked: the queue again, saying so
    "netops-destroy": ("GET", NETOPS, 200),
    "transmittal": ("GET", READ_ALL, 200),  # and the person who handed the media over
    "label-check": ("GET", LOGGERS, 200),
    "label-stamp": ("POST", LOGGERS, 400),
    "schedule-list": ("GET", ALL, 200),
    "schedule-create": ("GET", MANAGER, 200),
    "schedule-edit": ("GET", MANAGER, 200),
    "sweep": ("GET", MANAGER, 200),
    "minimum-lowering": ("GET", ALL, 200),
    "minimum-lowering-decide": ("POST", MANAGER, 302),  # no note: refused, saying why
    "legal-minimum-list": ("GET", ALL, 200),
    "legal-minimum-create": ("GET", MANAGER, 200),
    "legal-minimum-edit": ("GET", MANAGER, 200),
    "job-list": ("GET", ALL, 200),
    "job-detail": ("GET", READ_ALL, 200),  # its requester, and those who see holds
    "job-retry": ("POST", MANAGER, 302),  # a hold's job that has not failed: back to it, saying so
    "job-download": ("GET", READ_ALL, 404),  # a hold's job: no file (export jobs: tests/records/test_export_jobs.py)
    "hold-list": ("GET", READ_ALL, 200),
    "hold-create": ("GET", MANAGER, 200),
    "hold-detail": ("GET", READ_ALL, 200),
    "hold-release": ("POST", MANAGER, 400),
    "hold-report": ("GET", READ_ALL, 200),
    "audit-log": ("GET", READ_ALL, 200),
    "audit-log-csv": ("GET", READ_ALL, 200),
    "destruction-register-csv": ("GET", READ_ALL, 200),
    "audit-verify": ("POST", frozenset({Role.RECORDS_MANAGER, Role.AUDITOR}), 302),
    "register-list": ("GET", READ_ALL, 200),
    "register-create": ("GET", MANAGER, 200),
    "register-edit": ("GET", MANAGER, 200),
    "company-profile": ("GET", READ_ALL, 200),
    "certification": ("GET", READ_ALL, 200),
    "statement-sections": ("GET", READ_ALL, 200),
    "statement-draft": ("POST", MANAGER, 400),  # no text and no reason: refused, saying why
    "statement-approve": ("POST", frozenset({Role.OFFICER}), 302),  # a records manager's draft
    "statement-evidence": ("POST", MANAGER, 400),  # nothing given: refused, saying why
    "statement-evidence-file": ("GET", READ_ALL, 200),
    "package-request": ("POST", frozenset({Role.RECORDS_MANAGER, Role.OFFICER}), 400),
    "package-detail": ("GET", READ_ALL, 200),
    "package-download": ("GET", frozenset({Role.RECORDS_MANAGER, Role.OFFICER}), 200),
    "package-sign": ("POST", frozenset({Role.OFFICER}), 400),
    "filing-file": ("POST", frozenset({Role.OFFICER}), 400),  # the officer who signed it
    "filing-signed-pdf": ("GET", READ_ALL, 200),
    "amendment-open": ("POST", frozenset({Role.RECORDS_MANAGER, Role.OFFICER}), 400),
    "package-certification-pdf": ("GET", READ_ALL, 200),
    "package-public-filing": ("GET", READ_ALL, 200),
    "filing-withdraw": ("POST", frozenset({Role.OFFICER}), 400),  # the officer who filed it
    "import-list": ("GET", MANAGER, 200),
    "import-template": ("GET", MANAGER, 200),
    "import-template-xlsx": ("GET", MANAGER, 200),
    "import-allowed-values": ("GET", MANAGER, 200),
    "import-detail": ("GET", MANAGER, 200),
    "import-confirm": ("POST", MANAGER, 302),
    "second-factor-setup": ("GET", PRIVILEGED, 200),
    "second-factor-verify": ("GET", ALL, 200),
    "enrolment-codes": ("GET", MANAGER, 200),
    "api-docs": ("GET", ALL, 200),  # the API's interactive page: a page like the others
    "program": ("GET", ALL, 200),  # each sees the registers they may open
    "breach-list": ("GET", READ_ALL, 200),
    "breach-report": ("GET", LOGGERS, 200),  # employees report a suspected breach
    "breach-detail": ("GET", READ_ALL, 200),
    "breach-edit": ("GET", MANAGER, 200),
    "breach-step": ("POST", MANAGER, 400),  # the closure, without its note
    "notice-copy": ("GET", READ_ALL, 200),
    "optout-list": ("GET", READ_ALL, 200),
    "optout-create": ("GET", MANAGER, 200),
    "optout-detail": ("GET", READ_ALL, 200),
    "optout-edit": ("GET", MANAGER, 200),
    "optout-letter-sent": ("POST", MANAGER, 400),  # without the form's fields
    "optout-close": ("POST", MANAGER, 302),  # refused (the letter is not sent): back to the page, saying why
    "optout-letter-pdf": ("GET", READ_ALL, 200),
    "optout-notice": ("GET", READ_ALL, 200),
    "register-assess-breach": ("POST", MANAGER, 302),
    # The world's campaign is a draft the employee requested: employees see their own requests.
    "campaign-list": ("GET", ALL, 200),
    "campaign-create": ("GET", LOGGERS, 200),
    "campaign-detail": ("GET", ALL, 200),
    "campaign-edit": ("GET", LOGGERS, 200),
    "campaign-step": ("POST", MANAGER, 302),  # "close" on a draft: refused, back to the page saying why
    "disclosure-list": ("GET", READ_ALL, 200),
    "disclosure-create": ("GET", MANAGER, 200),
    "disclosure-detail": ("GET", READ_ALL, 200),
    "disclosure-correct": ("GET", MANAGER, 200),
    "approval-notice-list": ("GET", READ_ALL, 200),
    "approval-notice-create": ("GET", MANAGER, 200),
    "approval-notice-detail": ("GET", READ_ALL, 200),
    "approval-notice-correct": ("GET", MANAGER, 200),
    "approval-notice-mailing": ("GET", MANAGER, 200),
    "evidence-create": ("GET", MANAGER, 200),
    "evidence-snapshot": ("GET", READ_ALL, 200),
    # Training: the world's course is assigned to the employee, who signs their own acknowledgement.
    "training-list": ("GET", READ_ALL, 200),
    "training-yearly": ("POST", MANAGER, 302),  # without the form's fields: back to the list, saying why
    "training-mine": ("GET", ALL, 200),
    "training-course-create": ("GET", MANAGER, 200),
    "training-course": ("GET", READ_ALL, 200),
    "training-assign": ("POST", MANAGER, 400),
    "training-complete": ("POST", frozenset({Role.EMPLOYEE}), 400),  # the person assigned only; unsigned
    "briefing-list": ("GET", READ_ALL, 200),
    "briefing-create": ("GET", MANAGER, 200),
    "discipline-list": ("GET", frozenset({Role.RECORDS_MANAGER, Role.OFFICER}), 200),
    "discipline-create": ("GET", MANAGER, 200),
}
# Served to everyone, signed in or not: name -> (method, status for anonymous, status signed in).
PUBLIC = {"login": ("GET", 200, 302), "logout": ("POST", 302, 302), "healthz": ("GET", 200, 200),
          "favicon": ("GET", 302, 302),
          "api-not-found": ("GET", 404, 404)}
# The REST API: name -> [(method, roles allowed, status when allowed)], one per method. Denied roles
# get 403 and anonymous callers 401, as JSON (never a redirect to sign in). Requests carry an empty
# JSON body; the world's record is pending shredding and on hold, so once a role's permission lets
# a lifecycle step or an edit through, the state answers 409.
API_EXPECTED = {
    "api-record-list": [("GET", ALL, 200), ("POST", LOGGERS, 400)],
    "api-record-detail": [("GET", ALL, 200), ("PATCH", LOGGERS, 409)],
    "api-record-extend": [("POST", MANAGER, 409)],
    "api-record-mark-for-shredding": [("POST", LOGGERS, 409)],
    "api-record-confirm-shredding": [("POST", LOGGERS, 409)],
    "api-record-hand-over": [("POST", LOGGERS, 409)],
    "api-record-receive": [("POST", NETOPS, 409)],
    "api-record-confirm-sanitization": [("POST", NETOPS, 409)],
    "api-record-validate": [("POST", frozenset({Role.RECORDS_MANAGER, Role.NETOPS_DIRECTOR}), 409)],
    "api-record-correct": [("POST", MANAGER, 409)],
    "api-schedule-list": [("GET", ALL, 200), ("POST", MANAGER, 400)],
    "api-schedule-detail": [("GET", ALL, 200), ("PATCH", MANAGER, 200)],
    "api-legal-minimum-list": [("GET", ALL, 200)],
    "api-hold-list": [("GET", READ_ALL, 200), ("POST", MANAGER, 400)],
    "api-hold-detail": [("GET", READ_ALL, 200)],
    "api-hold-release": [("POST", MANAGER, 400)],
    "api-job-detail": [("GET", READ_ALL, 200)],
    "api-certification-list": [("GET", frozenset({Role.RECORDS_MANAGER, Role.OFFICER, Role.AUDITOR}), 200)],
    "api-breach-list": [("GET", READ_ALL, 200), ("POST", MANAGER, 400)],
    "api-breach-detail": [("GET", READ_ALL, 200), ("PATCH", MANAGER, 200)],
    "api-breach-notifications": [("POST", MANAGER, 400)],
    "api-breach-directions": [("POST", MANAGER, 400)],
    "api-optout-list": [("GET", READ_ALL, 200), ("POST", MANAGER, 400)],
    "api-optout-detail": [("GET", READ_ALL, 200), ("PATCH", MANAGER, 200)],
    "api-optout-letter": [("POST", MANAGER, 400)],
    # The API's campaign is one the employee requested and submitted: it stands as submitted.
    "api-campaign-list": [("GET", ALL, 200), ("POST", LOGGERS, 400)],
    "api-campaign-detail": [("GET", ALL, 200), ("PATCH", LOGGERS, 409)],  # not a draft
    "api-campaign-submit": [("POST", LOGGERS, 409)],
    "api-campaign-approve": [("POST", NOBODY, 200)],  # nobody here holds the President's duty
    "api-campaign-reject": [("POST", NOBODY, 200)],
    "api-campaign-revise": [("POST", LOGGERS, 409)],  # not rejected
    "api-campaign-start": [("POST", MANAGER, 409)],  # not approved
    "api-campaign-close": [("POST", MANAGER, 409)],
    "api-disclosure-list": [("GET", READ_ALL, 200), ("POST", MANAGER, 400)],
    "api-disclosure-detail": [("GET", READ_ALL, 200), ("PATCH", MANAGER, 400)],  # a correction needs its reason
    "api-approval-notice-list": [("GET", READ_ALL, 200), ("POST", MANAGER, 400)],
    "api-approval-evidence-list": [("GET", READ_ALL, 200), ("POST", MANAGER, 400)],
    "api-approval-notice-detail": [("GET", READ_ALL, 200), ("PATCH", MANAGER, 400)],  # a correction needs its reason
    "api-approval-notice-mailings": [("POST", MANAGER, 400)],
    "api-training-list": [("GET", ALL, 200), ("POST", MANAGER, 400)],
    "api-training-detail": [("GET", ALL, 200)],  # assigned to the employee
    "api-training-assignments": [("GET", ALL, 200), ("POST", MANAGER, 400)],
    "api-training-completions": [("GET", ALL, 200), ("POST", ALL, 400)],
    "api-briefing-list": [("GET", READ_ALL, 200), ("POST", MANAGER, 400)],
    "api-discipline-list": [("GET", frozenset({Role.RECORDS_MANAGER, Role.OFFICER}), 200), ("POST", MANAGER, 400)],
    "api-schema": [("GET", ALL, 200)],
}


def url_patterns(resolver=None, namespace=""):
    """(name, pattern) for every pattern, with the admin's under the 'admin:' namespace."""
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            yield from url_patterns(pattern, f"{pattern.namespace}:" if pattern.namespace else namespace)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}{pattern.name}", pattern


@pytest.fixture
def world(settings, tmp_path, employee, users_by_role, records_manager, officer):
    """One object of each kind the URLs point at, in the employee's department."""
    settings.VAR_DIR = tmp_path
    schedule = ScheduleFactory(code="TOLL")
    LegalMinimum.objects.create(code=schedule.code, citation="47 CFR 42.6", title="Toll records", period_value=18,
                                period_unit="months")  # edited at /legal-minimums/TOLL/edit/
    record = make_record(custodian=employee, schedule=schedule, status=Status.PENDING_SHRED)
    hold = holds.hold_place(actor=records_manager, matter="M", reason="R", scope="t", records=Record.objects.filter(pk=record.pk))
    complaint = CustomerComplaint.objects.create(received_on=date(2026, 1, 5), category="employee_access", summary="S", recorded_by=records_manager)
    package = CertificationPackage.objects.create(year=2025, requested_by=records_manager, requested_at=timezone.now(),
                                                  state="ready", sha256="0" * 64)
    path = packaging.package_path(package)
    path.parent.mkdir()
    with zipfile.ZipFile(path, "w") as archive:  # the package's PDFs, read in the browser
        archive.writestr("certification.pdf", b"%PDF-1.7")
        archive.writestr("public-filing.pdf", b"%PDF-1.7")
    package.file_name = path.name
    package.save()
    filing = CertificationFiling.objects.create(year=2025, package=package, signed_by=officer, signed_on=date(2026, 2, 20),
                                                filed_on=date(2026, 2, 20), recorded_at=timezone.now(),
                                                signed_pdf_name="cpni-certification-2025-filed.pdf")
    (path.parent.parent / "filings").mkdir()
    (path.parent.parent / "filings" / filing.signed_pdf_name).write_bytes(b"%PDF-1.7")
    job = ImportJob.objects.create(file_name="inventory.csv", sha256="0" * 64, content=b"title\n", requested_by=records_manager,
                                   requested_at=timezone.now(), state="invalid")
    long_job = Job.objects.create(kind=Job.Kind.HOLD_PLACE, description="Place legal hold", requested_by=records_manager,
                                  requested_at=timezone.now())
    incident = breaches.breach_report(actor=records_manager, fields={"description": "D", "discovered_at": timezone.now()},
                                      reasonably_determined_at=timezone.now())
    notice = breaches.breach_notification_record(actor=records_manager, incident=incident, recipient="law_enforcement",
                                                 notified_at=timezone.now(), method="reporting_facility",
                                                 copy=b"%PDF-1.7", copy_name="notice.pdf")
    transmittal = Transmittal.objects.create(handed_over_by=records_manager, handed_over_at=timezone.now())
    lowering = MinimumLowering.objects.create(  # asked by another records manager: the one signed in may decide
        schedule=schedule, changes={}, old_minimum="18 months", new_minimum="none", records_affected=0, reason="R",
        requested_by=UserFactory(username="rob", role=Role.RECORDS_MANAGER), requested_at=timezone.now())
    failure = optout.optout_record(actor=records_manager, fields={
        "detected_at": timezone.now(), "mechanisms": "Web form", "problem": "Down", "remedy": "Fixed",
        "remedy_on": timezone.localdate(), "state_notified": False, "contact": "Records manager"},
        notice=b"Notice to customers", notice_name="notice.txt")
    campaign = campaigns.campaign_create(actor=employee, fields={
        "description": "Spring mailing", "channel": "mail", "products": "Fiber plans", "uses_cpni": False,
        "approval_basis": "none", "starts_on": timezone.localdate(), "ends_on": timezone.localdate()})
    submitted = campaigns.campaign_submit(actor=employee, campaign=campaigns.campaign_create(actor=employee, fields={
        "description": "Autumn mailing", "channel": "mail", "products": "Fiber plans", "uses_cpni": False,
        "approval_basis": "none", "starts_on": timezone.localdate(), "ends_on": timezone.localdate()}))
    release = disclosures.disclosure_record(actor=records_manager, fields={
        "disclosed_on": timezone.localdate(), "recipient": "Fiber Installers LLC", "agreement_reference": "MSA-1",
        "purpose": "installation", "cpni_categories": ["location"], "customers_count": 1})
    approval = approval_notices.notice_create(actor=records_manager, fields={
        "version_label": "2026-1", "text": "Your rights", "effective_on": timezone.localdate()})
    approval_notices.mailing_record(actor=records_manager, notice=approval, fields={
        "sent_on": timezone.localdate(), "method": "mail", "population": 10})
    evidence = approval_notices.evidence_record(actor=records_manager, fields={"as_of": timezone.localdate()},
                                                snapshot=b"account,status\n", snapshot_name="approvals.csv")
    section_draft = statement_lifecycle.draft_save(actor=records_manager, section="authentication",
                                                   text="Callers are authenticated before any CPNI is discussed.")
    call_centre = duty_evidence.record(actor=records_manager, section="authentication", as_of=timezone.localdate(),
                                       source="Call centre QA", summary="Calls sampled.", data=b"review",
                                       file_name="qa.txt")
    course = training.course_create(actor=records_manager, title="CPNI procedures", version="1", summary="Text",
                                    effective_on=date(2026, 1, 1))
    assignment = training.assignment_create(actor=records_manager, course=course, person=employee, due_on=date(2026, 12, 31))
    return {"pk_statement": section_draft.pk, "key": "authentication", "pk_duty_evidence": call_centre.pk, "pk_course": course.pk, "course_id": course.pk, "pk_assignment": assignment.pk,
            "pk_approval": approval.pk, "notice_id": approval.pk, "pk_evidence": evidence.pk,
            "pk_disclosure": release.pk, "disclosure_id": release.pk, "pk_campaign": campaign.pk, "campaign_id": submitted.pk, "reference": record.reference, "pk_transmittal": transmittal.pk, "pk_lowering": lowering.pk, "pk_job": long_job.pk, "job_id": long_job.pk, "pk_hold": hold.pk, "pk_breach": incident.pk, "pk_notice": notice.pk, "pk_optout": failure.pk, "failure_id": failure.pk,
            "step": "close", "breach_id": incident.pk, "pk_package": package.pk, "code": schedule.code,
            "kind": "complaints", "pk_register": complaint.pk, "pk_import": job.pk, "hold_id": hold.pk,
            "pk_filing": filing.pk}


def url_for(name, pattern, world):
    regex = pattern.pattern.regex
    if regex.groups and not regex.groupindex:  # unnamed groups (the history admin's object and version)
        return reverse(name, args=["1"] * regex.groups)
    kwargs = {}
    for arg in pattern.pattern.regex.groupindex:
        if arg == "pk":
            kwargs[arg] = world[{"training-complete": "pk_assignment", "statement-evidence-file": "pk_duty_evidence"}[name]
                                if name in ("training-complete", "statement-evidence-file") else {"hold": "pk_hold", "package": "pk_package", "import": "pk_import", "filing": "pk_filing", "amendment": "pk_filing",
                                "breach": "pk_breach", "notice": "pk_notice", "job": "pk_job", "optout": "pk_optout",
                                "transmittal": "pk_transmittal", "minimum": "pk_lowering",
                                "campaign": "pk_campaign", "disclosure": "pk_disclosure",
                                "approval": "pk_approval", "evidence": "pk_evidence",
                                "training": "pk_course", "statement": "pk_statement"}.get(name.split("-")[0], "pk_register")]
        elif arg in world:
            kwargs[arg] = world[arg]
        else:  # the admin's own arguments
            kwargs[arg] = {"app_label": "records", "object_id": "1", "content_type_id": "1"}.get(arg, "1")
    return reverse(name, kwargs=kwargs)


def call(client, method, url, api=False):
    if api and method != "GET":  # the API reads JSON only
        return getattr(client, method.lower())(url, "{}", content_type="application/json")
    return client.post(url) if method == "POST" else client.get(url)


@pytest.mark.django_db
def test_every_url_for_every_role_and_anonymous(client, users_by_role, world):
    """Each role and anonymous visitors get exactly the expected outcome at every URL; every answer
    to a signed-in person (page, PDF, CSV or ZIP download, API response, redirect or refusal) tells
    browsers and proxies not to keep it."""
    patterns = list(url_patterns())
    unnamed = [str(p.pattern) for name, p in patterns if name.endswith("None")]
    assert all(name.startswith("admin:") for name, p in patterns if name.endswith("None")), unnamed
    patterns = [(name, p) for name, p in patterns if not name.endswith("None")]  # the admin's catch-all
    app_names = {name for name, _ in patterns if not name.startswith("admin:")}
    assert app_names == set(EXPECTED) | set(PUBLIC) | set(API_EXPECTED), "every page needs its expected outcome here"
    failures = []
    for name, pattern in patterns:
        url = url_for(name, pattern, world)
        if name.startswith("admin:"):
            expectations = _admin_expectations(name)
        elif name in PUBLIC:
            method, anonymous, signed_in = PUBLIC[name]
            expectations = [(method, None, anonymous)] + [(method, role, signed_in) for role in Role]
        elif name in API_EXPECTED:
            expectations = [(method, role, status if role in allowed else 403) if role else (method, None, 401)
                            for method, allowed, status in API_EXPECTED[name] for role in (None, *Role)]
        else:
            method, allowed, status = EXPECTED[name]
            expectations = [(method, None, 302)] + [(method, role, status if role in allowed else 403) for role in Role]
        for method, role, expected in expectations:
            client.logout()
            if role is not None:
                client.force_login(users_by_role[role])
            response = call(client, method, url, api=name in API_EXPECTED)
            if role is not None and "no-store" not in response.get("Cache-Control", ""):
                failures.append(f"{method} {url} as {role}: {response.status_code} without Cache-Control: no-store")
            if response.status_code != expected:
                failures.append(f"{method} {url} as {role or 'anonymous'}: {response.status_code}, expected {expected}")
            elif name in API_EXPECTED and expected in (401, 403) and response["Content-Type"] != "application/json":
                failures.append(f"{method} {url} as {role or 'anonymous'}: refused as {response['Content-Type']}")
            elif role is None and expected == 302 and name not in PUBLIC:
                logins = (reverse("login"), reverse("admin:login")) if name.startswith("admin:") else (reverse("login"),)
                if not response["Location"].startswith(logins):
                    failures.append(f"{url} sends anonymous visitors to {response['Location']}")
    assert not failures, "\n".join(failures)


def _admin_expectations(name):
    """No role is staff by itself: the whole admin sends people to its sign-in page."""
    if name == "admin:login":
        return [("GET", None, 200)] + [("GET", role, 200) for role in Role]
    if name == "admin:logout":
        return [("POST", None, 302)]
    return [("GET", None, 302)] + [("GET", role, 302) for role in Role]


@pytest.mark.django_db
class TestObjectLevel:
    """The state-changing views refuse another department's record, a destroyed one and a held one."""

    def test_another_departments_record_is_answered_as_a_missing_one(self, client, employee, outsider):
        """Nothing tells an employee whether a reference of another department exists: the pages
        and the API answer exactly as for a reference nobody has."""
        record = make_record(custodian=employee, status=Status.DUE)
        missing = re.sub(r"\d+$", lambda m: "9" * len(m.group()), record.reference)
        assert not Record.objects.filter(reference=missing).exists()
        client.force_login(outsider)
        token = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')
        cases = [("GET", name) for name in ("record-detail", "record-edit", "record-certificate", "record-confirm-shredding",
                                            "api-record-detail")]
        cases += [("POST", name) for name in ("record-edit", "record-mark-shredding", "record-confirm-shredding",
                                              "api-record-mark-for-shredding", "api-record-hand-over")]
        cases += [("PATCH", "api-record-detail")]
        for method, name in cases:
            api = name.startswith("api-")
            theirs, nobodys = (call(client, method, reverse(name, args=[reference]), api=api) for reference in (record.reference, missing))
            assert theirs.status_code == nobodys.status_code == 404, (method, name, theirs.status_code, nobodys.status_code)
            bodies = [token.sub(b"", r.content).replace(reference.encode(), b"REF")
                      for r, reference in ((theirs, record.reference), (nobodys, missing))]
            assert bodies[0] == bodies[1], (method, name)
        assert Record.objects.get(pk=record.pk).status == Status.DUE

    def test_another_departments_record(self, client, employee, outsider, records_manager):
        record = make_record(custodian=employee, status=Status.DUE)
        pending = make_record(custodian=employee, status=Status.PENDING_SHRED)
        client.force_login(outsider)
        for method, name, ref in [("GET", "record-detail", record), ("GET", "record-edit", record), ("POST", "record-edit", record),
                                  ("POST", "record-mark-shredding", record), ("GET", "record-confirm-shredding", pending),
                                  ("POST", "record-confirm-shredding", pending), ("GET", "record-certificate", record)]:
            assert call(client, method, reverse(name, args=[ref.reference])).status_code == 404, (method, name)
        assert Record.objects.get(pk=record.pk).status == Status.DUE
        assert Record.objects.get(pk=pending.pk).status == Status.PENDING_SHRED

    def test_a_destroyed_record(self, client, employee, records_manager):
        record = make_record(custodian=employee, status=Status.DESTROYED)
        client.force_login(employee)
        assert client.get(reverse("record-edit", args=[record.reference])).status_code == 403
        assert client.post(reverse("record-edit", args=[record.reference]), {"title": "x"}).status_code == 403
        client.post(reverse("record-mark-shredding", args=[record.reference]))
        client.force_login(records_manager)
        refused = client.post(reverse("record-extend", args=[record.reference]), {"period_value": 1, "period_unit": "years", "reason": "r"})
        assert refused.status_code == 409 and "being destroyed" in refused.content.decode()
        after = Record.objects.get(pk=record.pk)
        assert after.status == Status.DESTROYED and after.title == record.title and not after.extensions.exists()

    def test_a_record_on_hold(self, client, employee, records_manager, netops):
        due = make_record(custodian=employee, status=Status.DUE)
        pending = make_record(custodian=employee, status=Status.PENDING_SHRED)
        media = make_record(custodian=employee, status=Status.IN_NETOPS_CUSTODY, medium=Medium.SSD, netops=netops)
        holds.hold_place(actor=records_manager, matter="M", reason="R", scope="t",
                         records=Record.objects.filter(pk__in=[due.pk, pending.pk, media.pk]))
        client.force_login(employee)
        response = client.post(reverse("record-mark-shredding", args=[due.reference]), follow=True)
        assert "legal hold" in response.content.decode()
        response = client.post(reverse("record-confirm-shredding", args=[pending.reference]),
                               {"destroyed_on": timezone.localdate().isoformat(), "method": "cross_cut_shredder"}, follow=True)
        assert "legal hold" in response.content.decode()
        client.force_login(netops)
        from tests.factories import SANITIZED

        response = client.post(reverse("netops-destroy"), {**SANITIZED, "data_backed_up": "no", "destroyed_on": timezone.localdate().isoformat(), "records": [media.pk]})
        assert response.status_code == 200 and "legal hold" in response.content.decode()
        statuses = dict(Record.objects.filter(pk__in=[due.pk, pending.pk, media.pk]).values_list("pk", "status"))
        assert statuses == {due.pk: Status.DUE, pending.pk: Status.PENDING_SHRED, media.pk: Status.IN_NETOPS_CUSTODY}


# --------------------------------------------------------------------------- the main navigation

NAV_FOR = {
    Role.EMPLOYEE: ["Dashboard", "Records", "Log a record", "Hand over media", "Schedules", "CPNI program", "My training",
                    "Check a label"],
    Role.RECORDS_MANAGER: ["Dashboard", "Records", "Log a record", "Hand over media", "Schedules", "Legal holds",
                           "Import", "Audit log", "Certification", "CPNI program", "My training", "Check a label"],
    Role.NETOPS_DIRECTOR: ["Dashboard", "Records", "Network Operations", "Schedules", "Legal holds", "Audit log",
                           "Certification", "CPNI program", "My training"],
    Role.AUDITOR: ["Dashboard", "Records", "Schedules", "Legal holds", "Audit log", "Certification", "CPNI program",
                   "My training"],
    Role.OFFICER: ["Dashboard", "Records", "Schedules", "Legal holds", "Audit log", "Certification", "CPNI program",
                   "My training"],
}


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
def test_the_main_navigation_offers_each_role_its_pages_and_only_those(client, users_by_role, role):
    user = users_by_role[role]
    client.force_login(user)
    nav = re.search(r'<nav aria-label="Main"[^>]*>(.*?)</nav>', client.get(reverse("dashboard")).content.decode(), re.S)
    links = re.findall(r'<li><a href="([^"]+)">([^<]+)</a></li>', nav.group(1))
    assert [label for _, label in links] == NAV_FOR[role]
    for path, label in links:
        assert client.get(path).status_code == 200, label

    user.is_staff = True
    user.save()
    nav = re.search(r'<nav aria-label="Main"[^>]*>(.*?)</nav>', client.get(reverse("dashboard")).content.decode(), re.S)
    assert f'<li><a href="{reverse("admin:index")}">Administration</a></li>' in nav.group(1)

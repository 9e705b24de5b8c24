"""Every API operation for every role, with a valid request on a fresh object: the roles allowed
get their answer, the others 403 (from the role's permissions or the lifecycle's custodian and
four-eyes rules), and a refusal changes nothing at all."""

from datetime import timedelta

import pytest
from django.utils import timezone

from django.contrib.auth.models import Group

from compliance import approval_notices, breaches, campaigns, disclosures, optout, training
from compliance.models import BreachIncident, BreachNotification, LawEnforcementDirection
from records import holds
from records.api.permissions import API_PERMISSIONS
from records.models import AuditEvent, Destruction, Job, LegalHold, Medium, Record, RetentionSchedule, Status, User
from records.roles import Role
from tests.factories import SANITIZED, ScheduleFactory, make_record

pytestmark = pytest.mark.django_db

ALL = frozenset(Role)
LOGGERS = frozenset({Role.EMPLOYEE, Role.RECORDS_MANAGER})
MANAGER = frozenset({Role.RECORDS_MANAGER})
NETOPS = frozenset({Role.NETOPS_DIRECTOR})
READ_ALL = ALL - {Role.EMPLOYEE}
VALIDATORS = frozenset({Role.RECORDS_MANAGER, Role.NETOPS_DIRECTOR})


def _today():
    return timezone.localdate().isoformat()


def _record(world, **kwargs):
    return make_record(custodian=world["employee"], netops=world["netops"], schedule=world["schedule"], **kwargs)


def _hold(world):
    return holds.hold_place(actor=world["manager"], matter="M", reason="R", scope="t",
                            records=Record.objects.filter(pk=_record(world).pk))


def _hold_job(world):
    return Job.objects.create(kind=Job.Kind.HOLD_PLACE, description="Place a legal hold", requested_by=world["manager"],
                              requested_at=timezone.now())


def _medium(world, **kwargs):
    """A medium whose serial number the request body can name (world["serial"])."""
    record = _record(world, medium=Medium.SSD, **kwargs)
    world["serial"] = record.media_serial_number
    return record


def _breach(world):
    now = timezone.now()
    return breaches.breach_report(actor=world["manager"], fields={"description": "D", "discovered_at": now - timedelta(hours=2)},
                                  reasonably_determined_at=now - timedelta(hours=1))


def _optout(world):
    return optout.optout_record(actor=world["manager"], fields={
        "detected_at": timezone.now() - timedelta(hours=2), "mechanisms": "Web form", "problem": "Down",
        "remedy": "Fixed", "remedy_on": timezone.localdate(), "state_notified": False, "contact": "Records manager"},
        notice=b"Notice to customers", notice_name="notice.txt")


def _disclosure(world):
    return disclosures.disclosure_record(actor=world["manager"], fields={
        "disclosed_on": timezone.localdate(), "recipient": "Fiber Installers LLC", "agreement_reference": "MSA-1",
        "purpose": "installation", "cpni_categories": ["location"], "customers_count": 1})


def _label():
    from compliance.models import ApprovalNotice

    return f"V-{ApprovalNotice.objects.count() + 1}"


def _approval_notice(world):
    return approval_notices.notice_create(actor=world["manager"], fields={
        "version_label": _label(), "text": "Your rights", "effective_on": timezone.localdate()})


def _campaign(world, to=None):
    """A campaign the employee requested, taken to `to`; the officer ("oscar") holds the President's duty."""
    officer = User.objects.get(username="oscar")
    Group.objects.get(name="president").user_set.add(officer)
    campaign = campaigns.campaign_create(actor=world["employee"], fields={
        "description": "Spring mailing", "channel": "mail", "products": "Fiber plans", "uses_cpni": False,
        "approval_basis": "none", "starts_on": timezone.localdate(), "ends_on": timezone.localdate()})
    path = {"submitted": ["submit"], "approved": ["submit", "approve"], "rejected": ["submit", "reject"],
            "running": ["submit", "approve", "start"]}.get(to, [])
    for step in path:
        actor = {"approve": officer, "reject": officer, "start": world["manager"]}.get(step, world["employee"])
        campaign = campaigns.campaign_step(actor=actor, campaign=campaign, step=step, note="Why")
    return campaign


def _campaigns(path=""):
    return lambda world, c: f"/api/v1/campaigns/{c.pk}/{path}"


def _course(world, assign_everyone=False):
    course = training.course_create(actor=world["manager"], title="CPNI procedures", version=f"v{User.objects.count()}-"
                                    f"{training.TrainingCourse.objects.count()}", summary="Text",
                                    effective_on=timezone.localdate())
    for person in User.objects.filter(is_active=True) if assign_everyone else [world["employee"]]:
        training.assignment_create(actor=world["manager"], course=course, person=person,
                                   due_on=timezone.localdate() + timedelta(days=30))
    return course


def _trainings(path=""):
    return lambda world, c: f"/api/v1/trainings/{c.pk}/{path}"


def _signature(user):
    return user.get_full_name()


def _optouts(path=""):
    return lambda world, f: f"/api/v1/opt-out-failures/{f.pk}/{path}"


def _breaches(path=""):
    return lambda world, b: f"/api/v1/breaches/{b.pk}/{path}"


def _records(path=""):
    return lambda world, r: f"/api/v1/records/{r.reference}/{path}"


# (permission key, method, make the object, its URL, valid body, roles that succeed, status on success)
CASES = [
    ("record-list", "GET", lambda w: None, lambda w, o: "/api/v1/records/", None, ALL, 200),
    ("record-list", "POST", lambda w: None, lambda w, o: "/api/v1/records/", lambda w: {
        "title": "New", "medium": "paper", "department": "billing", "custodian": "emma", "location": "HQ",
        "schedule": "TOLL", "trigger_date": _today(), "cpni_categories": ["billing"], "label_verification": "visual",
        "label_confirmed": True}, LOGGERS, 201),
    ("record-detail", "GET", _record, _records(), None, ALL, 200),
    ("record-detail", "PATCH", _record, _records(), lambda w: {"title": "Renamed"}, LOGGERS, 200),
    ("record-extend", "POST", lambda w: _record(w, status=Status.DUE), _records("extend/"),
     lambda w: {"period_value": 1, "period_unit": "years", "reason": "Audit"}, MANAGER, 200),
    ("record-mark-for-shredding", "POST", lambda w: _record(w, status=Status.DUE), _records("mark-for-shredding/"),
     None, LOGGERS, 200),
    ("record-confirm-shredding", "POST", lambda w: _record(w, status=Status.PENDING_SHRED),
     _records("confirm-shredding/"), lambda w: {"destroyed_on": _today(), "method": "cross_cut_shredder"},
     frozenset({Role.EMPLOYEE}), 200),  # the custodian only
    ("record-hand-over", "POST", lambda w: _medium(w, status=Status.DUE), _records("hand-over/"),
     lambda w: {"serial_number": w["serial"]}, LOGGERS, 200),
    ("record-receive", "POST", lambda w: _medium(w, status=Status.AWAITING_HANDOVER),
     _records("receive/"), lambda w: {"serial_number": w["serial"]}, NETOPS, 200),
    ("record-confirm-sanitization", "POST", lambda w: _record(w, status=Status.IN_NETOPS_CUSTODY, medium=Medium.SSD),
     _records("confirm-sanitization/"), lambda w: {**SANITIZED, "destroyed_on": _today()}, NETOPS, 200),
    ("record-validate", "POST", lambda w: _record(w, status=Status.DESTROYED), _records("validate/"), None,
     VALIDATORS, 200),
    ("record-correct", "POST", lambda w: _medium(w, status=Status.DUE), _records("correct/"),
     lambda w: {"media_serial_number": f"{w['serial']}-FIXED", "reason": "Mistyped at logging"}, MANAGER, 200),
    ("schedule-list", "GET", lambda w: None, lambda w, o: "/api/v1/schedules/", None, ALL, 200),
    ("schedule-list", "POST", lambda w: None, lambda w, o: "/api/v1/schedules/",
     lambda w: {"code": "NEW", "title": "New", "period_value": 1}, MANAGER, 201),
    ("schedule-detail", "GET", lambda w: None, lambda w, o: "/api/v1/schedules/TOLL/", None, ALL, 200),
    ("schedule-detail", "PATCH", lambda w: None, lambda w, o: "/api/v1/schedules/TOLL/",
     lambda w: {"title": "Renamed"}, MANAGER, 200),
    ("legal-minimum-list", "GET", lambda w: None, lambda w, o: "/api/v1/legal-minimums/", None, ALL, 200),
    ("hold-list", "GET", lambda w: None, lambda w, o: "/api/v1/holds/", None, READ_ALL, 200),
    ("hold-list", "POST", _record, lambda w, o: "/api/v1/holds/",
     lambda w: {"matter": "M", "reason": "R", "schedule": "TOLL"}, MANAGER, 201),
    ("hold-detail", "GET", _hold, lambda w, h: f"/api/v1/holds/{h.pk}/", None, READ_ALL, 200),
    ("certification-list", "GET", lambda w: None, lambda w, o: "/api/v1/certifications/", None,
     frozenset({Role.RECORDS_MANAGER, Role.OFFICER, Role.AUDITOR}), 200),
    ("job-detail", "GET", _hold_job, lambda w, j: f"/api/v1/jobs/{j.pk}/", None, READ_ALL, 200),
    ("breach-list", "GET", lambda w: None, lambda w, o: "/api/v1/breaches/", None, READ_ALL, 200),
    ("breach-list", "POST", lambda w: None, lambda w, o: "/api/v1/breaches/",
     lambda w: {"description": "Looked up without a request", "discovered_at": timezone.now().isoformat()}, MANAGER, 201),
    ("breach-detail", "GET", _breach, _breaches(), None, READ_ALL, 200),
    ("breach-detail", "PATCH", _breach, _breaches(), lambda w: {"description": "Changed"}, MANAGER, 200),
    ("breach-notifications", "POST", _breach, _breaches("notifications/"),
     lambda w: {"recipient": "law_enforcement", "notified_at": timezone.now().isoformat(), "method": "reporting_facility"},
     MANAGER, 201),
    ("breach-directions", "POST", _breach, _breaches("directions/"),
     lambda w: {"agency": "FBI", "form": "written", "given_on": _today(), "delay_until": _today()}, MANAGER, 201),
    ("optout-list", "GET", lambda w: None, lambda w, o: "/api/v1/opt-out-failures/", None, READ_ALL, 200),
    ("optout-list", "POST", lambda w: None, lambda w, o: "/api/v1/opt-out-failures/",
     lambda w: {"detected_at": timezone.now().isoformat(), "mechanisms": "Web form", "problem": "Down"}, MANAGER, 201),
    ("optout-detail", "GET", _optout, _optouts(), None, READ_ALL, 200),
    ("optout-detail", "PATCH", _optout, _optouts(), lambda w: {"problem": "Changed"}, MANAGER, 200),
    ("optout-letter", "POST", _optout, _optouts("letter/"),
     lambda w: {"sent_at": timezone.now().isoformat(), "method": "email"}, MANAGER, 201),
    ("campaign-list", "GET", lambda w: None, lambda w, o: "/api/v1/campaigns/", None, ALL, 200),
    ("campaign-list", "POST", lambda w: None, lambda w, o: "/api/v1/campaigns/", lambda w: {
        "description": "Mailing", "channel": "mail", "products": "Fiber", "starts_on": _today(), "ends_on": _today()},
     LOGGERS, 201),
    ("campaign-detail", "GET", _campaign, _campaigns(), None, ALL, 200),  # the employee requested it
    ("campaign-detail", "PATCH", _campaign, _campaigns(), lambda w: {"products": "Fiber and TV"}, LOGGERS, 200),
    ("campaign-submit", "POST", _campaign, _campaigns("submit/"), None, LOGGERS, 200),
    ("campaign-approve", "POST", lambda w: _campaign(w, "submitted"), _campaigns("approve/"), lambda w: {"note": "OK"},
     frozenset({Role.OFFICER}), 200),  # the President's duty; never the requester
    ("campaign-reject", "POST", lambda w: _campaign(w, "submitted"), _campaigns("reject/"), lambda w: {"note": "No"},
     frozenset({Role.OFFICER}), 200),
    ("campaign-revise", "POST", lambda w: _campaign(w, "rejected"), _campaigns("revise/"), None, LOGGERS, 200),
    ("campaign-start", "POST", lambda w: _campaign(w, "approved"), _campaigns("start/"), None, MANAGER, 200),
    ("campaign-close", "POST", lambda w: _campaign(w, "running"), _campaigns("close/"), None, MANAGER, 200),
    ("disclosure-list", "GET", lambda w: None, lambda w, o: "/api/v1/disclosures/", None, READ_ALL, 200),
    ("disclosure-list", "POST", lambda w: None, lambda w, o: "/api/v1/disclosures/", lambda w: {
        "disclosed_on": _today(), "recipient": "Vendor", "agreement_reference": "NDA-1", "purpose": "repair",
        "cpni_categories": ["type"], "customers_count": 2}, MANAGER, 201),
    ("disclosure-detail", "GET", _disclosure, lambda w, d: f"/api/v1/disclosures/{d.pk}/", None, READ_ALL, 200),
    ("disclosure-detail", "PATCH", _disclosure, lambda w, d: f"/api/v1/disclosures/{d.pk}/",
     lambda w: {"recipient": "Other vendor", "reason": "Typo"}, MANAGER, 200),
    ("approval-notice-list", "GET", lambda w: None, lambda w, o: "/api/v1/approval-notices/", None, READ_ALL, 200),
    ("approval-notice-list", "POST", lambda w: None, lambda w, o: "/api/v1/approval-notices/", lambda w: {
        "version_label": _label(), "text": "Your rights", "effective_on": _today()}, MANAGER, 201),
    ("approval-notice-detail", "GET", _approval_notice, lambda w, n: f"/api/v1/approval-notices/{n.pk}/", None,
     READ_ALL, 200),
    ("approval-notice-detail", "PATCH", _approval_notice, lambda w, n: f"/api/v1/approval-notices/{n.pk}/",
     lambda w: {"text": "Your rights, corrected", "reason": "Typo"}, MANAGER, 200),
    ("approval-notice-mailings", "POST", _approval_notice, lambda w, n: f"/api/v1/approval-notices/{n.pk}/mailings/",
     lambda w: {"sent_on": _today(), "method": "email", "population": 10}, MANAGER, 201),
    ("approval-evidence-list", "GET", lambda w: None, lambda w, o: "/api/v1/approval-notices/evidence/", None,
     READ_ALL, 200),
    ("approval-evidence-list", "POST", lambda w: None, lambda w, o: "/api/v1/approval-notices/evidence/", lambda w: {
        "as_of": _today(), "opt_out_count": 1, "opt_in_count": 0, "none_count": 2}, MANAGER, 201),
    ("training-list", "GET", lambda w: None, lambda w, o: "/api/v1/trainings/", None, ALL, 200),
    ("training-list", "POST", lambda w: None, lambda w, o: "/api/v1/trainings/", lambda w: {
        "title": "CPNI procedures", "version": "2", "summary": "Text", "effective_on": _today()}, MANAGER, 201),
    ("training-detail", "GET", _course, _trainings(), None, ALL, 200),  # assigned to the employee
    ("training-assignments", "GET", _course, _trainings("assignments/"), None, ALL, 200),
    ("training-assignments", "POST", _course, _trainings("assignments/"), lambda w: {
        "person": "oscar", "due_on": _today()}, MANAGER, 201),
    ("training-completions", "GET", _course, _trainings("completions/"), None, ALL, 200),
    # Assigned to everyone: each signs their own (the body's signature is "Full Name" of the test users).
    ("training-completions", "POST", lambda w: _course(w, assign_everyone=True), _trainings("completions/"),
     lambda w: {"acknowledged": True, "signature": "SIGNATURE"}, ALL, 201),
    ("briefing-list", "GET", lambda w: None, lambda w, o: "/api/v1/briefings/", None, READ_ALL, 200),
    ("briefing-list", "POST", lambda w: None, lambda w, o: "/api/v1/briefings/", lambda w: {
        "kind": "staff_meeting", "held_on": _today(), "led_by": "rita", "attendees": ["emma"], "topic": "CPNI"},
     MANAGER, 201),
    ("discipline-list", "GET", lambda w: None, lambda w, o: "/api/v1/disciplinary-actions/", None,
     frozenset({Role.RECORDS_MANAGER, Role.OFFICER}), 200),
    ("discipline-list", "POST", lambda w: None, lambda w, o: "/api/v1/disciplinary-actions/", lambda w: {
        "person": "emma", "breached": "Left a printout", "finding": "Seen on the desk", "action_taken": "Warning",
        "decided_by": "rita", "decided_on": _today()}, MANAGER, 201),
    ("hold-release", "POST", _hold, lambda w, h: f"/api/v1/holds/{h.pk}/release/",
     lambda w: {"reason": "Settled"}, MANAGER, 200),
]


def test_every_api_operation_is_covered_here():
    covered = {(key, method) for key, method, *_ in CASES}
    assert covered == {(key, method) for key, methods in API_PERMISSIONS.items() for method in methods}


def snapshot():
    """Everything an API call could change."""
    return (
        AuditEvent.objects.count(),
        list(Record.objects.order_by("pk").values_list("pk", "status", "title", "expiry_date", "updated_at")),
        list(RetentionSchedule.objects.order_by("pk").values_list("pk", "code", "title", "period_value")),
        list(LegalHold.objects.order_by("pk").values_list("pk", "released_at")),
        list(Destruction.objects.order_by("pk").values_list("pk", "validated_by")),
        list(BreachIncident.objects.order_by("pk").values_list("pk", "status", "description")),
        BreachNotification.objects.count(), LawEnforcementDirection.objects.count(),
    )


@pytest.mark.parametrize("case", CASES, ids=[f"{c[1]} {c[0]}" for c in CASES])
def test_each_role_is_allowed_or_refused_and_a_refusal_changes_nothing(case, api, users_by_role, employee,
                                                                       records_manager, netops):
    key, method, make, url_of, body_of, allowed, success = case
    world = {"employee": employee, "manager": records_manager, "netops": netops,
             "schedule": ScheduleFactory(code="TOLL")}
    failures = []
    for role, user in users_by_role.items():
        obj = make(world)
        url = url_of(world, obj)
        body = body_of(world) if body_of else None
        if body and body.get("signature") == "SIGNATURE":
            body = {**body, "signature": _signature(user)}
        if method == "POST" and key == "schedule-list":
            body = {**body, "code": f"NEW-{role.value}"}
        before = snapshot()
        client = api(user)
        if method == "GET":
            response = client.get(url)
        else:
            response = getattr(client, method.lower())(url, body or {}, format="json")
        if role in allowed:
            if response.status_code != success:
                failures.append(f"{role}: {response.status_code} {response.json()}, expected {success}")
            elif response.json().get("marking") != "CONFIDENTIAL":
                failures.append(f"{role}: the answer is not marked CONFIDENTIAL")
        else:
            if response.status_code != 403 or response.json().get("code") != "permission_denied":
                failures.append(f"{role}: {response.status_code} {response.json()}, expected 403")
            if snapshot() != before:
                failures.append(f"{role}: a refused {method} changed something")
    assert not failures, "\n".join(failures)

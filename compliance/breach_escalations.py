"""Escalation emails about breaches of CPNI, to every active records manager and officer: when an
incident is reported (while it waits to be assessed), when it is determined, and for each open
deadline 3 and 1 business days before it and once it has passed. Each email is recorded under its
own key before it is sent (records.notifications), so none goes out twice however often, or
however interrupted, the task runs; a deadline that moves (a law-enforcement delay) is announced
again at its new date. A run that comes late sends only the most urgent step it missed."""

from django.contrib.auth import get_user_model
from django.utils import timezone

from records.models import Notification
from records.notifications import record_notification
from records.roles import Role

from .breach_clock import incident_clock
from .business_days import business_days_before, business_days_between
from .models import BreachIncident

THRESHOLDS = (1, 3)  # business days before a deadline, most urgent first
Status = BreachIncident.Status


def recipients():
    return (get_user_model().objects.filter(is_active=True, groups__name__in=[Role.RECORDS_MANAGER, Role.OFFICER])
            .distinct().order_by("pk"))


def deadline_step(due_on, today):
    """"passed", "1" or "3": the most urgent step `today` has reached before `due_on`, or None."""
    if today > due_on:
        return "passed"
    for threshold in THRESHOLDS:
        if today >= business_days_before(due_on, threshold):
            return str(threshold)
    return None


def incident_events(incident, today):
    """[(key, subject, context)] of what is to be told about `incident` today."""
    ref, events = incident.reference, []
    if incident.status in (Status.REPORTED, Status.ASSESSING):
        events.append((f"breach:{incident.pk}:reported", f"CONFIDENTIAL: suspected breach of CPNI reported ({ref})",
                       {"event": "reported"}))
    clock = incident_clock(incident)
    if clock.determined_on is not None:
        events.append((f"breach:{incident.pk}:determined", f"CONFIDENTIAL: breach of CPNI determined ({ref}): the "
                       "notification clock has started", {"event": "determined"}))
    for duty in clock.open_deadlines:
        step = deadline_step(duty.due_on, today)
        if step is None:
            continue
        left = business_days_between(today, duty.due_on)
        when = "has passed" if step == "passed" else f"is {duty.due_on:%A %-d %B %Y} ({left} business day{'s' if left != 1 else ''} left)"
        events.append((f"breach:{incident.pk}:{duty.key}:{duty.due_on:%Y-%m-%d}:{step}",
                       f"CONFIDENTIAL: breach {ref}: the deadline to notify {duty.label} {when}",
                       {"event": "deadline", "duty": duty, "step": step, "business_days_left": left}))
    return [(key, subject, {**context, "clock": clock}) for key, subject, context in events]


def breach_escalations_prepare(today=None):
    """Record today's escalation emails for every open incident; returns those newly recorded."""
    today = today or timezone.localdate()
    people = list(recipients())
    incidents = (BreachIncident.objects.exclude(status=Status.CLOSED)
                 .prefetch_related("notifications", "directions").order_by("pk"))
    created = []
    for incident in incidents:
        for key, subject, context in incident_events(incident, today):
            for person in people:
                notification = record_notification(
                    kind=Notification.Kind.BREACH_ESCALATION, recipient=person, records=[], subject=subject[:200],
                    template="compliance/email/breach_escalation.txt",
                    context={"incident": incident, "today": today, **context}, key=f"{key}:{person.pk}",
                )
                if notification:
                    created.append(notification)
    return created

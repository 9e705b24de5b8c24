"""Escalation emails about opt-out failures, to every active records manager and officer: when a
failure is recorded, 3 and 1 business days before the letter to the FCC is due and once the
deadline has passed unsent. Each email is recorded under its own key before it is sent
(records.notifications), so none goes out twice however often the task runs; a deadline that moves
(the detection corrected) is announced again at its new date. A run that comes late sends only the
most urgent step it missed."""

from django.utils import timezone

from records.models import Notification
from records.notifications import record_notification

from .breach_escalations import deadline_step, recipients
from .business_days import business_days_between
from .models import OptOutFailure
from .optout import deadline

TEMPLATE = "compliance/email/optout_escalation.txt"


def failure_events(failure, today):
    """[(key, subject, context)] of what is to be told about an open `failure` today."""
    ref, due = failure.reference, deadline(failure)
    events = [(f"optout:{failure.pk}:detected", f"CONFIDENTIAL: opt-out failure recorded ({ref}): letter to the FCC "
               f"due {due:%A %-d %B %Y}", {"event": "detected"})]
    step = deadline_step(due, today)
    if step is not None:
        left = business_days_between(today, due)
        when = "has passed" if step == "passed" else f"is {due:%A %-d %B %Y} ({left} business day{'s' if left != 1 else ''} left)"
        events.append((f"optout:{failure.pk}:{due:%Y-%m-%d}:{step}",
                       f"CONFIDENTIAL: opt-out failure {ref}: the deadline for the letter to the FCC {when}",
                       {"event": "deadline", "step": step, "business_days_left": left}))
    return [(key, subject, {**context, "due_on": due}) for key, subject, context in events]


def optout_escalations_prepare(today=None):
    """Record today's escalation emails for every failure whose letter is not sent; returns those newly recorded."""
    today = today or timezone.localdate()
    people = list(recipients())
    created = []
    for failure in OptOutFailure.objects.filter(status=OptOutFailure.Status.OPEN).order_by("pk"):
        for key, subject, context in failure_events(failure, today):
            for person in people:
                notification = record_notification(
                    kind=Notification.Kind.OPTOUT_ESCALATION, recipient=person, records=[], subject=subject[:200],
                    template=TEMPLATE, context={"failure": failure, "today": today, **context}, key=f"{key}:{person.pk}",
                )
                if notification:
                    created.append(notification)
    return created

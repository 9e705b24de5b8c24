"""A training assignment's states: the one place where an assignment's status changes.

    assigned ──complete──> completed

Only the person assigned completes it, by signing the acknowledgement in CPNI Track. `transition`
checks it under a row lock, saves the new status and the signed completion with history and
appends an audit event, in one transaction.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from records.audit import audit_event_record
from records.conflicts import StateConflict

from .models import TrainingAssignment, TrainingCompletion

Status = TrainingAssignment.Status
TRANSITIONS = {"complete": ({Status.ASSIGNED}, Status.COMPLETED)}


class TransitionNotAllowed(StateConflict):
    """The assignment's state does not allow the transition."""


def check_transition(assignment, name, *, actor):
    if name not in TRANSITIONS:
        raise TransitionNotAllowed(f"There is no step called {name!r}.")
    if not actor.has_perm("compliance.add_trainingcompletion") or assignment.person_id != actor.pk:
        raise PermissionDenied("Only the person assigned the training signs its acknowledgement.")
    sources, target = TRANSITIONS[name]
    if assignment.status not in sources:
        raise TransitionNotAllowed(f"{assignment.course} is already completed and acknowledged.")
    return target


def complete(assignment, *, actor, signature, acknowledgement):
    """The person signs: the assignment becomes completed with its TrainingCompletion; returns the completion."""
    with transaction.atomic():
        locked = TrainingAssignment.objects.select_for_update().select_related("course").get(pk=assignment.pk)
        target = check_transition(locked, "complete", actor=actor)
        now = timezone.now()
        completion = TrainingCompletion(assignment=locked, completed_at=now, course_version=locked.course.version,
                                        acknowledgement=acknowledgement, signature=signature)
        completion._history_user = actor
        completion.save()
        old, locked.status = locked.status, target
        locked._history_user, locked._change_reason = actor, "complete"
        locked.save()
        audit_event_record(actor=actor, action="training.complete", obj=locked, payload={
            "from": old, "to": target, "course": locked.course.title, "version": locked.course.version,
            "acknowledgement": acknowledgement, "signature": signature, "due_on": locked.due_on.isoformat(),
            "on_time": timezone.localdate(now) <= locked.due_on})
    return completion

"""The opt-out failure's states: the one place where a failure's status changes.

    open ──send_letter──> letter_sent ──close──> closed

`send_letter` is taken by recording the letter to the FCC (compliance.optout). Each transition
names the permission its actor needs. `transition` checks it all under a row lock, saves the new
status with history and appends an audit event, in one transaction.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from records.audit import audit_event_record
from records.conflicts import StateConflict

from .models import OptOutFailure

Status = OptOutFailure.Status
MANAGE = "compliance.change_optoutfailure"


class TransitionNotAllowed(StateConflict):
    """The failure's state does not allow the transition."""


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset
    target: str
    permission: str
    label: str


TRANSITIONS = {
    t.name: t
    for t in (
        Transition("send_letter", frozenset({Status.OPEN}), Status.LETTER_SENT, MANAGE, "Letter to the FCC sent"),
        Transition("close", frozenset({Status.LETTER_SENT}), Status.CLOSED, MANAGE, "Close"),
    )
}


def _lower(label):
    return label[:1].lower() + label[1:]  # "Letter sent to the FCC" -> "letter sent to the FCC"


def check_transition(failure, name, *, actor):
    """Raise TransitionNotAllowed or PermissionDenied unless `actor` may take `name` on `failure` now."""
    spec = TRANSITIONS.get(name)
    if spec is None:
        raise TransitionNotAllowed(f"There is no step called {name!r}.")
    if not actor.has_perm(spec.permission):
        raise PermissionDenied("Only records managers keep the opt-out failures register.")
    if failure.status not in spec.sources:
        needs = " or ".join(_lower(status.label) for status in Status if status in spec.sources)
        raise TransitionNotAllowed(
            f"{failure.reference} is {_lower(failure.get_status_display())}; '{spec.label}' needs it to be {needs}."
        )
    return spec


def transition(failure, name, *, actor, changes=None, payload=None):
    """Move `failure` along `name`, setting `changes` ({field: value}) with it; returns it as saved."""
    with transaction.atomic():
        locked = OptOutFailure.objects.select_for_update().get(pk=failure.pk)
        spec = check_transition(locked, name, actor=actor)
        old = locked.status
        for field, value in (changes or {}).items():
            setattr(locked, field, value)
        locked.status, locked.status_changed_at = spec.target, timezone.now()
        locked._history_user, locked._change_reason = actor, name
        locked.save()
        audit_event_record(actor=actor, action=f"optout.{name}", obj=locked,
                           payload={"from": old, "to": spec.target, **(payload or {})})
    return locked

"""The opt-out failure's states: the one place where a failure's status changes.

    open ──send_letter──> letter_sent ──close──> closed

`send_letter` is taken by recording the letter to the FCC (compliance.optout). Each transition
names the permission its actor needs. `transition` checks it all under a row lock, saves the new
status with history and appends an audit event, in one transaction.
"""

from django.core.exceptions import PermissionDenied

from .models import OptOutFailure
from .state_machine import Transition, TransitionNotAllowed, lower_first, move

Status = OptOutFailure.Status
MANAGE = "compliance.change_optoutfailure"


TRANSITIONS = {
    t.name: t
    for t in (
        Transition("send_letter", frozenset({Status.OPEN}), Status.LETTER_SENT, MANAGE, "Letter to the FCC sent"),
        Transition("close", frozenset({Status.LETTER_SENT}), Status.CLOSED, MANAGE, "Close"),
    )
}


def check_transition(failure, name, *, actor):
    """Raise TransitionNotAllowed or PermissionDenied unless `actor` may take `name` on `failure` now."""
    spec = TRANSITIONS.get(name)
    if spec is None:
        raise TransitionNotAllowed(f"There is no step called {name!r}.")
    if not actor.has_perm(spec.permission):
        raise PermissionDenied("Only records managers keep the opt-out failures register.")
    if failure.status not in spec.sources:
        needs = " or ".join(lower_first(status.label) for status in Status if status in spec.sources)
        raise TransitionNotAllowed(
            f"{failure.reference} is {lower_first(failure.get_status_display())}; '{spec.label}' needs it to be {needs}."
        )
    return spec


def transition(failure, name, *, actor, changes=None, payload=None):
    """Move `failure` along `name`, setting `changes` ({field: value}) with it; returns it as saved."""
    return move(OptOutFailure, failure, name, check=check_transition, actor=actor, action=f"optout.{name}",
                changes=changes, payload=payload)

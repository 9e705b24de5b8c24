"""
The breach incident's states: the one place where an incident's status changes.

    reported ──assess──> assessing ──determine──> determined ──notify──> notified ──close──> closed
        │                    │                                                      ^
        └──determine─────────┼──────────────────────────────────────────────────────┤
        └──close (not a breach, with the reason)──────────────────────────────────────┘

`notify` is taken by recording the incident's first notification (compliance.breaches); `close`
from notified needs every notification the rule asks for made (compliance.breach_clock). Each
transition names the permission its actor needs. `transition` checks it all under a row lock,
saves the new status with history and appends an audit event, in one transaction.
"""

from django.core.exceptions import PermissionDenied

from .models import BreachIncident
from .state_machine import Transition, TransitionNotAllowed, move

Status = BreachIncident.Status


TRANSITIONS = {
    t.name: t
    for t in (
        Transition("assess", frozenset({Status.REPORTED}), Status.ASSESSING, "compliance.change_breachincident",
                   "Start assessing"),
        Transition("determine", frozenset({Status.REPORTED, Status.ASSESSING}), Status.DETERMINED,
                   "compliance.change_breachincident", "Determine it a breach"),
        Transition("notify", frozenset({Status.DETERMINED}), Status.NOTIFIED, "compliance.add_breachnotification",
                   "First notification recorded"),
        Transition("close", frozenset({Status.REPORTED, Status.ASSESSING, Status.NOTIFIED}), Status.CLOSED,
                   "compliance.change_breachincident", "Close"),
    )
}


def check_transition(incident, name, *, actor):
    """Raise TransitionNotAllowed or PermissionDenied unless `actor` may take `name` on `incident` now."""
    spec = TRANSITIONS.get(name)
    if spec is None:
        raise TransitionNotAllowed(f"There is no step called {name!r}.")
    if not actor.has_perm(spec.permission):
        raise PermissionDenied("Only records managers handle breach incidents.")
    if incident.status not in spec.sources:
        needs = " or ".join(status.label.lower() for status in Status if status in spec.sources)
        raise TransitionNotAllowed(
            f"{incident.reference} is {incident.get_status_display().lower()}; '{name}' needs it to be {needs}."
        )
    return spec


def transition(incident, name, *, actor, changes=None, payload=None, reason=""):
    """Move `incident` along `name`, setting `changes` ({field: value}) with it. Returns the incident
    as saved; raises as check_transition does, checked again under the row lock."""
    return move(BreachIncident, incident, name, check=check_transition, actor=actor, action=f"breach.{name}",
                changes=changes, payload=payload, reason=reason)


def available_transitions(incident, actor):
    """The steps `actor` may take on `incident` now, by name (notify is taken by a notification)."""
    names = []
    for name in TRANSITIONS:
        if name == "notify":
            continue
        try:
            check_transition(incident, name, actor=actor)
        except (TransitionNotAllowed, PermissionDenied):
            continue
        names.append(name)
    return names

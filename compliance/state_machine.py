"""What the compliance registers' state machines share: a transition's description, the refusal of
a step the state does not allow, and the one way a new status is saved: under a row lock, checked
again there, with history and an audit event, in one transaction. Each register's lifecycle module
lists its transitions and decides who may take each (its own check_transition)."""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from records.audit import audit_event_record
from records.conflicts import StateConflict


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset
    target: str
    permission: str
    label: str  # what the step is called on the object's page


class TransitionNotAllowed(StateConflict):
    """The object's state does not allow the transition."""


def lower_first(label):
    """'Letter sent to the FCC' -> 'letter sent to the FCC'."""
    return label[:1].lower() + label[1:]


def move(model, obj, name, *, check, actor, action, changes=None, payload=None, reason=""):
    """Move `obj` (a `model` with a status) along transition `name`: lock its row, `check(locked,
    name, actor=actor)` (the Transition, or it raises), set `changes` ({field: value}) and the new
    status, save with history and record the audit event `action`. Returns the object as saved."""
    with transaction.atomic():
        locked = model.objects.select_for_update().get(pk=obj.pk)
        spec = check(locked, name, actor=actor)
        old = locked.status
        for field, value in (changes or {}).items():
            setattr(locked, field, value)
        locked.status, locked.status_changed_at = spec.target, timezone.now()
        locked._history_user, locked._change_reason = actor, (reason or name)[:100]
        locked.save()
        audit_event_record(actor=actor, action=action, obj=locked,
                           payload={"from": old, "to": spec.target, **(payload or {})})
    return locked

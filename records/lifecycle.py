"""
The record lifecycle: the one place where a record's status changes.

    active ──expire──> due ──mark_for_shredding──> pending_shred ──confirm_shredding──> destroyed
                        │  └─request_handover──> awaiting_handover ──receive_media──>
                        │                        in_netops_custody ──confirm_media_destruction──> destroyed
                        └─extend_retention──> active

Each transition names the permission the actor needs (None: only the system, e.g. the retention
sweep), the media it applies to and who, relative to the record, may take it. `transition`
checks all of that, saves the new status with history and appends an audit event.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction

from .audit import audit_event_record
from .models import Medium, Record, Status
from .roles import Role, roles_of


class TransitionNotAllowed(Exception):
    """The record's state or medium does not allow the transition."""


@dataclass(frozen=True)
class Transition:
    name: str
    source: Status
    target: Status
    permission: str  # the actor's permission; the system (actor None) may take system transitions
    allow_system: bool = False
    media: str = "any"  # "any", "paper" or "electronic"
    custodian_only: bool = False  # only the record's custodian (or a records manager, when allowed)
    custodian_excluded: bool = False  # the custodian may not take it (four-eyes)
    records_manager_may_act_for_custodian: bool = False

    def applies_to_medium(self, medium):
        if self.media == "paper":
            return medium == Medium.PAPER
        if self.media == "electronic":
            return Medium.is_electronic(medium)
        return True


TRANSITIONS = {
    t.name: t
    for t in (
        Transition("expire", Status.ACTIVE, Status.DUE, "records.expire_record", allow_system=True),
        Transition("extend_retention", Status.DUE, Status.ACTIVE, "records.extend_retention"),
        Transition(
            "mark_for_shredding",
            Status.DUE,
            Status.PENDING_SHRED,
            "records.mark_for_destruction",
            media="paper",
            custodian_only=True,
            records_manager_may_act_for_custodian=True,
        ),
        Transition(
            "confirm_shredding",
            Status.PENDING_SHRED,
            Status.DESTROYED,
            "records.confirm_shredding",
            media="paper",
            custodian_only=True,
        ),
        Transition(
            "request_handover",
            Status.DUE,
            Status.AWAITING_HANDOVER,
            "records.mark_for_destruction",
            media="electronic",
            custodian_only=True,
            records_manager_may_act_for_custodian=True,
        ),
        Transition(
            "receive_media",
            Status.AWAITING_HANDOVER,
            Status.IN_NETOPS_CUSTODY,
            "records.receive_media",
            media="electronic",
            custodian_excluded=True,
        ),
        Transition(
            "confirm_media_destruction",
            Status.IN_NETOPS_CUSTODY,
            Status.DESTROYED,
            "records.confirm_media_destruction",
            media="electronic",
            custodian_excluded=True,
        ),
    )
}

EDITABLE_STATUSES = frozenset(set(Status) - {Status.DESTROYED})


def check_transition(record, name, *, actor):
    """Raise TransitionNotAllowed or PermissionDenied unless `actor` (None for the system) may take
    transition `name` on `record` as it is now."""
    try:
        spec = TRANSITIONS[name]
    except KeyError:
        raise TransitionNotAllowed(f"There is no transition called {name!r}.") from None
    if record.status != spec.source:
        raise TransitionNotAllowed(
            f"{record.reference} is {record.get_status_display().lower()}; "
            f"'{name.replace('_', ' ')}' needs it to be {Status(spec.source).label.lower()}."
        )
    if not spec.applies_to_medium(record.medium):
        raise TransitionNotAllowed(
            f"'{name.replace('_', ' ')}' applies to {spec.media} records; {record.reference} is "
            f"{record.get_medium_display().lower()}."
        )
    if actor is None:
        if not spec.allow_system:
            raise PermissionDenied(f"'{name}' must be taken by a person, not by the system.")
        return spec
    if not actor.has_perm(spec.permission):
        raise PermissionDenied(f"You are not allowed to {name.replace('_', ' ')}.")
    if not actor.has_perm("records.view_all_departments") and actor.department_id != record.department_id:
        raise PermissionDenied("That record belongs to another department.")
    is_custodian = actor.pk == record.custodian_id
    if spec.custodian_only and not is_custodian:
        manager_may = spec.records_manager_may_act_for_custodian and Role.RECORDS_MANAGER in roles_of(actor)
        if not manager_may:
            raise PermissionDenied("Only the record's custodian may do this.")
    if spec.custodian_excluded and is_custodian:
        raise PermissionDenied("The custodian of a medium may not take this step for it.")
    return spec


def transition(record, name, *, actor, reason="", payload=None):
    """Move `record` along transition `name`: checks the actor and the state under a row lock,
    saves the new status with history and appends an audit event, all in one transaction.
    Returns the updated record."""
    with transaction.atomic():
        locked = Record.objects.select_for_update().get(pk=record.pk)
        spec = check_transition(locked, name, actor=actor)
        old_status = locked.status
        locked.status = spec.target
        locked._history_user = actor
        locked._change_reason = reason or name.replace("_", " ")
        locked.save(update_fields=["status", "updated_at"])
        audit_event_record(
            actor=actor,
            action=f"record.{name}",
            obj=locked,
            payload={"from": old_status, "to": spec.target, "reason": reason, **(payload or {})},
        )
    return locked


def is_editable(record):
    return record.status in EDITABLE_STATUSES


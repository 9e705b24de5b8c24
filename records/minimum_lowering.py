"""Lowering a schedule's legal minimum, by two records managers: one asks, with the reason, seeing
the old and new minimum and the records whose expiry moves; another approves (the change is then
saved, as any schedule change) or rejects it. Each step leaves an audit event and history."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from . import schedules
from .audit import audit_event_record
from .conflicts import StateConflict
from .models import MinimumLowering, RetentionSchedule


def _require(actor):
    if not actor.has_perm("records.change_retentionschedule"):
        raise PermissionDenied("Only records managers change retention schedules.")


def minimum_words(value, unit):
    """A legal minimum as the schedule shows it ('18 months'), or 'none'."""
    return RetentionSchedule(legal_minimum_value=value, legal_minimum_unit=unit or "").legal_minimum_display or "none"


def minimum_lowering_request(*, actor, schedule, changes, reason):
    """Ask for `changes` to `schedule`, which lower its legal minimum, to be approved by a second
    records manager. Returns the request; nothing of the schedule changes yet."""
    _require(actor)
    if not schedules.lowers_legal_minimum(schedule, changes):
        raise ValidationError("This change does not lower the legal minimum: save it on the schedule's page.")
    if not reason.strip():
        raise ValidationError("Say why the legal minimum is lowered: the approver reads it.")
    impact = schedules.schedule_change_impact(schedule, changes)
    lowering = MinimumLowering(
        schedule=schedule, changes=changes, reason=reason.strip(), requested_by=actor, requested_at=timezone.now(),
        old_minimum=minimum_words(schedule.legal_minimum_value, schedule.legal_minimum_unit),
        new_minimum=minimum_words(changes.get("legal_minimum_value", schedule.legal_minimum_value),
                             changes.get("legal_minimum_unit", schedule.legal_minimum_unit)),
        records_affected=impact.records_moved,
    )
    lowering._history_user = actor
    try:
        with transaction.atomic():
            lowering.save()
            audit_event_record(actor=actor, action="schedule.minimum_lowering_requested", obj=schedule, payload={
                "request": lowering.pk, "from": lowering.old_minimum, "to": lowering.new_minimum,
                "records_affected": lowering.records_affected, "reason": lowering.reason,
            })
    except IntegrityError:
        raise ValidationError(f"A lowering of {schedule.code}'s legal minimum is already waiting for approval: "
                              "it is decided first.") from None
    return lowering


def minimum_lowering_decide(*, actor, lowering, approve, note=""):
    """Approve (the change is saved, moving the records' expiry) or reject a pending request; never
    by the records manager who asked. Returns (request, the schedule change's impact or None)."""
    _require(actor)
    if actor.pk == lowering.requested_by_id:
        raise PermissionDenied("A second records manager decides: not the one who asked for the lowering.")
    if not approve and not note.strip():
        raise ValidationError("Say why the lowering is rejected.")
    with transaction.atomic():
        locked = MinimumLowering.objects.select_for_update().get(pk=lowering.pk)
        if locked.state != MinimumLowering.State.PENDING:
            raise StateConflict(f"This request was already decided: {locked.get_state_display().lower()}.")
        impact = None
        if approve:
            _, impact = schedules.schedule_update(actor=actor, schedule=locked.schedule, approved_lowering=locked,
                                                  **locked.changes)
        locked.state = MinimumLowering.State.APPROVED if approve else MinimumLowering.State.REJECTED
        locked.decided_by, locked.decided_at, locked.decision_note = actor, timezone.now(), note.strip()
        locked._history_user = actor
        locked.save()
        audit_event_record(
            actor=actor, action=f"schedule.minimum_lowering_{'approved' if approve else 'rejected'}",
            obj=locked.schedule, payload={"request": locked.pk, "from": locked.old_minimum, "to": locked.new_minimum,
                                          "note": locked.decision_note},
        )
    return locked, impact

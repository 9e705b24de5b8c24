"""Retention schedules: creating them, and changing them with every record's expiry following."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from . import lifecycle
from .audit import audit_event_record
from .models import HeldRecord, RetentionExtension, RetentionSchedule, Status
from .retention import expiry_date_for

SCHEDULE_FIELDS = (
    "code",
    "title",
    "description",
    "period_value",
    "period_unit",
    "trigger",
    "trigger_event",
    "legal_minimum_value",
    "legal_minimum_unit",
    "legal_citation",
    "default_disposition",
    "applicable_media",
    "is_active",
)
# Changing these moves expiry dates.
EXPIRY_FIELDS = ("period_value", "period_unit", "legal_minimum_value", "legal_minimum_unit")
IN_DESTRUCTION = (Status.PENDING_SHRED, Status.AWAITING_HANDOVER, Status.IN_NETOPS_CUSTODY)
CHUNK = 2000


@dataclass
class ScheduleImpact:
    records_moved: int = 0  # records whose expiry date changes
    become_due: int = 0  # active, not on hold, and past their new expiry: due at the next sweep
    return_to_active: int = 0  # due, and their new expiry lies ahead: kept longer
    in_destruction: int = 0  # already on their way to destruction: status unchanged


def _require(actor, permission):
    if not actor.has_perm(permission):
        raise PermissionDenied("Only records managers keep retention schedules.")


def _new_expiries(schedule, proposed):
    """Yield (record id, status, old expiry, new expiry, on hold) for the schedule's records under the
    proposed version, a chunk at a time (never the whole table in memory)."""
    records = schedule.records.exclude(status=Status.DESTROYED).exclude(trigger_date__isnull=True)
    last = 0
    while True:
        chunk = list(records.filter(pk__gt=last).order_by("pk").values_list("pk", "status", "trigger_date", "expiry_date")[:CHUNK])
        if not chunk:
            return
        ids = [row[0] for row in chunk]
        held = set(HeldRecord.objects.filter(record_id__in=ids, hold__released_at__isnull=True).values_list("record_id", flat=True))
        extensions = {}
        for record_id, value, unit in RetentionExtension.objects.filter(record_id__in=ids).order_by("extended_at", "pk").values_list("record_id", "period_value", "period_unit"):
            extensions.setdefault(record_id, []).append((value, unit))
        for pk, status, trigger_date, old in chunk:
            yield pk, status, old, expiry_date_for(proposed, trigger_date, extensions.get(pk, ())), pk in held
        last = ids[-1]


def schedule_change_impact(schedule, changes, today=None):
    """What saving `changes` to `schedule` would do to its records, without changing anything."""
    today = today or timezone.localdate()
    proposed = RetentionSchedule(**{name: changes.get(name, getattr(schedule, name)) for name in SCHEDULE_FIELDS})
    impact = ScheduleImpact()
    if not any(name in changes and changes[name] != getattr(schedule, name) for name in EXPIRY_FIELDS):
        return impact
    for _, status, old, new, on_hold in _new_expiries(schedule, proposed):
        if old == new:
            continue
        impact.records_moved += 1
        if status in IN_DESTRUCTION:
            impact.in_destruction += 1
        elif status == Status.ACTIVE and not on_hold and new <= today and (old is None or old > today):
            impact.become_due += 1
        elif status == Status.DUE and new > today:
            impact.return_to_active += 1
    return impact


def schedule_create(*, actor, **fields):
    """Create a schedule (history and audit event written)."""
    _require(actor, "records.add_retentionschedule")
    schedule = RetentionSchedule(**fields)
    schedule.full_clean()
    with transaction.atomic():
        schedule._history_user = actor
        schedule._change_reason = "created"
        schedule.save()
        audit_event_record(actor=actor, action="schedule.created", obj=schedule, payload={k: getattr(schedule, k) for k in SCHEDULE_FIELDS})
    return schedule


def schedule_update(*, actor, schedule, today=None, **changes):
    """Save changes to a schedule. When its period or legal minimum changes, every record on it
    gets its expiry recomputed (with history), and due records whose new expiry lies ahead go
    back to active through the lifecycle — all in one transaction. Returns (schedule, impact)."""
    _require(actor, "records.change_retentionschedule")
    unknown = set(changes) - set(SCHEDULE_FIELDS)
    if unknown:
        raise ValueError(f"Not schedule fields: {', '.join(sorted(unknown))}")
    today = today or timezone.localdate()
    changed = {name: value for name, value in changes.items() if getattr(schedule, name) != value}
    if not changed:
        return schedule, ScheduleImpact()
    with transaction.atomic():
        locked = RetentionSchedule.objects.select_for_update().get(pk=schedule.pk)
        before = {name: getattr(locked, name) for name in changed}
        for name, value in changed.items():
            setattr(locked, name, value)
        locked.full_clean()
        locked._history_user = actor
        locked._change_reason = "edited"
        locked.save()
        impact = _recompute_expiries(actor, locked, today)
        audit_event_record(
            actor=actor,
            action="schedule.updated",
            obj=locked,
            payload={
                "changes": {name: [before[name], value] for name, value in changed.items()},
                "records_moved": impact.records_moved,
                "returned_to_active": impact.return_to_active,
            },
        )
    return locked, impact


def _recompute_expiries(actor, schedule, today):
    impact = ScheduleImpact()
    if not schedule.records.exists():
        return impact
    reason = f"schedule {schedule.code} changed"
    pending, back_to_active = [], []
    Record = schedule.records.model

    def flush():
        records = list(Record.objects.filter(pk__in=[pk for pk, _ in pending]))
        new_by_id = dict(pending)
        for record in records:
            record.expiry_date = new_by_id[record.pk]
            record.updated_at = timezone.now()
        bulk_update_with_history(records, Record, ["expiry_date", "updated_at"], default_user=actor, default_change_reason=reason)
        pending.clear()

    for pk, status, old, new, on_hold in _new_expiries(schedule, schedule):
        if old == new:
            continue
        impact.records_moved += 1
        pending.append((pk, new))
        if status in IN_DESTRUCTION:
            impact.in_destruction += 1
        elif status == Status.DUE and new > today:
            back_to_active.append(pk)
        elif status == Status.ACTIVE and not on_hold and new <= today and (old is None or old > today):
            impact.become_due += 1
        if len(pending) >= CHUNK:
            flush()
    if pending:
        flush()
    for start in range(0, len(back_to_active), CHUNK):
        moved = lifecycle.transition_many(back_to_active[start : start + CHUNK], "extend_retention", actor=actor, reason=reason)
        impact.return_to_active += len(moved)
    return impact

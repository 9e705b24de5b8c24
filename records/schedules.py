"""Retention schedules: creating them, and changing them with every record's expiry following."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from . import lifecycle
from .audit import audit_event_record
from .models import HeldRecord, LegalMinimum, Record, RecordLegalMinimum, RetentionExtension, RetentionSchedule, Status
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
    """What a change of a schedule or a legal minimum does (or would do) to its records."""

    records_moved: int = 0  # records whose expiry date changes
    become_due: int = 0  # active, not on hold, and past their new expiry: due at the next sweep
    return_to_active: int = 0  # due, and their new expiry lies ahead: kept longer
    in_destruction: int = 0  # already on their way to destruction: status unchanged

    def count(self, status, old, new, on_hold, today):
        """Count one record whose expiry moves from `old` to `new`; True when it returns to active."""
        self.records_moved += 1
        if status in IN_DESTRUCTION:
            self.in_destruction += 1
        elif status == Status.DUE and new > today:
            self.return_to_active += 1
            return True
        elif status == Status.ACTIVE and not on_hold and new <= today and (old is None or old > today):
            self.become_due += 1
        return False


def _require(actor, permission):
    if not actor.has_perm(permission):
        raise PermissionDenied("Only records managers keep retention schedules.")


def new_expiries(records, schedule=None, minimum=None):
    """Yield (record id, status, old expiry, new expiry, on hold) for `records` that are not
    destroyed and have a trigger date, a chunk at a time (never the whole table in memory): each
    under `schedule` (default: its own) and with `minimum` (a LegalMinimum, perhaps changed and
    unsaved) counted in place of the saved one of the same id."""
    records = records.exclude(status=Status.DESTROYED).exclude(trigger_date__isnull=True)
    schedules = {}
    minimums = {m.pk: m for m in LegalMinimum.objects.all()}
    if minimum is not None:
        minimums[minimum.pk] = minimum
    last = 0
    while True:
        chunk = list(
            records.filter(pk__gt=last).order_by("pk")
            .values_list("pk", "status", "trigger_date", "expiry_date", "schedule_id")[:CHUNK]
        )
        if not chunk:
            return
        ids = [row[0] for row in chunk]
        held = set(HeldRecord.objects.filter(record_id__in=ids, hold__released_at__isnull=True).values_list("record_id", flat=True))
        extensions, carried = {}, {}
        for record_id, value, unit in RetentionExtension.objects.filter(record_id__in=ids).order_by("extended_at", "pk").values_list("record_id", "period_value", "period_unit"):
            extensions.setdefault(record_id, []).append((value, unit))
        for record_id, minimum_id in RecordLegalMinimum.objects.filter(record_id__in=ids).values_list("record_id", "minimum_id"):
            carried.setdefault(record_id, []).append(minimums[minimum_id])
        if schedule is None:
            wanted = {row[4] for row in chunk} - set(schedules)
            schedules.update(RetentionSchedule.objects.in_bulk(wanted))
        for pk, status, trigger_date, old, schedule_id in chunk:
            new = expiry_date_for(schedule or schedules[schedule_id], trigger_date, extensions.get(pk, ()), carried.get(pk, ()))
            yield pk, status, old, new, pk in held
        last = ids[-1]


def change_impact(expiries, today=None):
    """What moving the records to the expiries of `new_expiries` would do, without changing anything."""
    today = today or timezone.localdate()
    impact = ScheduleImpact()
    for _, status, old, new, on_hold in expiries:
        if old != new:
            impact.count(status, old, new, on_hold, today)
    return impact


def moves_expiries(obj, changes, expiry_fields):
    return any(name in changes and changes[name] != getattr(obj, name) for name in expiry_fields)


def schedule_change_impact(schedule, changes, today=None):
    """What saving `changes` to `schedule` would do to its records, without changing anything."""
    if not moves_expiries(schedule, changes, EXPIRY_FIELDS):
        return ScheduleImpact()
    proposed = RetentionSchedule(**{name: changes.get(name, getattr(schedule, name)) for name in SCHEDULE_FIELDS})
    return change_impact(new_expiries(schedule.records.all(), schedule=proposed), today)


def create_audited(*, actor, obj, fields, action):
    """Validate and save a new schedule or legal minimum, with history and an audit event."""
    obj.full_clean()
    with transaction.atomic():
        obj._history_user = actor
        obj._change_reason = "created"
        obj.save()
        audit_event_record(actor=actor, action=action, obj=obj, payload={k: getattr(obj, k) for k in fields})
    return obj


def update_audited(*, actor, obj, changes, fields, expiry_fields, action, expiries_of, today=None):
    """Save `changes` to a schedule or legal minimum (history and an audit event). When one of
    `expiry_fields` changes, `expiries_of(saved)` gives the new expiry of each record concerned:
    they are saved with history, and due records whose new expiry lies ahead go back to active
    through the lifecycle, all in the same transaction. Returns (saved, impact)."""
    model = type(obj)
    unknown = set(changes) - set(fields)
    if unknown:
        raise ValueError(f"Not {model._meta.verbose_name} fields: {', '.join(sorted(unknown))}")
    today = today or timezone.localdate()
    changed = {name: value for name, value in changes.items() if getattr(obj, name) != value}
    if not changed:
        return obj, ScheduleImpact()
    with transaction.atomic():
        locked = model.objects.select_for_update().get(pk=obj.pk)
        before = {name: getattr(locked, name) for name in changed}
        for name, value in changed.items():
            setattr(locked, name, value)
        locked.full_clean()
        locked._history_user = actor
        locked._change_reason = "edited"
        locked.save()
        impact = ScheduleImpact()
        if moves_expiries(obj, changed, expiry_fields):
            expiries, reason = expiries_of(locked)
            impact = recompute_expiries(actor, expiries, today, reason)
        audit_event_record(
            actor=actor,
            action=action,
            obj=locked,
            payload={
                "changes": {name: [before[name], value] for name, value in changed.items()},
                "records_moved": impact.records_moved,
                "returned_to_active": impact.return_to_active,
            },
        )
    return locked, impact


def schedule_create(*, actor, **fields):
    """Create a schedule (history and audit event written)."""
    _require(actor, "records.add_retentionschedule")
    return create_audited(actor=actor, obj=RetentionSchedule(**fields), fields=SCHEDULE_FIELDS, action="schedule.created")


def schedule_update(*, actor, schedule, today=None, **changes):
    """Save changes to a schedule. When its period or legal minimum changes, every record on it
    gets its expiry recomputed (with history), and due records whose new expiry lies ahead go
    back to active through the lifecycle — all in one transaction. Returns (schedule, impact)."""
    _require(actor, "records.change_retentionschedule")
    return update_audited(
        actor=actor, obj=schedule, changes=changes, fields=SCHEDULE_FIELDS, expiry_fields=EXPIRY_FIELDS,
        action="schedule.updated", today=today,
        expiries_of=lambda saved: (new_expiries(saved.records.all(), schedule=saved), f"schedule {saved.code} changed"),
    )


def recompute_expiries(actor, expiries, today, reason):
    """Save the records' new expiries (from `new_expiries`) with history, and send due records
    whose new expiry lies ahead back to active through the lifecycle. Returns the impact."""
    impact = ScheduleImpact()
    pending, back_to_active = [], []

    def flush():
        records = list(Record.objects.filter(pk__in=[pk for pk, _ in pending]))
        new_by_id = dict(pending)
        for record in records:
            record.expiry_date = new_by_id[record.pk]
            record.updated_at = timezone.now()
        bulk_update_with_history(records, Record, ["expiry_date", "updated_at"], default_user=actor, default_change_reason=reason)
        pending.clear()

    for pk, status, old, new, on_hold in expiries:
        if old == new:
            continue
        pending.append((pk, new))
        if impact.count(status, old, new, on_hold, today):
            back_to_active.append(pk)
        if len(pending) >= CHUNK:
            flush()
    if pending:
        flush()
    # What the lifecycle actually moved (the count above is what the expiries alone would do).
    impact.return_to_active = 0
    for start in range(0, len(back_to_active), CHUNK):
        moved = lifecycle.transition_many(back_to_active[start : start + CHUNK], "extend_retention", actor=actor, reason=reason)
        impact.return_to_active += len(moved)
    return impact

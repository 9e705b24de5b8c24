"""Retention schedules: creating them, and changing them with every record's expiry following."""

import copy
from dataclasses import asdict, dataclass
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, DateField, F, Value, When
from django.urls import reverse
from django.utils import timezone

from . import expiry_sql, jobs, lifecycle
from .audit import audit_event_record
from .conflicts import StateConflict
from .locks import locked_row
from .models import (
    HeldRecord, Job, LegalMinimum, PeriodUnit, Record, RecordLegalMinimum, RetentionExtension, RetentionSchedule, Status,
)
from .retention import add_period, expiry_date_for
from .tallies import tallied_not_destroyed

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
# A change whose records are at most this many is recomputed inside the request, as one
# transaction; more go to a job. Measured on PostgreSQL (bench figure 6 at --scale 20000, on 2
# cores shared with other work): 6,634 records, every one moved, 78 back to active, in 1.86 s, and
# 671 in 0.33 s: about 0.3-0.5 s per 2,000, so with the rest of the request (about 0.1 s) it stays
# well under a second.
INLINE_LIMIT = CHUNK


@dataclass
class ScheduleImpact:
    """What a change of a schedule or a legal minimum does (or would do) to its records."""

    records_moved: int = 0  # records whose expiry date changes
    become_due: int = 0  # active, not on hold, and past their new expiry: due at the next sweep
    return_to_active: int = 0  # due, and their new expiry lies ahead: kept longer
    in_destruction: int = 0  # already on their way to destruction: status unchanged
    job: object = None  # the job that recomputes the records, when too many to do at once (then no figures yet)

    def figures(self):
        return {name: value for name, value in asdict(self).items() if name != "job"}

    def add(self, other):
        for name, value in other.figures().items():
            setattr(self, name, getattr(self, name) + value)

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
    proposed = RetentionSchedule(pk=schedule.pk, **{name: changes.get(name, getattr(schedule, name)) for name in SCHEDULE_FIELDS})
    if connection.vendor == "postgresql":
        return sql_impact(expiry_sql.SCHEDULE_SCOPE, [schedule.pk], today, schedule=proposed)
    return change_impact(new_expiries(schedule.records.all(), schedule=proposed), today)


def sql_impact(scope, params, today=None, **proposed):
    """change_impact counted by PostgreSQL in one aggregate query (records.expiry_sql): the same
    figures, without reading the records into Python."""
    today = today or timezone.localdate()
    counts, extended = expiry_sql.impact_counts(scope, params, today, **proposed)
    impact = ScheduleImpact(**counts)
    impact.add(change_impact(extended, today))
    return impact


def create_audited(*, actor, obj, fields, action):
    """Validate and save a new schedule or legal minimum, with history and an audit event."""
    obj.full_clean()
    with transaction.atomic():
        obj._history_user = actor
        obj._change_reason = "created"
        obj.save()
        audit_event_record(actor=actor, action=action, obj=obj, payload={k: getattr(obj, k) for k in fields})
    return obj


def update_audited(*, actor, obj, changes, fields, expiry_fields, action, kind, records_of, count_of, what, link,
                   today=None):
    """Save `changes` to a schedule or legal minimum (history and an audit event). When one of
    `expiry_fields` changes, the expiry of each of `records_of(saved)` is recomputed (with history,
    due records whose new expiry lies ahead back to active through the lifecycle): at once, in the
    same transaction, when they are few (`count_of(saved)` at most INLINE_LIMIT); else by a job of `kind`, started with the
    change (impact.job). A second such change while that job runs is refused (StateConflict): it
    would be computed from records the first has not reached yet. Returns (saved, impact)."""
    model = type(obj)
    unknown = set(changes) - set(fields)
    if unknown:
        raise ValueError(f"Not {model._meta.verbose_name} fields: {', '.join(sorted(unknown))}")
    today = today or timezone.localdate()
    changed = {name: value for name, value in changes.items() if getattr(obj, name) != value}
    if not changed:
        return obj, ScheduleImpact()
    # Validated before the row is locked, where each query is not wrapped in a savepoint; again
    # under the lock only if the row was changed meanwhile. A unique value left as it was is not
    # looked up again (the fields of these models are each unique alone).
    proposed = copy.copy(obj)
    for name, value in changed.items():
        setattr(proposed, name, value)
    proposed.full_clean(validate_unique=False)
    proposed.validate_unique(exclude=set(fields) - set(changed))
    # A recompute job of `kind` on `obj` still unfinished refuses the change: checked here when it
    # would recompute inline; when it starts a job, the database refuses the second job.
    try:
        with transaction.atomic():
            locked = _locked(model, obj.pk)
            moves = moves_expiries(locked, changed, expiry_fields)
            before = {name: getattr(locked, name) for name in changed}
            changed_meanwhile = any(getattr(locked, name) != getattr(obj, name) for name in fields)
            for name, value in changed.items():
                setattr(locked, name, value)
            if changed_meanwhile:
                locked.full_clean()
            locked._history_user = actor
            locked._change_reason = "edited"
            locked.save(update_fields=list(changed))
            impact = ScheduleImpact()
            payload = {"changes": {name: [before[name], value] for name, value in changed.items()}}
            if moves:
                records = records_of(locked)
                reason = f"{what(locked)} changed"
                count = count_of(locked)
                if count <= INLINE_LIMIT:
                    running = jobs.running_job(kind, locked.pk)
                    if running is not None:
                        raise StateConflict(_still_recomputing(what(locked), running))
                    impact = recompute_records(actor, records, reason, today)
                    payload.update(records_moved=impact.records_moved, returned_to_active=impact.return_to_active)
                else:
                    impact.job = jobs.job_start(
                        actor=actor, kind=kind, description=f"Recompute the expiry dates of {what(locked)}'s records",
                        total=count, subject_id=locked.pk, link=link(locked), params={"reason": reason},
                    )
                    payload.update(job=impact.job.pk, records=count)
            audit_event_record(actor=actor, action=action, obj=locked, payload=payload)
    except IntegrityError as error:
        if not jobs.second_unfinished(error):
            raise
        raise StateConflict(_still_recomputing(what(obj), jobs.running_job(kind, obj.pk))) from error
    return locked, impact


def _locked(model, pk):
    """The row `pk` of `model` (a schedule or legal minimum), locked until the transaction ends."""
    found = locked_row(model, pk)
    if found is None:
        raise model.DoesNotExist(f"{model._meta.object_name} {pk} does not exist.")
    return found


def _still_recomputing(what, running):
    progress = f" (job #{running.pk}, {jobs.percent(running)}% done)" if running else ""
    return (f"The expiry dates of {what}'s records are still being recomputed after its last change{progress}. "
            "Try again when that job finishes.")


def schedule_create(*, actor, **fields):
    """Create a schedule (history and audit event written)."""
    _require(actor, "records.add_retentionschedule")
    return create_audited(actor=actor, obj=RetentionSchedule(**fields), fields=SCHEDULE_FIELDS, action="schedule.created")


LOWERING_NEEDS_APPROVAL = (
    "Lowering a schedule's legal minimum keeps records for less time than the law was said to ask: a second "
    "records manager approves it. Ask for it on the schedule's page, with the reason."
)
_MEASURED_FROM = date(2001, 1, 1)  # periods of different units are compared by the day they run to from here


def period_length(value, unit):
    """A period as a comparable length (the day it runs to from a fixed day); None for no period."""
    return add_period(_MEASURED_FROM, value, unit) if value and unit else None


def lowers_legal_minimum(schedule, changes):
    """Whether `changes` shorten `schedule`'s legal minimum, or remove it."""
    old = period_length(schedule.legal_minimum_value, schedule.legal_minimum_unit)
    new = period_length(changes.get("legal_minimum_value", schedule.legal_minimum_value),
                        changes.get("legal_minimum_unit", schedule.legal_minimum_unit))
    return old is not None and (new is None or new < old)


def minimum_wins(period_value, period_unit, minimum_value, minimum_unit):
    """The sentence saying that a schedule's legal minimum, longer than its period, is what counts;
    None when the period is not shorter."""
    period, minimum = period_length(period_value, period_unit), period_length(minimum_value, minimum_unit)
    if period is None or minimum is None or period >= minimum:
        return None
    return (f"The period ({PeriodUnit.describe(period_value, period_unit)}) is shorter than the legal minimum "
            f"({PeriodUnit.describe(minimum_value, minimum_unit)}): the legal minimum wins, and records are kept "
            f"{PeriodUnit.describe(minimum_value, minimum_unit)}.")


def schedule_update(*, actor, schedule, today=None, approved_lowering=None, **changes):
    """Save changes to a schedule. When its period or legal minimum changes, every record on it
    gets its expiry recomputed (with history), and due records whose new expiry lies ahead go
    back to active through the lifecycle: at once for a small schedule, else by a job
    (impact.job). A change that lowers the legal minimum is saved only as `approved_lowering`
    (records.minimum_lowering). Returns (schedule, impact)."""
    _require(actor, "records.change_retentionschedule")
    if lowers_legal_minimum(schedule, changes) and approved_lowering is None:
        raise ValidationError(LOWERING_NEEDS_APPROVAL)
    return update_audited(
        actor=actor, obj=schedule, changes=changes, fields=SCHEDULE_FIELDS, expiry_fields=EXPIRY_FIELDS,
        action="schedule.updated", today=today, kind=Job.Kind.SCHEDULE_RECOMPUTE,
        records_of=lambda saved: Record.objects.filter(schedule_id=saved.pk), count_of=schedule_record_count,
        what=lambda saved: f"schedule {saved.code}", link=lambda saved: reverse("schedule-list"),
    )


def schedule_record_count(schedule):
    """How many records a recompute of `schedule` goes through, read from the running tallies
    (a row per department and status), so that the request does not count a large schedule's
    records one by one. Records whose trigger event has not happened are counted too: the job sets
    the exact total when it starts."""
    return tallied_not_destroyed(schedule_id=schedule.pk)


def recomputed(records):
    """Those of `records` whose expiry a change can move: not destroyed, with a trigger date."""
    return records.exclude(status=Status.DESTROYED).exclude(trigger_date__isnull=True)


def _locked_chunk(records, after):
    """The ids of the next CHUNK of `records` after id `after`, their rows locked."""
    chunk = recomputed(records).filter(pk__gt=after).order_by("pk").select_for_update(of=("self",))
    return list(chunk.values_list("pk", flat=True)[:CHUNK])


def chunk_expiries(ids):
    """[(id, status, old expiry, new expiry, on hold)] of the records `ids`, under the schedules
    and minimums as saved."""
    if connection.vendor == "postgresql":
        rows = expiry_sql.expiries(expiry_sql.IDS_SCOPE, [list(ids)])
        held = set(HeldRecord.objects.filter(lifecycle.PkIn(F("record_id"), list(ids)), hold__released_at__isnull=True)
                   .values_list("record_id", flat=True))
        return [(*row, row[0] in held) for row in rows]
    return list(new_expiries(Record.objects.filter(pk__in=ids)))


def _write_expiries(moves, now):
    """Save the new expiry of each (record id, date) of `moves`, in one UPDATE."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {Record._meta.db_table} AS r SET expiry_date = v.new, updated_at = %s "  # noqa: S608  # nosec B608: the model's table name; values as parameters
                "FROM unnest(%s::bigint[], %s::date[]) AS v(id, new) WHERE r.id = v.id",
                [now, [pk for pk, _ in moves], [new for _, new in moves]],
            )
        return
    Record.objects.filter(pk__in=[pk for pk, _ in moves]).update(
        expiry_date=Case(*(When(pk=pk, then=Value(new)) for pk, new in moves), output_field=DateField()), updated_at=now,
    )


def recompute_chunk(actor, ids, reason, today):
    """Recompute the expiry of the records `ids` (locked by the caller, in its transaction): the
    moved ones saved with a history row each (as bulk_update_with_history writes them), then due
    records whose new expiry lies ahead sent back to active through the lifecycle (history and
    audit event). Running it again on the same records writes nothing. Returns the impact."""
    impact, moves, back_to_active = ScheduleImpact(), [], []
    for pk, status, old, new, on_hold in chunk_expiries(ids):
        if old == new:
            continue
        moves.append((pk, new))
        if impact.count(status, old, new, on_hold, today):
            back_to_active.append(pk)
    if moves:
        now = timezone.now()
        _write_expiries(moves, now)
        lifecycle.write_history_rows(Record, [pk for pk, _ in moves], history_type="~", user=actor,
                                     change_reason=reason, date=now)
    # What the lifecycle actually moved (the count above is what the expiries alone would do).
    if back_to_active:
        impact.return_to_active = len(lifecycle.transition_many(back_to_active, "extend_retention", actor=actor, reason=reason))
    return impact


def recompute_records(actor, records, reason, today):
    """Recompute every one of `records` in the caller's transaction, a chunk at a time."""
    impact, last = ScheduleImpact(), 0
    while ids := _locked_chunk(records, last):
        impact.add(recompute_chunk(actor, ids, reason, today))
        last = ids[-1]
    return impact


def recompute_run(run, records):
    """The work of a recompute job: each chunk of `records` after the job's cursor recomputed in
    its own transaction with the job's progress and running figures (kept in job.result), so a
    killed worker's re-run goes on after the last chunk it committed and counts nothing twice."""
    job = run.job
    run.set_total(recomputed(records).count())
    impact = ScheduleImpact(**job.result.get("figures", {}))
    while True:
        with transaction.atomic():
            ids = _locked_chunk(records, job.cursor)
            if not ids:
                break
            impact.add(recompute_chunk(job.requested_by, ids, job.params["reason"], timezone.localdate()))
            Job.objects.filter(pk=job.pk).update(result={"figures": impact.figures()})
            run.advance(cursor=ids[-1], count=len(ids))
    return {"summary": impact_summary(impact), **impact.figures()}


def impact_summary(impact):
    return [
        f"{impact.records_moved:,} record expiry date{'s' if impact.records_moved != 1 else ''} recomputed.",
        f"{impact.return_to_active:,} due record{'s' if impact.return_to_active != 1 else ''} returned to active.",
        f"{impact.become_due:,} record{'s' if impact.become_due != 1 else ''} become due at the next sweep.",
        f"{impact.in_destruction:,} record{'s' if impact.in_destruction != 1 else ''} already on their way to "
        "destruction keep their status.",
    ]


@jobs.job_kind(Job.Kind.SCHEDULE_RECOMPUTE)
def schedule_recompute(run):
    return recompute_run(run, Record.objects.filter(schedule_id=run.job.subject_id))

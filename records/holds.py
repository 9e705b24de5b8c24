"""Legal holds: placing them on a chosen set of records and releasing them.

A hold on more records than INLINE_MAX is accepted at once and its records are linked (or, when it
is released, let go) by a job, a chunk at a time (records.jobs). From the moment it is accepted
the hold holds its whole scope: held_now() is what the sweep and the lifecycle ask, and it counts
the scope of a hold still being placed as well as the records already linked."""

from collections import namedtuple
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, Max, OuterRef, Q
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from .audit import Entry, audit_events_record
from .conflicts import StateConflict
from .copying import copies, copy_into
from .jobs import job_kind, job_start, running_job
from .models import HeldRecord, Job, LegalHold, Record, Status, active_hold_exists
from .tallies import tallied_not_destroyed

CHUNK = 1000
MAX_LISTED_REFERENCES = 5000
# Holds on at most this many records are placed (and released) inside the request, in one
# transaction; larger ones by a job. Measured on PostgreSQL 15 with hold_place itself
# (`python -m bench.tasks hold-inline --sizes 1000,2000,5000,20000`: a records manager holding the
# first N records of the billing department of a 100,000-record bench database, median of 3
# tries, each rolled back) on this 2-core machine while other work ran (load 4-5), in two runs:
# 1,000 records 0.22-0.57 s, 2,000 0.21-0.98 s, 5,000 0.50-2.0 s, 20,000 3.5-7.8 s: about 0.1 to
# 0.4 ms a record. Those tries were rolled back before their deferred foreign-key checks ran,
# which the request's commit pays: with them, on a quiet machine (2026-12-06), 1,000 records took
# 0.26-0.29 s (0.09-0.10 s without), 2,000 0.32-0.41 s and 5,000 0.72-0.94 s. 1,000 (the default
# of settings.HOLD_INLINE_MAX) keeps the request near half a second even on a busy machine.
INLINE_MAX = settings.HOLD_INLINE_MAX
_RECORD_TYPE = Record._meta.label_lower
_HeldRow = namedtuple("_HeldRow", "id reference title")
_LINK_COLUMNS = ("hold_id", "record_id", "department_id", "added_at", "status_when_linked", "in_status_since")


def _require(actor, permission):
    if not actor.has_perm(permission):
        raise PermissionDenied("Only records managers place and release legal holds.")


def records_by_references(text):
    """The records named in `text` (references separated by lines, commas or spaces);
    ValidationError naming any reference that does not exist."""
    references = sorted({token.strip().upper() for token in text.replace(",", " ").split() if token.strip()})
    if not references:
        raise ValidationError({"references": "Enter at least one record reference."})
    if len(references) > MAX_LISTED_REFERENCES:
        raise ValidationError({"references": (
            f"List at most {MAX_LISTED_REFERENCES:,} references at once; for more, hold a schedule's, a department's, "
            "a customer's or a search's records."
        )})
    found = set(Record.objects.filter(reference__in=references).values_list("reference", flat=True))
    missing = [r for r in references if r not in found]
    if missing:
        raise ValidationError({"references": f"No such record: {', '.join(missing[:20])}{' …' if len(missing) > 20 else ''}"})
    return Record.objects.filter(reference__in=references)


@dataclass(frozen=True)
class Selection:
    """The records a hold is on, as asked, so that they can be looked up again while a job links
    them: `kind` is references, schedule, department, customer or search; `value` the references,
    the schedule's or department's id, the customer reference or the search's query string;
    `actor` the person whose search it is (what they may see); `holds` the holds active when a
    search was held, so that its "on hold" filter means what it meant then."""

    kind: str
    value: object
    actor: int | None = None
    holds: tuple = ()

    def as_json(self):
        return {"kind": self.kind, "value": self.value, "actor": self.actor, "holds": list(self.holds)}

    @classmethod
    def from_json(cls, data):
        if data.get("kind") not in ("references", "schedule", "department", "customer", "search"):
            raise ValueError(f"This hold's scope cannot be looked up again: {data!r}.")
        return cls(data["kind"], data["value"], data.get("actor"), tuple(data.get("holds") or ()))

    def condition(self):
        """A Q on Record: the records selected."""
        if self.kind == "references":
            return Q(reference__in=self.value)
        if self.kind == "schedule":
            return Q(schedule_id=self.value)
        if self.kind == "department":
            return Q(department_id=self.value)
        if self.kind == "customer":
            return Q(customer_reference=self.value)
        return Q(pk__in=self._search().values("pk"))

    def _search(self):
        from .forms import RecordFilterForm
        from .models import User
        from .selectors import record_list

        actor = User.objects.get(pk=self.actor)
        form = RecordFilterForm(QueryDict(self.value), user=actor)
        form.is_valid()
        filters = form.filters()
        on_hold = filters.pop("on_hold")
        records = record_list(actor, **filters, on_hold=None)
        if on_hold is not None:
            then = Exists(HeldRecord.objects.filter(record_id=OuterRef("pk"), hold_id__in=self.holds))
            records = records.filter(then if on_hold else ~then)
        return records

    def records(self):
        return Record.objects.filter(self.condition())

    def tallied_size(self):
        """How many records not destroyed a department or a schedule has, from the running tallies
        (kept by the database with each record). None for the other kinds."""
        if self.kind not in ("department", "schedule"):
            return None
        return tallied_not_destroyed(**{f"{self.kind}_id": self.value})


def selection_of(kind, *, actor, references="", schedule=None, department=None, customer_reference="", search=""):
    """(Selection, the scope in words) for a hold's form or API request; ValidationError for
    references that do not exist."""
    if kind == "references":
        found = records_by_references(references)
        return Selection("references", sorted(found.values_list("reference", flat=True))), "listed records"
    if kind == "schedule":
        return Selection("schedule", schedule.pk), f"schedule {schedule.code}"
    if kind == "department":
        return Selection("department", department.pk), f"department {department}"
    if kind == "customer":
        reference = customer_reference.strip()
        return Selection("customer", reference), f"customer reference {reference}"
    holds = tuple(LegalHold.objects.active().order_by("pk").values_list("pk", flat=True))
    return Selection("search", search, actor.pk, holds), f"records matching ?{search}"[:300]


def search_count(*, actor, search):
    """How many records not yet destroyed a hold on the search `search` (a record list query
    string) would freeze if placed now."""
    selection, _ = selection_of("search", actor=actor, search=search)
    return selection.records().exclude(status=Status.DESTROYED).count()


def _scope_of(hold):
    """Q on Record: the scope of `hold`, still being placed (its destroyed records left out, as the
    job leaves them out): up to the newest record when its job began linking, and until then
    every record its selection takes in, new ones too."""
    scope = ~Q(status=Status.DESTROYED) & Selection.from_json(hold.selection).condition()
    return scope & Q(pk__lte=hold.selection["up_to"]) if "up_to" in hold.selection else scope


def held_now():
    """A condition for filters and annotations on Record: the record is under an active legal
    hold, linked to it or in the scope of a hold still being placed."""
    condition = active_hold_exists()
    for hold in LegalHold.objects.being_placed().only("pk", "selection"):
        condition = Q(condition) | _scope_of(hold)
    return condition if isinstance(condition, Exists) else ExpressionWrapper(condition, output_field=BooleanField())


def active_holds_of(record):
    """The active legal holds on `record`, oldest first: those it is linked to, and those still
    being placed whose scope takes it in."""
    placing = [hold.pk for hold in LegalHold.objects.being_placed().only("pk", "selection")
               if Record.objects.filter(pk=record.pk).filter(_scope_of(hold)).exists()]
    return LegalHold.objects.active().filter(Q(held_records__record_id=record.pk) | Q(pk__in=placing)).distinct().order_by("pk")


def holds_named(holds):
    """'legal hold #3 (Smith v. Carrier)', or 'legal holds #3 (Smith v. Carrier) and #5 (…)'."""
    names = [f"#{hold.pk} ({hold.matter})" for hold in holds]
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    return f"legal hold{'s' if len(names) > 1 else ''} {listed}"


def frozen_message(record, holds):
    """Why `record`, under the active `holds`, cannot be changed."""
    return (f"{record.reference} is under {holds_named(holds)}: it cannot be changed until the "
            f"hold{'s are' if len(holds) > 1 else ' is'} released.")


def refuse_change_while_held(record):
    """A record under an active legal hold is kept exactly as it is: StateConflict naming the
    hold(s). Only the holds' own business goes on (placing and releasing holds, keeping the
    record longer: records.services.record_extend_retention)."""
    holds = list(active_holds_of(record))
    if holds:
        raise StateConflict(frozen_message(record, holds), code="on_hold")


def with_record_counts(holds):
    """`holds` (a page of them, or one) as a list, each with `record_count`, its linked records,
    counted in one query for these holds only, along the (hold, record) index. Counted in the
    holds' query, every row of every hold was counted (the released holds keep theirs), or a
    subquery per hold read the whole table when one hold held most rows: 0.7-0.9 s at a million
    records."""
    holds = list(holds)
    counts = dict(HeldRecord.objects.filter(hold_id__in=[hold.pk for hold in holds]).order_by().values("hold")
                  .annotate(n=Count("pk")).values_list("hold", "n"))
    for hold in holds:
        hold.record_count = counts.get(hold.pk, 0)
    return holds


def latest_job_of(hold):
    """The latest job that placed or released `hold` (None when both were done at once)."""
    return Job.objects.filter(kind__in=[Job.Kind.HOLD_PLACE, Job.Kind.HOLD_RELEASE], subject_id=hold.pk).order_by(
        "-requested_at", "-pk").first()


def release_running(hold):
    return hold.is_active and running_job(Job.Kind.HOLD_RELEASE, hold.pk) is not None


def _destroyed_in(records, listed):
    """(the destroyed records of `records` as the hold keeps them, how many): each one named when
    they were `listed` one by one, a count only for a scope."""
    destroyed = records.filter(status=Status.DESTROYED)
    if not listed:
        return [], destroyed.count()
    named = [
        {
            "reference": record.reference,
            "destroyed_on": record.destruction.destroyed_on.isoformat() if hasattr(record, "destruction") else None,
            "certificate_number": record.destruction.certificate_number if hasattr(record, "destruction") else None,
        }
        for record in destroyed.select_related("destruction").order_by("reference")
    ]
    return named, len(named)


def _link(hold, actor, records):
    """Link `records` (a chunk of _chunks' rows) to `hold`, an audit event each, in the caller's
    transaction."""
    now = timezone.now()
    rows = [(hold.pk, r.id, r.department_id, now, r.status, r.status_changed_at) for r in records]
    if copies(HeldRecord):
        copy_into(HeldRecord, _LINK_COLUMNS, rows)
    else:
        HeldRecord.objects.bulk_create(HeldRecord(**dict(zip(_LINK_COLUMNS, row, strict=True))) for row in rows)
    payload = {"hold": hold.pk, "matter": hold.matter}
    audit_events_record(actor=actor, entries=[_record_entry("record.hold_placed", r, payload) for r in records])


def _record_entry(action, row, payload):
    """The event about the record a row of _chunks or _held_chunks reads: as Entry(action, record)
    says it, without a model instance made for each of a hold's records."""
    return Entry(action, payload=payload, object_type=_RECORD_TYPE, object_id=str(row.id),
                 object_repr=Record.describe(row.reference, row.title))


def _placed(hold, actor, total):
    """The hold's closing event, once every record is linked."""
    named = [item["reference"] for item in hold.destroyed_left_out]
    audit_events_record(actor=actor, entries=[Entry("hold.placed", hold, {
        "matter": hold.matter, "reason": hold.reason, "scope": hold.scope, "records": total,
        "destroyed_left_out": hold.destroyed_left_out_count, "destroyed_named": named,
    })])


def _chunks(records, after=0):
    """`records` a chunk at a time in id order, from after id `after`, as rows (id, reference,
    title, department_id, status, status_changed_at)."""
    rows = records.select_related(None).order_by("pk").values_list(
        "id", "reference", "title", "department_id", "status", "status_changed_at", named=True)
    while chunk := list(rows.filter(pk__gt=after)[:CHUNK]):
        yield chunk
        after = chunk[-1].id


def _held_chunks(hold, after=0):
    """The records linked to `hold` a chunk at a time in id order, from after id `after`, as rows
    (id, reference, title), read along the hold's own rows (their (hold, record) index) so that
    each chunk starts where the last one ended instead of walking the hold's rows from the first again."""
    rows = (HeldRecord.objects.filter(hold=hold).order_by("record_id")
            .values_list("record_id", "record__reference", "record__title"))
    while chunk := [_HeldRow(*row) for row in rows.filter(record_id__gt=after)[:CHUNK]]:
        yield chunk
        after = chunk[-1].id


def hold_place(*, actor, matter, reason, selection=None, records=None, scope="", listed=False):
    """Place a hold on every record of `selection` (a Selection; `scope` says it in words) that is
    not destroyed, or of the queryset `records` (a fixed set: placed at once, whatever its size).
    The destroyed records that matched are left out and the hold says so: each by reference, date
    destroyed and certificate when the records were listed one by one, else how many.

    Up to INLINE_MAX records, the hold, its records and an audit event per record are written in
    one transaction. A larger selection is accepted at once: the hold is saved with its selection
    (which holds from then on, see held_now) and a job links its records; the returned hold's
    `job` is that job (None when placed inline). The caller's transaction, if any, must commit
    for the job to be queued."""
    _require(actor, "records.add_legalhold")
    matter, reason = matter.strip(), reason.strip()
    errors = {}
    if not matter:
        errors["matter"] = "Name the matter the hold is for."
    if not reason:
        errors["reason"] = "Say why the records must be kept."
    if errors:
        raise ValidationError(errors)
    if selection is not None:
        records, listed = selection.records(), selection.kind == "references"
    covered = records.exclude(status=Status.DESTROYED).select_related(None).order_by()
    size = selection.tallied_size() if selection is not None else None
    if size is None:
        size = covered[: INLINE_MAX + 1].count()
    by_job = selection is not None and size > INLINE_MAX
    # A job counts the destroyed records left out itself (none can be destroyed once the hold is
    # accepted): on a department that count alone is too slow for the request.
    named, count = ([], 0) if by_job else _destroyed_in(records, listed)
    if not size:
        left_out = LegalHold(scope=scope[:300], destroyed_left_out=named[:20], destroyed_left_out_count=count)
        raise ValidationError(" ".join([
            *left_out.left_out_notes, "No record that can still be held matches; destroyed records cannot be held."
        ]))
    with transaction.atomic():
        now = timezone.now()
        hold = LegalHold(matter=matter, reason=reason, placed_by=actor, placed_at=now, scope=scope[:300],
                         destroyed_left_out=named, destroyed_left_out_count=count, linked_at=None if by_job else now)
        if selection is not None:
            hold.selection = selection.as_json()
        hold._history_user = actor
        hold.save()
        hold.job = None
        if by_job:
            hold.job = job_start(
                actor=actor, kind=Job.Kind.HOLD_PLACE, subject_id=hold.pk, link=reverse("hold-detail", args=[hold.pk]),
                description=f"Place legal hold #{hold.pk} ({matter}) on {hold.scope}", total=0,
            )
            audit_events_record(actor=actor, entries=[Entry("hold.accepted", hold, {
                "matter": matter, "reason": reason, "scope": hold.scope, "job": hold.job.pk,
            })])
            return hold
        total = 0
        for chunk in _chunks(covered):
            _link(hold, actor, chunk)
            total += len(chunk)
        _placed(hold, actor, total)
    return hold


@job_kind(Job.Kind.HOLD_PLACE)
def hold_place_step(run):
    """Link the records of a hold accepted by hold_place, on from the job's cursor (the last
    record id linked), each chunk with its progress; then mark the hold linked and write its
    hold.placed event, once."""
    hold = LegalHold.objects.select_related("placed_by").get(pk=run.job.subject_id)
    actor = run.job.requested_by
    selection = Selection.from_json(hold.selection)
    if hold.linked_at is None:
        if not run.job.total:
            with transaction.atomic():
                # The scope stops at the newest record now: until this commits, held_now() holds
                # every record of the selection, new ones too, so none made meanwhile was free.
                hold.selection["up_to"] = Record.objects.aggregate(last=Max("pk"))["last"] or 0
                scope = selection.records().filter(pk__lte=hold.selection["up_to"])
                hold.destroyed_left_out, hold.destroyed_left_out_count = _destroyed_in(
                    scope, selection.kind == "references")
                hold._history_user = actor
                hold.save(update_fields=["selection", "destroyed_left_out", "destroyed_left_out_count"])
                run.set_total(scope.exclude(status=Status.DESTROYED).count())
        covered = selection.records().filter(pk__lte=hold.selection["up_to"]).exclude(status=Status.DESTROYED)
        for chunk in _chunks(covered, after=run.job.cursor):
            with transaction.atomic():
                _link(hold, actor, chunk)
                run.advance(cursor=chunk[-1].id, count=len(chunk))
        with transaction.atomic():
            locked = LegalHold.objects.select_for_update().get(pk=hold.pk)
            if locked.linked_at is None:
                locked.linked_at = timezone.now()
                locked._history_user = actor
                locked.save(update_fields=["linked_at"])
                _placed(locked, actor, locked.held_records.count())
    held = hold.held_records.count()
    summary = [f"Legal hold #{hold.pk} ({hold.matter}) holds {held:,} record{'s' if held != 1 else ''} of {hold.scope}."]
    summary += hold.left_out_notes
    return {"summary": summary, "held": held, "destroyed_left_out": hold.destroyed_left_out_count}


def hold_release(*, actor, hold, reason):
    """Release an active hold. Its records stay covered by any other active hold; the others are
    treated normally by the next sweep. A hold of up to INLINE_MAX records is released at once;
    a larger one by a job, and it stays active (its records held) until the job has written an
    event for each record: the returned hold's `job` is that job, None when released at once.
    StateConflict when it was released already, is being released, or is still being placed."""
    _require(actor, "records.change_legalhold")
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why the hold is released."})
    with transaction.atomic():
        locked = LegalHold.objects.select_for_update().get(pk=hold.pk)
        if not locked.is_active:
            raise StateConflict("This hold was already released.")
        if locked.is_being_placed:
            job = running_job(Job.Kind.HOLD_PLACE, locked.pk)
            raise StateConflict(
                f"Legal hold #{locked.pk} is still being placed{f' (job #{job.pk})' if job else ''}: release it once "
                "every record in its scope is linked to it."
            )
        releasing = running_job(Job.Kind.HOLD_RELEASE, locked.pk)
        if releasing:
            raise StateConflict(f"Legal hold #{locked.pk} is being released already (job #{releasing.pk}).")
        locked.job = None
        if locked.held_records.all()[: INLINE_MAX + 1].count() > INLINE_MAX:
            locked.job = job_start(
                actor=actor, kind=Job.Kind.HOLD_RELEASE, subject_id=locked.pk, params={"reason": reason},
                link=reverse("hold-detail", args=[locked.pk]), total=0,
                description=f"Release legal hold #{locked.pk} ({locked.matter})",
            )
            return locked
        for chunk in _held_chunks(locked):
            _let_go(locked, actor, chunk)
        _released(locked, actor, reason)
    return locked


def _let_go(hold, actor, records):
    payload = {"hold": hold.pk}
    audit_events_record(actor=actor, entries=[_record_entry("record.hold_released", r, payload) for r in records])


def _released(hold, actor, reason):
    hold.released_by, hold.released_at, hold.release_reason = actor, timezone.now(), reason
    hold._history_user = actor
    hold.save(update_fields=["released_by", "released_at", "release_reason"])
    audit_events_record(actor=actor, entries=[Entry("hold.released", hold, {"reason": reason})])


@job_kind(Job.Kind.HOLD_RELEASE)
def hold_release_step(run):
    """Write the release's event for each record of the hold, on from the job's cursor (the last
    record id done), each chunk with its progress; then release the hold, once."""
    hold = LegalHold.objects.get(pk=run.job.subject_id)
    actor, reason = run.job.requested_by, run.job.params["reason"]
    if hold.is_active:
        if not run.job.total:
            run.set_total(hold.held_records.count())
        for chunk in _held_chunks(hold, after=run.job.cursor):
            with transaction.atomic():
                _let_go(hold, actor, chunk)
                run.advance(cursor=chunk[-1].id, count=len(chunk))
        with transaction.atomic():
            locked = LegalHold.objects.select_for_update().get(pk=hold.pk)
            if locked.is_active:
                _released(locked, actor, reason)
    held = hold.held_records.count()
    return {"summary": [f"Legal hold #{hold.pk} ({hold.matter}) was released: its {held:,} record"
                        f"{'s are' if held != 1 else ' is'} no longer held by it (those under another active hold stay held)."],
            "released": held}


"""
The record lifecycle: the one place where a record's status changes.

    active ──expire──> due ──mark_for_shredding──> pending_shred ──confirm_shredding──> destroyed
                        │  └─request_handover──> awaiting_handover ──receive_media──>
                        │                        in_netops_custody ──confirm_media_destruction──> destroyed
                        └─extend_retention──> active

Each transition names the permission the actor needs (the system, actor None, may take only
those marked allow_system, e.g. the retention sweep's expire), the media it applies to and who,
relative to the record, may take it. A record under an active legal hold is frozen: only
extend_retention may still be taken. `transition` (one record) and `transition_many` (a batch,
for the sweep) check all of that, save the new status with history and append audit events.
"""

from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import connection, transaction
from django.db.models import F
from django.db.models.lookups import In
from django.utils import timezone

from .audit import Entry, audit_events_record
from .conflicts import StateConflict
from .holds import held_now
from .models import Medium, Record, Status
from .recomputing import awaiting_recompute, waiting_message
from .roles import Role, roles_of
from .wording import with_article


class TransitionNotAllowed(StateConflict):
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
    frozen_by_hold: bool = True
    # Taken on the record's expiry date: not while a recompute job has still to reach the record
    # (records.recomputing), whose saved expiry is then the old rule's.
    waits_for_recompute: bool = False

    def applies_to_medium(self, medium):
        if self.media == "paper":
            return medium == Medium.PAPER
        if self.media == "electronic":
            return Medium.is_electronic(medium)
        return True


TRANSITIONS = {
    t.name: t
    for t in (
        Transition("expire", Status.ACTIVE, Status.DUE, "records.expire_record", allow_system=True, waits_for_recompute=True),
        Transition("extend_retention", Status.DUE, Status.ACTIVE, "records.extend_retention", frozen_by_hold=False),
        Transition(
            "mark_for_shredding",
            Status.DUE,
            Status.PENDING_SHRED,
            "records.mark_for_destruction",
            media="paper",
            custodian_only=True,
            records_manager_may_act_for_custodian=True,
            waits_for_recompute=True,
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
            "records.hand_over_media",
            media="electronic",
            custodian_only=True,
            records_manager_may_act_for_custodian=True,
            waits_for_recompute=True,
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
# Where a record's identity is frozen for edits and a records manager corrects it instead.
CORRECTABLE_STATUSES = EDITABLE_STATUSES - {Status.ACTIVE}


def is_on_hold(record):
    """Under an active hold, or in the scope of one still being placed (records.holds.held_now)."""
    return Record.objects.filter(pk=record.pk).filter(held_now()).exists()


UNKNOWN = object()


def check_transition(record, name, *, actor, on_hold=None, recompute=UNKNOWN):
    """Raise TransitionNotAllowed or PermissionDenied unless `actor` (None for the system) may take
    transition `name` on `record` as it is now. `on_hold` saves the query when already known, and
    `recompute` (the recompute job that has still to reach the record, or None) too."""
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
            f"{with_article(Medium.in_words(record.medium))}."
        )
    if spec.frozen_by_hold and (is_on_hold(record) if on_hold is None else on_hold):
        raise TransitionNotAllowed(f"{record.reference} is under a legal hold: nothing may happen to it until released.")
    if spec.waits_for_recompute:
        job = awaiting_recompute([record.pk]).get(record.pk) if recompute is UNKNOWN else recompute
        if job is not None:
            raise TransitionNotAllowed(waiting_message(record, job))
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


def _moved(record, spec, name, reason, payload, now=None):
    old_status = record.status
    record.status = spec.target
    record.status_changed_at = now or timezone.now()
    record.updated_at = record.status_changed_at
    return Entry(
        f"record.{name}", record, {"from": old_status, "to": spec.target, "reason": reason, **(payload or {})}
    )


def transition(record, name, *, actor, reason="", payload=None):
    """Move `record` along transition `name`: checks the actor, the state and holds under a row
    lock, saves the new status with history and appends an audit event, all in one transaction.
    Returns the updated record."""
    with transaction.atomic():
        locked = Record.objects.select_for_update().get(pk=record.pk)
        spec = check_transition(locked, name, actor=actor)
        entry = _moved(locked, spec, name, reason, payload)
        locked._history_user = actor
        locked._change_reason = reason or name.replace("_", " ")
        locked.save(update_fields=["status", "status_changed_at", "updated_at"])
        audit_events_record(actor=actor, entries=[entry])
    return locked


class PkIn(In):
    """pk IN (ids) that PostgreSQL receives as one array parameter, `= ANY(%s)`: a batch's
    thousands of ids as thousands of placeholders cost more to prepare and send than the writes."""

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s::{self.lhs.output_field.cast_db_type(connection)}[])", (*lhs_params, list(self.rhs))


def pk_in(ids):
    return PkIn(F("pk"), list(ids))


# What check_transition and the audit event read of a record (str(record) is reference and title):
# transition_many loads no more of the candidates than this.
CHECKED_FIELDS = ("id", "reference", "title", "status", "medium", "department_id", "custodian_id")


def transition_many(record_ids, name, *, actor, reason="", payload=None):
    """Move every record of `record_ids` that may take transition `name` now, in one transaction:
    rows are locked (rows another transaction holds are skipped, to be taken by a later run),
    records that moved on or are on hold are left as they are. Returns the records moved (loaded
    with CHECKED_FIELDS only)."""
    spec = TRANSITIONS[name]
    change_reason = reason or name.replace("_", " ")
    with transaction.atomic():
        candidates = (
            Record.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk_in(record_ids), status=spec.source)
            .only(*CHECKED_FIELDS)
            .annotate(on_hold=held_now())
            .order_by("pk")
        )
        candidates = list(candidates)
        awaiting = awaiting_recompute([r.pk for r in candidates]) if spec.waits_for_recompute else {}
        moved, entries, now = [], [], timezone.now()
        for record in candidates:
            try:
                check_transition(record, name, actor=actor, on_hold=record.on_hold, recompute=awaiting.get(record.pk))
            except TransitionNotAllowed:
                continue
            entries.append(_moved(record, spec, name, reason, payload, now))
            moved.append(record)
        if not moved:
            return moved
        # Every record moves to the same status at the same moment: one set-based UPDATE, then the
        # history rows copied from the updated rows in one INSERT ... SELECT, then the events.
        ids = [record.pk for record in moved]
        Record.objects.filter(pk_in(ids)).update(status=spec.target, status_changed_at=now, updated_at=now)
        # The system's moves (actor None) are the system's in the history too, as transition()
        # writes them, even when a person's request led to them (a record logged past its expiry).
        write_history_rows(Record, ids, history_type="~", user=actor, change_reason=change_reason, date=now)
        audit_events_record(actor=actor, entries=entries)
    return moved


# The columns django-simple-history adds to a historical model besides the tracked fields.
HISTORY_OWN_FIELDS = frozenset({"history_id", "history_date", "history_change_reason", "history_type", "history_user"})


def history_columns(model):
    """[(historical column, source column)] of every field `model`'s history tracks. Refuses a
    historical model with a field it would not know how to fill, so that a field added to the
    history cannot be left empty by write_history_rows without anyone noticing."""
    history = model.history.model
    tracked = history.tracked_fields
    unknown = {f.name for f in history._meta.concrete_fields} - {f.name for f in tracked} - HISTORY_OWN_FIELDS
    if unknown:
        raise ImproperlyConfigured(f"{history.__name__} has fields write_history_rows does not fill: {sorted(unknown)}")
    return [(history._meta.get_field(f.name).column, f.column) for f in tracked]


def write_history_rows(model, pks, *, history_type, user, change_reason, date):
    """One history row for each of the rows `pks` of `model` as they are now in the database, in
    one INSERT ... SELECT (in order of pk): the rows Record.history.bulk_history_create writes
    for the same instances, without building them in Python."""
    if not pks:
        return
    history = model.history.model
    ops = connection.ops
    columns = history_columns(model)
    own = [history._meta.get_field(name) for name in ("history_date", "history_change_reason", "history_type", "history_user")]
    values = [own[0].get_db_prep_save(date, connection), own[1].get_db_prep_save(change_reason, connection),
              own[2].get_db_prep_save(history_type, connection),
              own[3].get_db_prep_save(user.pk if user is not None else None, connection)]
    pk_column = ops.quote_name(model._meta.pk.column)
    if connection.vendor == "postgresql":  # as PkIn does it
        where, where_params = f"{pk_column} = ANY(%s::{model._meta.pk.cast_db_type(connection)}[])", [list(pks)]
    else:
        where, where_params = f"{pk_column} IN ({', '.join(['%s'] * len(pks))})", list(pks)
    into = ", ".join(ops.quote_name(target) for target, _ in columns) + ", " + ", ".join(ops.quote_name(f.column) for f in own)
    select = ", ".join(ops.quote_name(source) for _, source in columns) + ", %s, %s, %s, %s"
    sql = (
        f"INSERT INTO {ops.quote_name(history._meta.db_table)} ({into}) "  # nosec B608: quoted names from the models, values as parameters
        f"SELECT {select} FROM {ops.quote_name(model._meta.db_table)} "
        f"WHERE {where} ORDER BY {pk_column}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, *where_params])


def is_editable(record):
    return record.status in EDITABLE_STATUSES



def available_transitions(record, actor):
    """The names of the transitions `actor` may take on `record` now (for showing actions)."""
    on_hold = is_on_hold(record)
    recompute = awaiting_recompute([record.pk]).get(record.pk)
    names = []
    for name in TRANSITIONS:
        try:
            check_transition(record, name, actor=actor, on_hold=on_hold, recompute=recompute)
        except (TransitionNotAllowed, PermissionDenied):
            continue
        names.append(name)
    return names

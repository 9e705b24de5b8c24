"""Records' expiry dates computed by PostgreSQL, for many records at once: the preview of a schedule
or legal minimum change counts hundreds of thousands of records in one aggregate query, and the
recompute job computes each chunk in one query, where records.retention would go record by record.

The rule is records.retention.expiry_date_for's: the latest of the trigger date plus the
schedule's period, plus its legal minimum and plus each further minimum the record carries. A
period is one unit (days, months or years); PostgreSQL adds a month or a year as relativedelta
does (the 31st to a shorter month gives its last day; 29 February plus a year, the 28th), which
tests/records/test_expiry_sql.py checks date by date. Extensions are added one after another,
each to the date the last gave, so those few records are finished in Python from the latest term.

Only for PostgreSQL; on SQLite (development, the tests' default) records.schedules goes through
records.retention for every record."""

from django.db import connection

from .models import HeldRecord, LegalHold, LegalMinimum, Record, RecordLegalMinimum, RetentionExtension, RetentionSchedule, Status
from .retention import add_period

SCHEDULE_SCOPE = "r.schedule_id = %s"
MINIMUM_SCOPE = f"r.id IN (SELECT record_id FROM {RecordLegalMinimum._meta.db_table} WHERE minimum_id = %s)"  # noqa: S608  # nosec B608: a model's table name
IDS_SCOPE = "r.id = ANY(%s::bigint[])"
IN_DESTRUCTION = (Status.PENDING_SHRED, Status.AWAITING_HANDOVER, Status.IN_NETOPS_CUSTODY)


def _interval(value, unit):
    return f"{int(value)} {unit}" if value else None


def _definitions(schedule=None, minimum=None):
    """The CTEs of the schedules' and minimums' periods as saved, with `schedule` and `minimum`
    (changed, unsaved) counted in place of the saved ones of the same id; and their parameters."""
    schedules = {s.pk: s for s in RetentionSchedule.objects.all()}
    if schedule is not None:
        schedules[schedule.pk] = schedule
    minimums = {m.pk: m for m in LegalMinimum.objects.all()}
    if minimum is not None:
        minimums[minimum.pk] = minimum
    params = []
    rows = []
    for s in schedules.values():
        rows.append("(%s::bigint, %s::interval, %s::interval)")
        params += [s.pk, _interval(s.period_value, s.period_unit), _interval(s.legal_minimum_value, s.legal_minimum_unit)]
    sched = "VALUES " + ", ".join(rows) if rows else "SELECT NULL::bigint, NULL::interval, NULL::interval WHERE false"
    rows = []
    for m in minimums.values():
        rows.append("(%s::bigint, %s::interval)")
        params += [m.pk, _interval(m.period_value, m.period_unit)]
    mins = "VALUES " + ", ".join(rows) if rows else "SELECT NULL::bigint, NULL::interval WHERE false"
    return f"sched(id, period, legal) AS ({sched}), mins(id, period) AS ({mins})", params


def _computed(scope):
    # GREATEST skips NULLs: a schedule without a legal minimum, a record without further minimums.
    return f"""
    computed AS (
        SELECT r.id, r.status, r.expiry_date AS old,
               GREATEST(r.trigger_date + s.period, r.trigger_date + s.legal,
                        (SELECT MAX(r.trigger_date + m.period) FROM {RecordLegalMinimum._meta.db_table} l
                           JOIN mins m ON m.id = l.minimum_id WHERE l.record_id = r.id))::date AS new,
               EXISTS (SELECT 1 FROM {RetentionExtension._meta.db_table} e WHERE e.record_id = r.id) AS extended
          FROM {Record._meta.db_table} r JOIN sched s ON s.id = r.schedule_id
         WHERE ({scope}) AND r.status <> 'destroyed' AND r.trigger_date IS NOT NULL
    )"""  # noqa: S608  # nosec B608: table names from the models; values as parameters


def _finish_extended(rows):
    """Add each extended record's extensions, in the order decided, to its latest term."""
    ids = [row[0] for row in rows]
    extensions = {}
    for record_id, value, unit in (RetentionExtension.objects.filter(record_id__in=ids).order_by("extended_at", "pk")
                                   .values_list("record_id", "period_value", "period_unit")):
        extensions.setdefault(record_id, []).append((value, unit))
    finished = []
    for pk, status, old, new in rows:
        for value, unit in extensions.get(pk, ()):
            new = add_period(new, value, unit)
        finished.append((pk, status, old, new))
    return finished


def expiries(scope, params, *, schedule=None, minimum=None):
    """[(record id, status, old expiry, new expiry)] of the records in `scope` (SQL on the records
    `r`, with `params`) that are not destroyed and have a trigger date, in order of id."""
    definitions, definition_params = _definitions(schedule, minimum)
    sql = f"WITH {definitions}, {_computed(scope)} SELECT id, status, old, new, extended FROM computed ORDER BY id"  # nosec B608: built here from constants
    with connection.cursor() as cursor:
        cursor.execute(sql, [*definition_params, *params])
        rows = cursor.fetchall()
    extended = _finish_extended([row[:4] for row in rows if row[4]])
    if not extended:
        return [row[:4] for row in rows]
    by_id = {row[0]: row for row in extended}
    return [by_id.get(row[0], row[:4]) for row in rows]


def impact_counts(scope, params, today, *, schedule=None, minimum=None):
    """What moving the records in `scope` to their new expiries would do, counted by the database:
    {records_moved, become_due, return_to_active, in_destruction} over the records without
    extensions, and [(id, status, old, new, on hold)] of those with extensions, to count in Python."""
    definitions, definition_params = _definitions(schedule, minimum)
    held = (f"EXISTS (SELECT 1 FROM {HeldRecord._meta.db_table} h JOIN {LegalHold._meta.db_table} lh ON lh.id = h.hold_id "
            "WHERE h.record_id = c.id AND lh.released_at IS NULL)")  # nosec B608: the models' table names
    moved = "NOT c.extended AND c.old IS DISTINCT FROM c.new"
    sql = f"""WITH {definitions}, {_computed(scope)}
        SELECT count(*) FILTER (WHERE {moved}),
               count(*) FILTER (WHERE {moved} AND c.status = ANY(%s)),
               count(*) FILTER (WHERE {moved} AND c.status = 'due' AND c.new > %s),
               count(*) FILTER (WHERE {moved} AND c.status = 'active' AND c.new <= %s AND (c.old IS NULL OR c.old > %s)
                                AND NOT {held})
          FROM computed c"""  # noqa: S608  # nosec B608: built here from constants; values as parameters
    extended_sql = f"WITH {definitions}, {_computed(scope)} SELECT id, status, old, new FROM computed WHERE extended ORDER BY id"  # noqa: S608  # nosec B608: built here from constants
    with connection.cursor() as cursor:
        cursor.execute(sql, [*definition_params, *params, list(IN_DESTRUCTION), today, today, today])
        records_moved, in_destruction, return_to_active, become_due = cursor.fetchone()
        cursor.execute(extended_sql, [*definition_params, *params])
        extended = _finish_extended(cursor.fetchall())
    on_hold = set(HeldRecord.objects.filter(record_id__in=[row[0] for row in extended], hold__released_at__isnull=True)
                  .values_list("record_id", flat=True)) if extended else set()
    counts = {"records_moved": records_moved, "become_due": become_due, "return_to_active": return_to_active,
              "in_destruction": in_destruction}
    return counts, [(*row, row[0] in on_hold) for row in extended]

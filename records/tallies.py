"""The dashboard's running counts of the records (StatusTally, ExpiryTally, WaitingTally), which the
database's triggers keep up to date on every write (migrations 0014 and 0046). Counting them afresh from the records is
what the tests compare them with, and what a bulk load that bypasses the triggers runs after."""

import functools
from datetime import UTC

from django.db import connection, transaction
from django.db.models import Count
from django.db.models.functions import TruncDate

from .models import WAITING_STATUSES, ExpiryTally, Record, Status, StatusTally, WaitingTally


def status_counts_from_records():
    """{(department id, schedule id, status): records}, counted from the records."""
    rows = Record.objects.values_list("department_id", "schedule_id", "status").annotate(n=Count("*")).order_by()
    return {(department, schedule, status): n for department, schedule, status, n in rows}


def expiry_counts_from_records():
    """{(department id, expiry date): active records}, counted from the records."""
    rows = (
        Record.objects.filter(status=Status.ACTIVE, expiry_date__isnull=False)
        .values_list("department_id", "expiry_date")
        .annotate(n=Count("*"))
        .order_by()
    )
    return {(department, day): n for department, day, n in rows}


def waiting_counts_from_records():
    """{(department id, waiting status, UTC day it has been in it since): records}, counted from the records."""
    rows = (
        Record.objects.filter(status__in=WAITING_STATUSES, status_changed_at__isnull=False)
        .values_list("department_id", "status", TruncDate("status_changed_at", tzinfo=UTC))
        .annotate(n=Count("*"))
        .order_by()
    )
    return {(department, status, day): n for department, status, day, n in rows}


def tallied_not_destroyed(**scope):
    """How many records of `scope` (department_id=..., schedule_id=...) are not destroyed, from the
    status tallies: a few rows read rather than the records counted."""
    ((field, value),) = scope.items()
    with connection.cursor() as cursor:
        cursor.execute(_tallied_not_destroyed_sql(field), [value, Status.DESTROYED])
        return int(cursor.fetchone()[0])  # PostgreSQL's sum of bigints is a numeric


@functools.cache
def _tallied_not_destroyed_sql(field):
    """The query of tallied_not_destroyed, by `field` (the ORM took longer to build it than the
    database to answer it: every request that starts a hold or a schedule's recompute asks it)."""
    q = connection.ops.quote_name
    column = StatusTally._meta.get_field(field).column
    table, status, count = StatusTally._meta.db_table, StatusTally._meta.get_field("status").column, "count"
    return (f"SELECT COALESCE(SUM({q(count)}), 0) FROM {q(table)} "  # nosec B608: the model's own names; values as parameters
            f"WHERE {q(column)} = %s AND {q(status)} <> %s")


def tallied_status_counts():
    rows = StatusTally.objects.exclude(count=0).values_list("department_id", "schedule_id", "status", "count")
    return {(department, schedule, status): n for department, schedule, status, n in rows}


def tallied_expiry_counts():
    rows = ExpiryTally.objects.exclude(count=0).values_list("department_id", "expiry_date", "count")
    return {(department, day): n for department, day, n in rows}


def tallied_waiting_counts():
    rows = WaitingTally.objects.values_list("department_id", "status", "since", "count")
    return {(department, status, day): n for department, status, day, n in rows}


def rebuild_tallies():
    """Replace the tallies by a fresh count of the records (after a load made with triggers off)."""
    with transaction.atomic():
        StatusTally.objects.all().delete()
        ExpiryTally.objects.all().delete()
        WaitingTally.objects.all().delete()
        StatusTally.objects.bulk_create(
            StatusTally(department_id=department, schedule_id=schedule, status=status, count=n)
            for (department, schedule, status), n in status_counts_from_records().items()
        )
        ExpiryTally.objects.bulk_create(
            ExpiryTally(department_id=d, expiry_date=day, count=n) for (d, day), n in expiry_counts_from_records().items()
        )
        WaitingTally.objects.bulk_create(
            WaitingTally(department_id=d, status=status, since=day, count=n)
            for (d, status, day), n in waiting_counts_from_records().items()
        )

"""The dashboard's running counts of the records (StatusTally, ExpiryTally, WaitingTally), which the
database's triggers keep up to date on every write (migrations 0014 and 0046). Counting them afresh from the records is
what the tests compare them with, and what a bulk load that bypasses the triggers runs after."""

from datetime import UTC

from django.db import transaction
from django.db.models import Count, Sum
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
    rows = StatusTally.objects.filter(**scope).exclude(status=Status.DESTROYED)
    return rows.aggregate(n=Sum("count"))["n"] or 0


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

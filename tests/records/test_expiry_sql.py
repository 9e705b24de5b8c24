"""PostgreSQL computes a change's expiry dates (records.expiry_sql) exactly as records.retention
does, day for day: month ends, leap days, every unit, legal minimums and extensions; and the
preview's aggregate query counts what the record-by-record count does."""

from datetime import date, timedelta
from itertools import cycle

import pytest
from django.db import connection
from django.utils import timezone

from records import expiry_sql, schedules
from records.models import LegalMinimum, Record, RecordLegalMinimum, RetentionExtension, RetentionSchedule, Status

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="records.expiry_sql is PostgreSQL's"),
]

TRIGGERS = [date(2024, 1, 31), date(2024, 2, 29), date(2023, 2, 28), date(2024, 3, 31), date(2024, 8, 31),
            date(2025, 12, 31), date(2024, 5, 30), date(2026, 10, 1), date(2025, 11, 23)]
STATUSES = cycle([Status.ACTIVE, Status.DUE, Status.PENDING_SHRED, Status.ACTIVE, Status.DUE])


@pytest.fixture
def grid(employee, records_manager):
    """Records on schedules in each unit, some with minimums and extensions, with arbitrary stored
    expiries (as before a change)."""
    minimums = [
        LegalMinimum.objects.create(code="TWO-Y", citation="A", title="A", period_value=2, period_unit="years"),
        LegalMinimum.objects.create(code="M25", citation="B", title="B", period_value=25, period_unit="months"),
        LegalMinimum.objects.create(code="D800", citation="C", title="C", period_value=800, period_unit="days"),
    ]
    plans = [("MONTHS", 18, "months", None, ""), ("YEARS", 1, "years", 18, "months"), ("DAYS", 90, "days", 1, "years")]
    made = []
    for code, value, unit, legal, legal_unit in plans:
        schedule = RetentionSchedule.objects.create(code=code, title=code, period_value=value, period_unit=unit,
                                                    legal_minimum_value=legal, legal_minimum_unit=legal_unit)
        for n, trigger in enumerate(TRIGGERS):
            made.append(Record(
                reference=f"T-{code}-{n}", title="x", contains_cpni=False, medium="paper", department=employee.department,
                custodian=employee, location="x", schedule=schedule, trigger_date=trigger, status=next(STATUSES),
                expiry_date=trigger + timedelta(days=400), created_by=employee,
            ))
    records = Record.objects.bulk_create(made)
    now = timezone.now()
    for n, record in enumerate(records):
        for minimum in minimums[: n % 4]:
            RecordLegalMinimum.objects.create(record=record, minimum=minimum, added_by=employee, added_at=now)
        if n % 5 == 0:
            RetentionExtension.objects.create(record=record, period_value=1, period_unit="months", reason="r",
                                              extended_by=records_manager, extended_at=now)
            RetentionExtension.objects.create(record=record, period_value=30, period_unit="days", reason="r",
                                              extended_by=records_manager, extended_at=now + timedelta(seconds=1))
    return records, minimums


def test_every_expiry_is_the_one_records_retention_gives(grid):
    records, minimums = grid
    ids = [r.pk for r in records]
    by_sql = {pk: (status, old, new) for pk, status, old, new in expiry_sql.expiries(expiry_sql.IDS_SCOPE, [ids])}
    by_python = {pk: (status, old, new) for pk, status, old, new, _ in
                 schedules.new_expiries(Record.objects.filter(pk__in=ids))}
    assert by_sql == by_python and len(by_sql) == len(records)


@pytest.mark.parametrize("code, changes", [
    ("MONTHS", {"period_value": 24}), ("MONTHS", {"period_value": 1, "period_unit": "years"}),
    ("YEARS", {"legal_minimum_value": 700, "legal_minimum_unit": "days"}), ("DAYS", {"period_value": 29}),
])
def test_the_preview_counts_what_the_record_by_record_count_gives(grid, code, changes):
    schedule = RetentionSchedule.objects.get(code=code)
    proposed = RetentionSchedule(pk=schedule.pk, **{name: changes.get(name, getattr(schedule, name))
                                                    for name in schedules.SCHEDULE_FIELDS})
    today = date(2026, 11, 23)
    expected = schedules.change_impact(schedules.new_expiries(schedule.records.all(), schedule=proposed), today)
    assert expected.records_moved > 0
    assert schedules.schedule_change_impact(schedule, changes, today) == expected


def test_a_minimum_preview_counts_what_the_record_by_record_count_gives(grid):
    _, minimums = grid
    minimum = minimums[1]
    proposed = LegalMinimum(pk=minimum.pk, code=minimum.code, citation="B", title="B", period_value=40, period_unit="months")
    carrying = Record.objects.filter(legal_minimum_links__minimum_id=minimum.pk)
    today = date(2026, 11, 23)
    expected = schedules.change_impact(schedules.new_expiries(carrying, minimum=proposed), today)
    assert expected.records_moved > 0
    assert schedules.sql_impact(expiry_sql.MINIMUM_SCOPE, [minimum.pk], today, minimum=proposed) == expected

"""The dashboard's running tallies (records.tallies) equal a fresh count of the records after every
kind of write, on SQLite and on PostgreSQL (each has its own triggers), and the dashboard reads them."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from records import schedules, services, sweep, tallies
from records.models import Department, ExpiryTally, Medium, Record, RetentionSchedule, Status, StatusTally, WaitingTally
from tests.factories import ScheduleFactory, make_record

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]


def assert_tallies_match_the_records():
    assert tallies.tallied_status_counts() == tallies.status_counts_from_records()
    assert tallies.tallied_expiry_counts() == tallies.expiry_counts_from_records()
    assert tallies.tallied_waiting_counts() == tallies.waiting_counts_from_records()


@pytest.fixture
def inventory(employee, outsider, netops):
    schedule = ScheduleFactory(code="TOLL", period_value=18)
    records = {
        "expired": [make_record(custodian=employee, schedule=schedule, trigger_date=date(2025, 1, 1)) for _ in range(3)],
        "current": make_record(custodian=employee, schedule=schedule, trigger_date=date(2026, 10, 1)),
        "event pending": make_record(custodian=outsider, trigger_date=None,
                                     schedule=ScheduleFactory(code="CLOSURE", trigger=RetentionSchedule.Trigger.EVENT)),
        "due": make_record(custodian=outsider, schedule=schedule, status=Status.DUE),
        "in custody": make_record(custodian=employee, schedule=schedule, medium=Medium.HARD_DISK,
                                  status=Status.IN_NETOPS_CUSTODY, netops=netops),
        "destroyed": make_record(custodian=employee, schedule=schedule, status=Status.DESTROYED),
    }
    assert StatusTally.objects.exists() and ExpiryTally.objects.exists()
    assert_tallies_match_the_records()
    return schedule, records


def test_lifecycle_moves_and_the_sweep_keep_the_tallies(inventory):
    assert sweep.retention_sweep(chunk_size=2).moved == 3
    assert_tallies_match_the_records()
    counts = tallies.tallied_status_counts()
    assert sum(n for (_, _, status), n in counts.items() if status == Status.DUE) == 4


def test_edits_schedule_changes_and_extensions_keep_the_tallies(inventory, records_manager, employee, outsider):
    schedule, records = inventory
    current = records["current"]
    services.record_update(actor=records_manager, record=current, department=outsider.department, custodian=outsider,
                           label_verification="visual", label_confirmed=True)
    assert_tallies_match_the_records()
    services.record_update(actor=employee, record=records["expired"][0], trigger_date=date(2026, 9, 1),
                           label_verification="visual", label_confirmed=True)
    assert_tallies_match_the_records()
    schedules.schedule_update(actor=records_manager, schedule=schedule, period_value=36)
    assert_tallies_match_the_records()
    services.record_extend_retention(actor=records_manager, record=records["due"], period_value=5,
                                     period_unit="years", reason="Litigation expected")
    assert Record.objects.get(pk=records["due"].pk).status == Status.ACTIVE
    assert_tallies_match_the_records()


def test_writes_outside_the_app_keep_the_tallies(inventory, other_department):
    """Whoever writes (a bulk update, a SQL session, a deletion), the database keeps the counts."""
    _, records = inventory
    Record.objects.filter(status=Status.ACTIVE).update(expiry_date=timezone.localdate() + timedelta(days=10))
    Record.objects.filter(pk=records["due"].pk).update(department=other_department, status=Status.ACTIVE)
    assert_tallies_match_the_records()
    Record.objects.filter(pk__in=[r.pk for r in records["expired"]]).delete()
    assert_tallies_match_the_records()


def test_rebuilding_recounts_tallies_gone_wrong(inventory):
    StatusTally.objects.update(count=99)
    ExpiryTally.objects.all().delete()
    WaitingTally.objects.update(count=7)
    tallies.rebuild_tallies()
    assert_tallies_match_the_records()


def test_the_dashboard_shows_the_tallies_of_the_departments_the_user_sees(client, inventory, employee, records_manager):
    _, records = inventory
    client.force_login(employee)
    mine = client.get(reverse("dashboard")).context["summary"]
    client.force_login(records_manager)
    everyone = client.get(reverse("dashboard")).context["summary"]
    billing = Department.objects.get(code="billing")
    assert dict(mine.status_counts) == {
        **{status: 0 for status in Status},
        Status.ACTIVE: 4, Status.IN_NETOPS_CUSTODY: 1, Status.DESTROYED: 1,
    }
    assert mine.total == Record.objects.filter(department=billing).count() == 6
    assert everyone.total == Record.objects.count() == 8
    # Of the active records with an expiry date, only "current" (2026-10-01 + 18 months) lies ahead.
    assert (mine.expiring_30, mine.expiring_90) == (0, 0)
    assert sum(bar.count for bar in everyone.expiries_by_month) == 0
    Record.objects.filter(pk=records["current"].pk).update(expiry_date=date(2027, 1, 10))
    soon = client.get(reverse("dashboard")).context["summary"]
    assert (soon.expiring_30, soon.expiring_90) == (0, 1)
    assert [bar.count for bar in soon.expiries_by_month][:3] == [0, 0, 1]


def test_the_schedule_list_counts_each_schedules_records_from_the_tallies(client, inventory, records_manager):
    schedule, _ = inventory
    client.force_login(records_manager)
    rows = {row.code: row for row in client.get(reverse("schedule-list")).context["schedules"]}
    on_toll = Record.objects.filter(schedule=schedule)
    assert rows["TOLL"].record_count == on_toll.exclude(status=Status.DESTROYED).count() == 6
    assert rows["TOLL"].due_count == on_toll.filter(status=Status.DUE).count() == 1
    assert (rows["CLOSURE"].record_count, rows["CLOSURE"].due_count) == (1, 0)


def test_an_employee_sees_schedule_counts_of_their_own_department(client, inventory, employee, outsider):
    schedule, _ = inventory
    make_record(custodian=outsider, schedule=schedule, status=Status.DUE)  # another department's
    client.force_login(employee)
    rows = {row.code: row for row in client.get(reverse("schedule-list")).context["schedules"]}
    mine = Record.objects.filter(schedule=schedule, department=employee.department)
    assert rows["TOLL"].record_count == mine.exclude(status=Status.DESTROYED).count()
    assert rows["TOLL"].due_count == mine.filter(status=Status.DUE).count()
    listed = client.get(reverse("record-list"), {"schedule": schedule.pk, "status": "due", "on_hold": "no"})
    assert listed.context["page"].paginator.count == rows["TOLL"].due_count, "the link lists what the count says"


def test_the_record_lists_count_comes_from_the_tallies_where_its_filters_allow(inventory, employee, records_manager,
                                                                              department):
    from records import selectors

    schedule, _ = inventory
    for user in (employee, records_manager):
        for filters in ({}, {"status": Status.ACTIVE}, {"status": Status.DUE}, {"department": department.pk},
                        {"schedule": schedule.pk, "status": Status.DESTROYED}, {"schedule": schedule.pk, "sort": "title"}):
            counted = selectors.record_list(user, **filters).count()
            assert selectors.tallied_record_count(user, **filters) == counted, (user, filters)
        assert selectors.tallied_record_count(user, search="x") is None
        assert selectors.tallied_record_count(user, medium=Medium.PAPER) is None
        assert selectors.tallied_record_count(user, expiry_to=date(2030, 1, 1)) is None
    assert selectors.tallied_record_count(employee) == Record.objects.filter(department=employee.department).count() == 6
    assert selectors.tallied_record_count(records_manager) == Record.objects.count() == 8

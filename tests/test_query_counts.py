"""The pages people use all day make the same number of queries with 3 records as with 30: their
query count does not grow with the number of records (no query per row). `make bench` measures
their time at a million records; this keeps the shape honest on every test run."""

from collections import Counter
from datetime import timedelta

import pytest
from dateutil.relativedelta import relativedelta
from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from records.models import Medium, Record, Status
from tests.factories import ScheduleFactory, make_record

# One of each kind the pages show, repeated: paper along its path, removable media along theirs.
KINDS = [
    (Status.ACTIVE, Medium.PAPER),
    (Status.DUE, Medium.PAPER),
    (Status.PENDING_SHRED, Medium.PAPER),
    (Status.AWAITING_HANDOVER, Medium.USB_DRIVE),
    (Status.IN_NETOPS_CUSTODY, Medium.HARD_DISK),
    (Status.DESTROYED, Medium.USB_DRIVE),
    (Status.DESTROYED, Medium.PAPER),
    (Status.DUE, Medium.TAPE),
]
SORTS = ["reference", "title", "status", "medium", "expiry", "created"]


@pytest.fixture
def schedule(db):
    return ScheduleFactory(code="TOLL-BILLING")


@pytest.fixture
def add_records(employee, netops, schedule):
    made = []

    def add(count):
        for _ in range(count):
            status, medium = KINDS[len(made) % len(KINDS)]
            made.append(make_record(custodian=employee, status=status, medium=medium, schedule=schedule,
                                    netops=netops, title=f"Toll detail printouts {len(made):03d}"))
        return made

    return add


def _queries(client, url):
    """The queries one request makes. (The log is emptied first: each request empties it as it
    starts, so a capture that begins on a non-empty log would lose the request's first queries.)"""
    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def _constant(client, url, add_records, django_assert_num_queries):
    """The count with 3 records, then the same count asserted with 30."""
    add_records(3)
    _queries(client, url)  # the first request of a session may differ (e.g. the session's own row)
    expected = _queries(client, url)
    add_records(27)
    assert Record.objects.count() == 30
    reset_queries()
    with django_assert_num_queries(expected):
        response = client.get(url)
    assert response.status_code == 200
    return expected


def test_dashboard_query_count_is_independent_of_n(client, records_manager, add_records, django_assert_num_queries):
    client.force_login(records_manager)
    _constant(client, reverse("dashboard"), add_records, django_assert_num_queries)


def test_employee_dashboard_query_count_is_independent_of_n(client, employee, add_records, django_assert_num_queries):
    client.force_login(employee)
    _constant(client, reverse("dashboard"), add_records, django_assert_num_queries)


@pytest.mark.parametrize("sort", SORTS + [f"-{sort}" for sort in SORTS])
def test_record_list_query_count_is_independent_of_n(
    client, records_manager, add_records, django_assert_num_queries, sort
):
    client.force_login(records_manager)
    _constant(client, f"{reverse('record-list')}?sort={sort}", add_records, django_assert_num_queries)


@pytest.mark.parametrize("filters", ["status=due&sort=expiry", "medium=paper&sort=title", "q=Toll&sort=-created"])
def test_filtered_record_list_query_count_is_independent_of_n(
    client, records_manager, add_records, django_assert_num_queries, filters
):
    client.force_login(records_manager)
    _constant(client, f"{reverse('record-list')}?{filters}", add_records, django_assert_num_queries)


def test_employee_record_list_query_count_is_independent_of_n(
    client, employee, add_records, django_assert_num_queries
):
    client.force_login(employee)
    _constant(client, reverse("record-list"), add_records, django_assert_num_queries)


def test_record_detail_query_count_is_independent_of_n(client, records_manager, add_records, django_assert_num_queries):
    """The same record's page (a sanitized medium: history, custody chain, destruction) with 3
    records in the database, then with 30."""
    client.force_login(records_manager)
    record = next(r for r in add_records(6) if r.status == Status.DESTROYED and r.medium != Medium.PAPER)
    url = reverse("record-detail", args=[record.reference])
    _queries(client, url)
    expected = _queries(client, url)
    add_records(24)
    reset_queries()
    with django_assert_num_queries(expected):
        assert client.get(url).status_code == 200


def test_netops_queue_query_count_is_independent_of_n(client, netops, add_records, django_assert_num_queries):
    client.force_login(netops)
    _constant(client, reverse("netops-queue"), add_records, django_assert_num_queries)


def test_dashboard_expiries_per_month_add_up(client, records_manager, employee, schedule):
    """The per-month bars (counted per day, added up per month) match the records themselves."""
    today = timezone.localdate()
    for n in range(12):
        make_record(custodian=employee, schedule=schedule, trigger_date=today - relativedelta(months=18) + timedelta(days=9 * n + 1))
    client.force_login(records_manager)
    summary = client.get(reverse("dashboard")).context["summary"]
    first = today.replace(day=1)
    expected = Counter(
        r.expiry_date.replace(day=1)
        for r in Record.objects.filter(status=Status.ACTIVE, expiry_date__gte=first, expiry_date__lt=first + relativedelta(months=12))
    )
    assert sum(expected.values()) == 12
    assert {bar.month: bar.count for bar in summary.expiries_by_month if bar.count} == dict(expected)
    assert max(bar.height for bar in summary.expiries_by_month) == 1

"""Plans PostgreSQL must be able to choose at a million records.

The app's statements are prepared once they have run five times on a connection (settings:
prepare_threshold), and each run is still planned for its own values
(plan_cache_mode=force_custom_plan). A generic plan, made once for any value, looked for the
latest run of the sweep (a rare audit action) by reading the whole chain backwards: 0.5 s a page
at 1.5 million events, against 0.7 ms.

The record list's search reads the records it finds through indexes (record_search_trgm_idx and
the custodian's), not every record: 1.4 s at a million records, then 20-50 ms."""

import pytest
from django.db import connection, transaction

from records import selectors, sweep_timetable
from records.audit import Entry, audit_events_record
from tests.factories import make_record

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's"),
]


def test_a_statement_run_again_and_again_is_planned_for_its_own_values(records_manager):
    audit_events_record(actor=records_manager, entries=[Entry("record.viewed") for _ in range(3000)])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE records_auditevent")
    for _ in range(12):
        assert sweep_timetable.last_runs(1) == []
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements "
                       "WHERE statement LIKE %s", ['%FROM "records_auditevent" WHERE "records_auditevent"."action" = $1%'])
        plans = cursor.fetchall()
    assert plans, "the sweep's latest runs are looked up by a prepared statement"
    assert [(generic, custom) for _, generic, custom in plans] == [(0, 7)]  # prepared at the 6th run, planned each time


@pytest.mark.parametrize("search", ["CPNI-2026", "ledger", "Smith", "SN 4411-x"])
def test_a_search_can_read_only_the_records_it_finds(records_manager, employee, search):
    make_record(custodian=employee, title="Ledger of calls")
    found = selectors.record_list(records_manager, search=search).order_by().values("pk")  # as the list counts
    with transaction.atomic(), connection.cursor() as cursor:
        # Only the plans that look records up by an index condition: each condition of the search
        # must have one, or the records are read one by one (a sequential scan).
        cursor.execute("SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = off; "
                       "SET LOCAL enable_indexonlyscan = off")
        plan = found.explain()
    assert "BitmapOr" in plan and "record_search_trgm_idx" in plan, plan
    assert "Seq Scan on records_record" not in plan, plan

"""Plans PostgreSQL must be able to choose at a million records.

The app's statements are prepared once they have run five times on a connection (settings:
prepare_threshold), and each run is still planned for its own values
(plan_cache_mode=force_custom_plan). A generic plan, made once for any value, looked for the
latest run of the sweep (a rare audit action) by reading the whole chain backwards: 0.5 s a page
at 1.5 million events, against 0.7 ms.

The record list's search reads the records it finds through indexes (record_search_trgm_idx and
the custodian's), not every record: 1.4 s at a million records, then 20-50 ms.

The hand-over page counts the due electronic media (and those of them on hold) from a partial
index of them alone (record_due_media_idx), not from the rows of every due record: 0.5 s at a
million records, then 40 ms."""

import pytest
from django.db import connection, transaction

from records import selectors, sweep_timetable
from records.audit import Entry, audit_events_record
from records.models import Medium, Status
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


@pytest.mark.parametrize("medium", [Medium.USB_DRIVE, Medium.PAPER])
def test_the_hand_over_page_counts_due_media_from_their_own_index(records_manager, employee, netops, medium):
    make_record(custodian=employee, status=Status.DUE, medium=medium, netops=netops)
    due = selectors.due_media_for_handover(records_manager)
    held = selectors._due_media_of(records_manager).filter(selectors.active_hold_exists())
    with transaction.atomic(), connection.cursor() as cursor:
        # A handful of rows plans like a million only if the other ways in are closed: the
        # record indexes that are no constraint's are dropped (rolled back at the end), so the
        # plan shows whether the page's conditions imply the partial index's own.
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'records_record' AND indexname <> "
                       "'record_due_media_idx' AND indexname NOT IN (SELECT conname FROM pg_constraint)")
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute("SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off")
        plans = [records.order_by().values("pk").explain() for records in (due, held)]  # as the page counts
        transaction.set_rollback(True)
    for plan in plans:
        assert "using record_due_media_idx on records_record" in plan, plan
    assert due.count() == (medium != Medium.PAPER)

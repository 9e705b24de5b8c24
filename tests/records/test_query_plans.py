"""On PostgreSQL the app's statements are prepared once they have run five times on a connection
(settings: prepare_threshold), and each run is still planned for its own values
(plan_cache_mode=force_custom_plan). A generic plan, made once for any value, looked for the
latest run of the sweep (a rare audit action) by reading the whole chain backwards: 0.5 s a page
at 1.5 million events, against 0.7 ms."""

import pytest
from django.db import connection

from records import sweep_timetable
from records.audit import Entry, audit_events_record

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

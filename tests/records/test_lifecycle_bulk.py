"""transition_many, the batch path of the lifecycle: its history rows are written set-based
(INSERT ... SELECT from the updated rows) and must be exactly what django-simple-history's
bulk_history_create writes for the same records."""

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from records import lifecycle
from records.audit import verify_chain
from records.models import AuditEvent, LabelCheck, Medium, Record, Status
from tests.factories import ScheduleFactory, make_record

HistoricalRecord = Record.history.model


def varied_records(employee, records_manager):
    """Records that between them fill every kind of column the history copies: text with quotes,
    tabs and non-ASCII, JSON lists, nullable dates and foreign keys, set and unset."""
    schedule = ScheduleFactory(code="TOLL", period_value=18)
    plain = make_record(custodian=employee, schedule=schedule, trigger_date=date(2025, 1, 1))
    rich = make_record(
        custodian=employee, schedule=schedule, trigger_date=date(2025, 2, 3), medium=Medium.USB_DRIVE,
        title="Ledger 'Q1'\tnorth — Zürich ☎", notes='Line one\nline "two" \\ back', customer_reference="ACCT-77",
        cpni_categories=["billing", "destination"], media_serial_number="SN-42",
    )
    no_cpni = make_record(
        custodian=employee, schedule=schedule, trigger_date=date(2025, 3, 4), contains_cpni=False,
        cpni_categories=[], label_verification="", label_confirmed=False,
    )
    check = LabelCheck.objects.create(
        file_name="scan.pdf", size=10, sha256="a" * 64, kind="pdf", outcome=LabelCheck.Outcome.LABELLED,
        reason="marked", checked_by=records_manager, checked_at=timezone.now(), record=rich,
    )
    Record.objects.filter(pk=rich.pk).update(label_check=check)
    return [plain, rich, no_cpni]


def history_values(rows):
    return [{k: v for k, v in row.items() if k != "history_id"} for row in rows]


@pytest.mark.django_db
@pytest.mark.parametrize("with_user", [False, True], ids=["system", "person"])
def test_set_based_history_rows_equal_what_bulk_history_create_writes(employee, records_manager, with_user):
    ids = [record.pk for record in varied_records(employee, records_manager)]
    user = records_manager if with_user else None
    now = timezone.now()
    Record.objects.filter(pk__in=ids).update(status=Status.DUE, status_changed_at=now, updated_at=now)
    fields = [f.attname for f in HistoricalRecord._meta.concrete_fields]

    with transaction.atomic():
        Record.history.bulk_history_create(
            Record.objects.filter(pk__in=ids).order_by("pk"), update=True, default_user=user,
            default_change_reason="retention period ended", default_date=now,
        )
        expected = history_values(HistoricalRecord.objects.filter(history_date=now).order_by("history_id").values(*fields))
        transaction.set_rollback(True)

    lifecycle.write_history_rows(Record, ids, history_type="~", user=user, change_reason="retention period ended", date=now)
    written = history_values(HistoricalRecord.objects.filter(history_date=now).order_by("history_id").values(*fields))

    assert len(written) == 3
    assert written == expected
    assert [row["id"] for row in written] == sorted(ids), "in order of pk, as bulk_history_create writes them"
    assert {row["history_user_id"] for row in written} == {user.pk if user else None}


@pytest.mark.django_db
def test_the_history_copies_every_tracked_field_and_refuses_one_it_does_not_know():
    columns = lifecycle.history_columns(Record)
    own = {HistoricalRecord._meta.get_field(name).column for name in lifecycle.HISTORY_OWN_FIELDS}
    assert {target for target, _ in columns} == {f.column for f in HistoricalRecord._meta.concrete_fields} - own
    assert "updated_at" not in {source for _, source in columns}, "excluded from the history"

    field = SimpleNamespace
    history = SimpleNamespace(
        __name__="HistoricalThing", tracked_fields=[field(name="id")],
        _meta=SimpleNamespace(concrete_fields=[field(name="id"), field(name="history_id"), field(name="history_ip")]),
    )
    with pytest.raises(ImproperlyConfigured, match="history_ip"):
        lifecycle.history_columns(SimpleNamespace(history=SimpleNamespace(model=history)))


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen_today")
def test_a_batch_leaves_history_and_events_like_single_transitions(employee, records_manager):
    records = varied_records(employee, records_manager)
    one = records[0]
    lifecycle.transition(one, "expire", actor=None, reason="retention period ended")
    moved = lifecycle.transition_many([r.pk for r in records], "expire", actor=None, reason="retention period ended")
    assert [r.pk for r in moved] == [r.pk for r in records[1:]], "the one already due is left alone"

    single = one.history.latest()
    for record in records[1:]:
        latest = Record.objects.get(pk=record.pk).history.latest()
        for name in ("status", "history_type", "history_change_reason", "history_user_id"):
            assert getattr(latest, name) == getattr(single, name)
        assert latest.title == record.title and latest.label_check_id == Record.objects.get(pk=record.pk).label_check_id
        assert latest.status_changed_at == Record.objects.get(pk=record.pk).status_changed_at
    events = AuditEvent.objects.filter(action="record.expire").order_by("sequence")
    assert [e.object_id for e in events] == [str(r.pk) for r in records]
    assert events.last().object_repr == str(records[-1])
    assert verify_chain().ok


@pytest.mark.django_db
def test_a_batch_takes_the_same_queries_for_few_records_and_for_many(employee):
    """The candidates are loaded with the fields the checks read and no more: a check that read
    another field would load it once per record."""
    schedule = ScheduleFactory(code="TOLL", period_value=18)
    few = [make_record(custodian=employee, schedule=schedule, trigger_date=date(2025, 1, 1)).pk for _ in range(2)]
    many = [make_record(custodian=employee, schedule=schedule, trigger_date=date(2025, 1, 1)).pk for _ in range(9)]
    queries = []
    for ids in (few, many):
        with CaptureQueriesContext(connection) as captured:
            assert len(lifecycle.transition_many(ids, "expire", actor=None)) == len(ids)
        queries.append(len(captured))
    assert queries[0] == queries[1]


@pytest.mark.django_db
def test_a_person_moving_a_batch_is_checked_per_record_and_named_in_the_history(employee, colleague, records_manager):
    due = [make_record(custodian=employee, status=Status.DUE) for _ in range(2)]
    mine = make_record(custodian=colleague, status=Status.DUE)
    moved = lifecycle.transition_many([r.pk for r in [*due, mine]], "extend_retention", actor=records_manager,
                                      reason="schedule changed")
    assert len(moved) == 3
    for record in [*due, mine]:
        latest = Record.objects.get(pk=record.pk).history.latest()
        assert latest.status == Status.ACTIVE and latest.history_user == records_manager
        assert latest.history_change_reason == "schedule changed"
    assert AuditEvent.objects.filter(action="record.extend_retention", actor=records_manager).count() == 3


@pytest.mark.django_db
def test_nothing_to_move_writes_nothing(employee):
    record = make_record(custodian=employee, trigger_date=timezone.localdate() - timedelta(days=1))
    history, events = record.history.count(), AuditEvent.objects.count()
    assert lifecycle.transition_many([record.pk], "extend_retention", actor=None) == []
    assert record.history.count() == history and AuditEvent.objects.count() == events



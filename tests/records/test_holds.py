import csv
import io
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from records import exports, holds, lifecycle, sweep
from records.csv_export import CsvStream
from records.models import AuditEvent, LegalHold, Record, Status
from tests.factories import ScheduleFactory, make_record

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]


@pytest.fixture
def expired(employee):
    """Three paper records whose retention ran out on 2026-07-01."""
    schedule = ScheduleFactory(code="TOLL", period_value=18)
    return [make_record(custodian=employee, schedule=schedule, trigger_date=date(2025, 1, 1), title=f"R{i}") for i in range(3)]


def place(actor, records, matter="Smith v. Carrier"):
    return holds.hold_place(
        actor=actor, matter=matter, reason="litigation", scope="test",
        records=Record.objects.filter(pk__in=[r.pk for r in records]),
    )


def test_held_records_never_become_due(records_manager, expired):
    place(records_manager, expired[:2])
    result = sweep.retention_sweep()
    assert result.moved == 1
    assert [Record.objects.get(pk=r.pk).status for r in expired] == [Status.ACTIVE, Status.ACTIVE, Status.DUE]


def test_held_records_cannot_be_destroyed_in_any_state(records_manager, employee, netops):
    from records.models import Medium

    paper = make_record(custodian=employee, status=Status.PENDING_SHRED)
    disk = make_record(custodian=employee, status=Status.IN_NETOPS_CUSTODY, medium=Medium.HARD_DISK, netops=netops)
    due = make_record(custodian=employee, status=Status.DUE)
    place(records_manager, [paper, disk, due])
    for record, step, actor in [(paper, "confirm_shredding", employee), (disk, "confirm_media_destruction", netops),
                                (due, "mark_for_shredding", employee)]:
        with pytest.raises(lifecycle.TransitionNotAllowed, match="legal hold"):
            lifecycle.transition(record, step, actor=actor)
    assert Record.objects.filter(status=Status.DESTROYED).count() == 0


def test_releasing_the_last_hold_lets_the_next_sweep_take_the_record(records_manager, expired):
    first = place(records_manager, expired[:1], "First matter")
    second = place(records_manager, expired[:1], "Second matter")
    holds.hold_release(actor=records_manager, hold=first, reason="settled")
    sweep.retention_sweep()
    assert Record.objects.get(pk=expired[0].pk).status == Status.ACTIVE, "still under the second hold"
    holds.hold_release(actor=records_manager, hold=second, reason="closed")
    sweep.retention_sweep()
    assert Record.objects.get(pk=expired[0].pk).status == Status.DUE


def test_hold_and_release_are_audited_per_record_with_reasons(records_manager, expired):
    hold = place(records_manager, expired)
    assert AuditEvent.objects.filter(action="record.hold_placed").count() == 3
    assert AuditEvent.objects.get(action="hold.placed").payload["records"] == 3
    with pytest.raises(ValidationError):
        holds.hold_release(actor=records_manager, hold=hold, reason="")
    hold = holds.hold_release(actor=records_manager, hold=hold, reason="matter closed")
    assert hold.released_by == records_manager and hold.release_reason == "matter closed"
    assert AuditEvent.objects.filter(action="record.hold_released").count() == 3
    with pytest.raises(ValidationError, match="already released"):
        holds.hold_release(actor=records_manager, hold=hold, reason="again")


def test_destroyed_records_are_not_held_and_a_hold_needs_records(records_manager, employee):
    destroyed = make_record(custodian=employee, status=Status.DESTROYED)
    with pytest.raises(ValidationError, match="destroyed records cannot be held"):
        place(records_manager, [destroyed])
    assert not LegalHold.objects.exists()


def test_unknown_references_are_named(records_manager, expired):
    with pytest.raises(ValidationError) as excinfo:
        holds.records_by_references(f"{expired[0].reference}, CPNI-2026-999999")
    assert "CPNI-2026-999999" in excinfo.value.message_dict["references"][0]
    assert holds.records_by_references(expired[0].reference.lower()).get() == expired[0]


@pytest.mark.parametrize("role", ["employee", "netops", "auditor", "officer"])
def test_only_records_managers_place_and_release_holds(request, role, records_manager, expired):
    actor = request.getfixturevalue(role)
    with pytest.raises(PermissionDenied):
        place(actor, expired)
    hold = place(records_manager, expired)
    with pytest.raises(PermissionDenied):
        holds.hold_release(actor=actor, hold=hold, reason="x")
    assert LegalHold.objects.get().is_active


def test_hold_report_lists_every_record_covered(records_manager, expired):
    hold = place(records_manager, expired)
    body = b"".join(CsvStream(exports.hold_report_export(hold))).decode()
    header, *data = list(csv.reader(io.StringIO(body)))
    assert [row[header.index("reference")] for row in data] == [r.reference for r in expired]
    assert {row[header.index("placed_by")] for row in data} == {records_manager.get_full_name()}


def test_the_hold_list_and_a_holds_page_count_each_holds_own_records(client, records_manager, employee):
    """Each hold's records are counted from its own rows, a released hold's too, for the holds of
    the page only; a hold's page pages through exactly its records."""
    records = [make_record(custodian=employee) for _ in range(3)]
    first = place(records_manager, records)
    second = place(records_manager, records[:1], matter="Jones v. Carrier")
    holds.hold_release(actor=records_manager, hold=second, reason="Settled")
    client.force_login(records_manager)
    listed = client.get(reverse("hold-list")).context["page"].object_list
    assert {hold.pk: hold.record_count for hold in listed} == {first.pk: 3, second.pk: 1}  # a released hold keeps its rows
    page = client.get(reverse("hold-detail", args=[first.pk])).context["page"]
    assert page.paginator.count == 3
    assert [r.pk for r in page.object_list] == [r.pk for r in sorted(records, key=lambda r: r.reference)]

"""Expiry dates: derived from schedule and trigger, floored by the legal minimum, extended with a
reason, and recomputed when a schedule changes."""

from datetime import date

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.test.utils import CaptureQueriesContext

from records import holds, schedules, services
from records.models import AuditEvent, LegalMinimum, Record, RetentionSchedule, Status
from records.retention import expiry_date_for
from tests.factories import ScheduleFactory, make_record

TODAY = "2026-11-23 12:00 -0500"


def test_expiry_counts_from_the_trigger_date():
    schedule = RetentionSchedule(period_value=18, period_unit="months")
    assert expiry_date_for(schedule, date(2025, 1, 31)) == date(2026, 7, 31)
    assert expiry_date_for(RetentionSchedule(period_value=90, period_unit="days"), date(2026, 1, 1)) == date(2026, 4, 1)
    assert expiry_date_for(RetentionSchedule(period_value=1, period_unit="years"), date(2024, 2, 29)) == date(2025, 2, 28)


def test_legal_minimum_is_a_floor_not_a_ceiling():
    short = RetentionSchedule(period_value=6, period_unit="months", legal_minimum_value=18, legal_minimum_unit="months")
    long = RetentionSchedule(period_value=3, period_unit="years", legal_minimum_value=18, legal_minimum_unit="months")
    assert expiry_date_for(short, date(2026, 1, 1)) == date(2027, 7, 1)
    assert expiry_date_for(long, date(2026, 1, 1)) == date(2029, 1, 1)


def test_no_trigger_no_expiry_and_extensions_add_up():
    schedule = RetentionSchedule(period_value=1, period_unit="years")
    assert expiry_date_for(schedule, None) is None
    assert expiry_date_for(schedule, date(2026, 1, 1), [(6, "months"), (10, "days")]) == date(2027, 7, 11)


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen_today")
class TestScheduleChange:
    def _records(self, employee):
        schedule = ScheduleFactory(code="TOLL", period_value=18, period_unit="months")
        active = make_record(custodian=employee, schedule=schedule, trigger_date=date(2025, 1, 1))  # expires 2026-07-01
        due = make_record(custodian=employee, schedule=schedule, trigger_date=date(2025, 1, 1), status=Status.DUE)
        fresh = make_record(custodian=employee, schedule=schedule, trigger_date=date(2026, 10, 1))  # expires 2028-04-01
        return schedule, active, due, fresh

    def test_preview_counts_what_the_change_would_do_and_changes_nothing(self, employee):
        schedule, active, due, fresh = self._records(employee)
        impact = schedules.schedule_change_impact(schedule, {"period_value": 24})
        assert impact.records_moved == 3
        assert impact.return_to_active == 1  # the due record would now expire 2027-01-01
        assert impact.become_due == 0
        shorter = schedules.schedule_change_impact(schedule, {"period_value": 1})
        assert shorter.become_due == 1  # the fresh record would expire 2026-11-01: past
        assert Record.objects.get(pk=fresh.pk).expiry_date == date(2028, 4, 1)
        assert RetentionSchedule.objects.get(pk=schedule.pk).period_value == 18

    def test_saving_recomputes_every_expiry_with_history_and_returns_due_records_to_active(self, employee, records_manager):
        schedule, active, due, fresh = self._records(employee)
        saved, impact = schedules.schedule_update(actor=records_manager, schedule=schedule, period_value=24)
        assert saved.period_value == 24 and impact.records_moved == 3 and impact.return_to_active == 1
        assert Record.objects.get(pk=active.pk).expiry_date == date(2027, 1, 1)
        assert Record.objects.get(pk=fresh.pk).expiry_date == date(2028, 10, 1)
        due.refresh_from_db()
        assert due.status == Status.ACTIVE and due.expiry_date == date(2027, 1, 1)
        latest = Record.objects.get(pk=fresh.pk).history.latest()
        assert latest.history_user == records_manager and latest.history_change_reason == "schedule TOLL changed"
        assert AuditEvent.objects.filter(action="record.extend_retention", object_id=str(due.pk)).count() == 1
        event = AuditEvent.objects.get(action="schedule.updated")
        assert event.payload["changes"] == {"period_value": [18, 24]} and event.payload["records_moved"] == 3

    def test_legal_minimum_change_moves_expiry_too(self, employee, records_manager):
        schedule, active, _, _ = self._records(employee)
        schedules.schedule_update(actor=records_manager, schedule=schedule, legal_minimum_value=3, legal_minimum_unit="years")
        assert Record.objects.get(pk=active.pk).expiry_date == date(2028, 1, 1)

    def test_title_change_moves_nothing(self, employee, records_manager):
        schedule, active, _, _ = self._records(employee)
        history = active.history.count()
        _, impact = schedules.schedule_update(actor=records_manager, schedule=schedule, title="Toll records")
        assert impact.records_moved == 0 and active.history.count() == history

    @pytest.mark.parametrize(
        "changes, field",
        [({"period_value": 0}, "period_value"), ({"trigger": "event", "trigger_event": ""}, "trigger_event"),
         ({"legal_minimum_value": 5, "legal_minimum_unit": ""}, "legal_minimum_unit"),
         ({"applicable_media": ["floppy"]}, "applicable_media")],
    )
    def test_invalid_schedule_is_refused_and_nothing_moves(self, employee, records_manager, changes, field):
        schedule, active, _, _ = self._records(employee)
        with pytest.raises(ValidationError) as excinfo:
            schedules.schedule_update(actor=records_manager, schedule=schedule, **changes)
        assert field in excinfo.value.message_dict
        assert RetentionSchedule.objects.get(pk=schedule.pk).period_value == 18
        assert Record.objects.get(pk=active.pk).expiry_date == date(2026, 7, 1)

    def test_a_code_another_schedule_has_is_refused(self, employee, records_manager):
        schedule, active, _, _ = self._records(employee)
        ScheduleFactory(code="EMAIL")
        with pytest.raises(ValidationError) as excinfo:
            schedules.schedule_update(actor=records_manager, schedule=schedule, code="EMAIL", period_value=24)
        assert "code" in excinfo.value.message_dict
        assert RetentionSchedule.objects.get(pk=schedule.pk).code != "EMAIL"
        assert Record.objects.get(pk=active.pk).expiry_date == date(2026, 7, 1)

    def test_a_change_valid_alone_but_not_with_one_saved_meanwhile_is_refused(self, employee, records_manager):
        """The change is validated before the schedule is locked, and again under the lock when the
        schedule was changed in between: here another records manager removed the legal minimum,
        so a new minimum value would have no unit."""
        schedule, active, _, _ = self._records(employee)
        RetentionSchedule.objects.filter(pk=schedule.pk).update(legal_minimum_value=2, legal_minimum_unit="years")
        schedule.refresh_from_db()
        RetentionSchedule.objects.filter(pk=schedule.pk).update(legal_minimum_value=None, legal_minimum_unit="")
        with pytest.raises(ValidationError) as excinfo:
            schedules.schedule_update(actor=records_manager, schedule=schedule, legal_minimum_value=5)
        assert excinfo.value.message_dict == {"legal_minimum_unit": ["Give the unit of the legal minimum."]}
        saved = RetentionSchedule.objects.get(pk=schedule.pk)
        assert (saved.legal_minimum_value, saved.legal_minimum_unit) == (None, "")
        assert Record.objects.get(pk=active.pk).expiry_date == date(2026, 7, 1)
        assert not AuditEvent.objects.filter(action="schedule.updated").exists()

    @pytest.mark.parametrize("role", ["employee", "netops", "auditor", "officer"])
    def test_only_records_managers_change_schedules(self, request, role, employee):
        schedule, *_ = self._records(employee)
        with pytest.raises(PermissionDenied):
            schedules.schedule_update(actor=request.getfixturevalue(role), schedule=schedule, period_value=1)
        with pytest.raises(PermissionDenied):
            schedules.schedule_create(actor=request.getfixturevalue(role), code="X", title="X", period_value=1)


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen_today")
class TestExtension:
    def test_extension_needs_a_reason_and_is_recorded(self, employee, records_manager):
        record = make_record(custodian=employee, trigger_date=date(2025, 1, 1), schedule=ScheduleFactory(period_value=18))
        with pytest.raises(ValidationError) as excinfo:
            services.record_extend_retention(actor=records_manager, record=record, period_value=6, period_unit="months", reason=" ")
        assert "reason" in excinfo.value.message_dict
        record = services.record_extend_retention(
            actor=records_manager, record=record, period_value=6, period_unit="months", reason="FCC inquiry"
        )
        assert record.expiry_date == date(2027, 1, 1)
        extension = record.extensions.get()
        assert extension.extended_by == records_manager and extension.reason == "FCC inquiry"
        event = AuditEvent.objects.get(action="record.retention_extended")
        assert event.payload["reason"] == "FCC inquiry" and event.payload["expiry"] == ["2026-07-01", "2027-01-01"]

    def test_extending_a_due_record_returns_it_to_active(self, employee, records_manager):
        record = make_record(custodian=employee, status=Status.DUE, trigger_date=date(2025, 1, 1))
        record = services.record_extend_retention(
            actor=records_manager, record=record, period_value=1, period_unit="years", reason="litigation expected"
        )
        assert record.status == Status.ACTIVE

    def test_extension_survives_a_schedule_change(self, employee, records_manager):
        schedule = ScheduleFactory(code="S", period_value=12)
        record = make_record(custodian=employee, schedule=schedule, trigger_date=date(2026, 1, 1))
        services.record_extend_retention(actor=records_manager, record=record, period_value=2, period_unit="months", reason="audit")
        schedules.schedule_update(actor=records_manager, schedule=schedule, period_value=24)
        assert Record.objects.get(pk=record.pk).expiry_date == date(2028, 3, 1)

    def test_records_on_their_way_to_destruction_cannot_be_extended(self, employee, records_manager):
        record = make_record(custodian=employee, status=Status.PENDING_SHRED)
        with pytest.raises(ValidationError, match="being destroyed"):
            services.record_extend_retention(actor=records_manager, record=record, period_value=1, period_unit="years", reason="x")

    @pytest.mark.parametrize("role", ["employee", "netops", "auditor", "officer"])
    def test_only_records_managers_extend(self, request, role, employee):
        record = make_record(custodian=employee)
        with pytest.raises(PermissionDenied):
            services.record_extend_retention(actor=request.getfixturevalue(role), record=record, period_value=1, period_unit="years", reason="x")
        assert not record.extensions.exists()


# A violating example of each check constraint of the models that state them in clean()
# (records.models.schedules.ChecksStatedInClean), and the field its message is on.
CHECKS_STATED_IN_CLEAN = {
    "schedule_period_positive": (RetentionSchedule, {"period_value": 0}, "period_value"),
    "schedule_legal_minimum_has_unit": (RetentionSchedule, {"legal_minimum_value": 3, "legal_minimum_unit": ""},
                                        "legal_minimum_unit"),
    "legal_minimum_period_positive": (LegalMinimum, {"period_value": 0}, "period_value"),
}


def test_every_check_constraint_stated_in_clean_has_its_example():
    assert set(CHECKS_STATED_IN_CLEAN) == {
        constraint.name for model in (RetentionSchedule, LegalMinimum) for constraint in model._meta.constraints
        if isinstance(constraint, models.CheckConstraint)
    }


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(CHECKS_STATED_IN_CLEAN))
def test_a_check_constraint_is_refused_by_validation_without_asking_the_database(name):
    """The row the constraint forbids is refused with a message on its field, without a query;
    and the database, asked to store it anyway, refuses it too."""
    model, values, field = CHECKS_STATED_IN_CLEAN[name]
    valid = {RetentionSchedule: {"code": "CHECKED", "title": "Checked", "period_value": 18, "period_unit": "months"},
             LegalMinimum: {"code": "CHECKED", "citation": "47 CFR 0.0", "title": "Checked", "period_value": 2,
                            "period_unit": "years"}}[model]
    model(**valid).full_clean()
    instance = model(**{**valid, **values})
    with CaptureQueriesContext(connection) as queries, pytest.raises(ValidationError) as excinfo:
        instance.full_clean(validate_unique=False)
    assert field in excinfo.value.message_dict and not queries.captured_queries
    with pytest.raises(IntegrityError, match=name), transaction.atomic():
        instance.save()


def test_a_legal_minimum_of_nought_is_refused_with_or_without_a_unit():
    for unit in ("", "years"):
        schedule = RetentionSchedule(code="NOUGHT", title="Nought", period_value=18, period_unit="months",
                                     legal_minimum_value=0, legal_minimum_unit=unit)
        with pytest.raises(ValidationError) as excinfo:
            schedule.full_clean(validate_unique=False)
        assert excinfo.value.message_dict == {"legal_minimum_value": ["A legal minimum is at least 1; leave it empty for none."]}


@pytest.mark.django_db
def test_a_held_record_is_not_counted_as_becoming_due(employee, records_manager):
    with time_machine.travel(TODAY):
        schedule = ScheduleFactory(code="H", period_value=18)
        record = make_record(custodian=employee, schedule=schedule, trigger_date=date(2026, 1, 1))
        holds.hold_place(actor=records_manager, matter="M", reason="R", records=Record.objects.filter(pk=record.pk), scope="test")
        assert schedules.schedule_change_impact(schedule, {"period_value": 1}).become_due == 0

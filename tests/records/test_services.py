from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from records import services
from records.models import AuditEvent, LabelCheck, LabelVerification, Medium, Record, RetentionSchedule, Status
from tests.documents import docx_bytes, pdf_bytes
from records.roles import Role
from tests.factories import ScheduleFactory, UserFactory, make_record


def create(actor, **overrides):
    values = dict(
        actor=actor,
        title="Toll detail printouts",
        medium=Medium.PAPER,
        department=actor.department,
        custodian=actor,
        location="HQ cabinet 3",
        schedule=ScheduleFactory(code="TOLL", period_value=18, period_unit="months"),
        trigger_date=date(2026, 1, 15),
        cpni_categories=["billing"],
        label_verification=LabelVerification.VISUAL,
        label_confirmed=True,
    )
    values.update(overrides)
    return services.record_create(**values)


def errors_of(excinfo):
    return excinfo.value.message_dict


@pytest.mark.django_db
class TestCreate:
    def test_logs_an_active_record_with_derived_expiry_history_and_audit(self, employee):
        record = create(employee)
        assert record.status == Status.ACTIVE
        assert record.expiry_date == date(2027, 7, 15)
        assert record.label_attested_by == employee and record.label_verification == "visual"
        created = record.history.get()
        assert created.history_type == "+" and created.history_user == employee
        event = AuditEvent.objects.get(action="record.created")
        assert event.actor == employee and event.payload["title"] == "Toll detail printouts"

    @time_machine.travel("2026-11-23 12:00 -0500")
    def test_references_are_numbered_per_year(self, employee):
        first, second = create(employee), create(employee)
        assert (first.reference, second.reference) == ("CPNI-2026-000001", "CPNI-2026-000002")
        with time_machine.travel("2027-01-01 00:05 -0500"):
            assert create(employee).reference == "CPNI-2027-000001"

    def test_legal_minimum_is_a_floor_for_expiry(self, employee):
        schedule = ScheduleFactory(
            code="SHORT", period_value=6, period_unit="months", legal_minimum_value=18, legal_minimum_unit="months"
        )
        assert create(employee, schedule=schedule).expiry_date == date(2027, 7, 15)

    def test_event_triggered_record_has_no_expiry_until_the_event(self, employee):
        schedule = ScheduleFactory(code="CLOSED", period_value=3, period_unit="years",
                                   trigger=RetentionSchedule.Trigger.EVENT, trigger_event="account closure")
        record = create(employee, schedule=schedule, trigger_date=None)
        assert record.expiry_date is None
        record = services.record_update(actor=employee, record=record, trigger_date=date(2026, 3, 1))
        assert record.expiry_date == date(2029, 3, 1)

    @pytest.mark.parametrize(
        "overrides, field, message",
        [
            ({"trigger_date": date.today() + timedelta(days=2)}, "trigger_date", "cannot be in the future"),
            ({"trigger_date": None}, "trigger_date", "creation date"),
            ({"medium": Medium.USB_DRIVE, "media_serial_number": ""}, "media_serial_number", "serial number"),
            ({"medium": Medium.PAPER, "media_serial_number": "SN-1"}, "media_serial_number", "Paper records"),
            ({"cpni_categories": []}, "cpni_categories", "kinds of CPNI"),
            ({"cpni_categories": ["gossip"]}, "cpni_categories", "Unknown"),
            ({"label_verification": ""}, "label_verification", "CONFIDENTIAL label attestation"),
            ({"label_confirmed": False}, "label_confirmed", "CONFIDENTIAL marking"),
            ({"label_verification": LabelVerification.FILE_CHECK}, "label_document", "Choose the document"),
        ],
    )
    def test_bad_input_is_refused_with_a_message_and_nothing_saved(self, employee, overrides, field, message):
        with pytest.raises(ValidationError) as excinfo:
            create(employee, **overrides)
        assert message in " ".join(errors_of(excinfo)[field])
        assert not Record.objects.exists()
        assert not AuditEvent.objects.filter(action="record.created").exists()

    def test_schedule_that_does_not_apply_to_the_medium_is_refused(self, employee):
        paper_only = ScheduleFactory(code="BREACH", applicable_media=[Medium.PAPER, Medium.EMAIL])
        with pytest.raises(ValidationError) as excinfo:
            create(employee, schedule=paper_only, medium=Medium.TAPE, media_serial_number="T-1")
        assert "does not apply to tape" in errors_of(excinfo)["schedule"][0]

    def test_custodian_must_belong_to_the_department(self, employee, outsider):
        with pytest.raises(ValidationError) as excinfo:
            create(employee, custodian=outsider)
        assert "not a member of Billing" in errors_of(excinfo)["custodian"][0]

    def test_a_custodian_must_be_in_a_role_that_holds_records(self, employee, records_manager, department):
        """The form offers only them; the service (and so the API and the import) refuses the others."""
        auditor_here = UserFactory(username="audra", role=Role.AUDITOR, department=department)
        with pytest.raises(ValidationError) as excinfo:
            create(employee, custodian=auditor_here)
        assert "holds no records and cannot be a custodian" in errors_of(excinfo)["custodian"][0]
        assert not Record.objects.exists()
        assert create(records_manager, department=department, custodian=employee).custodian == employee

    def test_record_without_cpni_needs_no_label(self, employee):
        record = create(employee, contains_cpni=False, cpni_categories=[], label_verification="")
        assert record.label_attested_at is None

    def test_employee_cannot_log_for_another_department(self, employee, other_department):
        with pytest.raises(PermissionDenied):
            create(employee, department=other_department)
        assert not Record.objects.exists()

    @pytest.mark.parametrize("role_fixture", ["netops", "auditor", "officer"])
    def test_roles_that_do_not_log_records_are_refused(self, role_fixture, request, employee):
        actor = request.getfixturevalue(role_fixture)
        with pytest.raises(PermissionDenied):
            create(actor, department=employee.department, custodian=employee)
        assert not Record.objects.exists()


@pytest.mark.django_db
class TestFileCheck:
    def test_labelled_pdf_is_accepted_and_only_its_fingerprint_kept(self, employee):
        data = pdf_bytes(["Toll detail for account 1234"], header="CONFIDENTIAL")
        record = create(employee, medium=Medium.FILE_SHARE, label_verification=LabelVerification.FILE_CHECK,
                        label_document=("tolls.pdf", data))
        check = record.label_check
        assert record.label_verification == "file_check"
        assert check.outcome == LabelCheck.Outcome.LABELLED and check.record == record
        assert check.size == len(data) and len(check.sha256) == 64 and check.file_name == "tolls.pdf"

    def test_unlabelled_docx_is_refused_but_the_failed_check_is_recorded(self, employee):
        data = docx_bytes(["Customer call records for March"])
        with pytest.raises(ValidationError) as excinfo:
            create(employee, medium=Medium.EMAIL, label_verification=LabelVerification.FILE_CHECK,
                   label_document=("calls.docx", data))
        message = errors_of(excinfo)["label_document"][0]
        assert "calls.docx" in message and "stamped copy" in message
        assert not Record.objects.exists()
        failed = LabelCheck.objects.get()
        assert failed.outcome == LabelCheck.Outcome.NOT_LABELLED and failed.record is None

    def test_corrupt_pdf_is_refused_as_unreadable(self, employee):
        with pytest.raises(ValidationError) as excinfo:
            create(employee, medium=Medium.EMAIL, label_verification=LabelVerification.FILE_CHECK,
                   label_document=("broken.pdf", b"%PDF-1.7\nthis is not really a pdf"))
        assert "broken.pdf" in errors_of(excinfo)["label_document"][0]
        assert LabelCheck.objects.get().outcome == LabelCheck.Outcome.UNREADABLE
        assert not Record.objects.exists()


@pytest.mark.django_db
class TestUpdate:
    def test_edit_writes_history_with_the_editor_and_old_and_new_values(self, employee, records_manager):
        record = create(employee)
        record = services.record_update(actor=records_manager, record=record, location="Records room", title="Tolls")
        latest, previous = record.history.all()[:2]
        assert latest.history_user == records_manager and latest.history_change_reason == "edited"
        changed = {c.field: (c.old, c.new) for c in latest.diff_against(previous).changes}
        assert changed == {"location": ("HQ cabinet 3", "Records room"), "title": ("Toll detail printouts", "Tolls")}
        event = AuditEvent.objects.get(action="record.updated")
        assert event.payload["location"] == ["HQ cabinet 3", "Records room"]

    def test_nothing_changed_writes_nothing(self, employee):
        record = create(employee)
        services.record_update(actor=employee, record=record, title=record.title, location=record.location)
        assert record.history.count() == 1
        assert not AuditEvent.objects.filter(action="record.updated").exists()

    def test_schedule_change_recomputes_expiry(self, employee):
        record = create(employee)
        record = services.record_update(actor=employee, record=record, schedule=ScheduleFactory(code="Y2", period_value=2, period_unit="years"))
        assert record.expiry_date == date(2028, 1, 15)

    def test_retention_is_frozen_once_the_record_is_due(self, employee):
        record = make_record(custodian=employee, status=Status.DUE)
        with pytest.raises(ValidationError) as excinfo:
            services.record_update(actor=employee, record=record, trigger_date=date(2026, 6, 1))
        assert "only be changed while the record is active" in errors_of(excinfo)["trigger_date"][0]

    def test_destroyed_record_cannot_be_edited(self, employee):
        record = make_record(custodian=employee, status=Status.DESTROYED)
        with pytest.raises(ValidationError, match="destroyed"):
            services.record_update(actor=employee, record=record, notes="tamper")
        assert Record.objects.get(pk=record.pk).notes == ""

    def test_employee_cannot_edit_or_move_records_across_departments(self, employee, outsider, other_department):
        record = create(employee)
        with pytest.raises(PermissionDenied):
            services.record_update(actor=outsider, record=record, title="mine now")
        with pytest.raises(PermissionDenied):
            services.record_update(actor=employee, record=record, department=other_department)
        assert Record.objects.get(pk=record.pk).title == "Toll detail printouts"

    def test_auditor_cannot_edit(self, employee, auditor):
        record = create(employee)
        with pytest.raises(PermissionDenied):
            services.record_update(actor=auditor, record=record, title="audited")

    def test_turning_on_cpni_needs_an_attestation(self, employee):
        record = create(employee, contains_cpni=False, cpni_categories=[], label_verification="")
        with pytest.raises(ValidationError):
            services.record_update(actor=employee, record=record, contains_cpni=True, cpni_categories=["billing"])
        record = services.record_update(actor=employee, record=record, contains_cpni=True, cpni_categories=["billing"],
                                        label_verification=LabelVerification.VISUAL, label_confirmed=True)
        assert record.label_attested_by == employee

    def test_inactive_custodian_is_refused(self, employee, department):
        leaver = UserFactory(username="leaver", department=department, is_active=False)
        with pytest.raises(ValidationError) as excinfo:
            services.record_update(actor=employee, record=create(employee), custodian=leaver)
        assert "can no longer sign in" in errors_of(excinfo)["custodian"][0]

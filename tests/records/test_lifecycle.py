import pytest
from django.core.exceptions import PermissionDenied

from records import lifecycle
from records.models import AuditEvent, Medium, Record, Status
from records.roles import Role
from tests.factories import make_record

ALLOWED_PAIRS = {(t.source, t.target) for t in lifecycle.TRANSITIONS.values()}


def test_the_state_machine_is_the_one_in_the_design():
    assert ALLOWED_PAIRS == {
        (Status.ACTIVE, Status.DUE),
        (Status.DUE, Status.ACTIVE),
        (Status.DUE, Status.PENDING_SHRED),
        (Status.PENDING_SHRED, Status.DESTROYED),
        (Status.DUE, Status.AWAITING_HANDOVER),
        (Status.AWAITING_HANDOVER, Status.IN_NETOPS_CUSTODY),
        (Status.IN_NETOPS_CUSTODY, Status.DESTROYED),
    }
    assert not any(source == Status.DESTROYED for source, _ in ALLOWED_PAIRS), "destroyed is final"


def _record_in(status, *, employee, netops):
    electronic = status in (Status.AWAITING_HANDOVER, Status.IN_NETOPS_CUSTODY)
    return make_record(
        custodian=employee, status=status, medium=Medium.USB_DRIVE if electronic else Medium.PAPER, netops=netops
    )


WRONG_STATES = [
    (name, status) for name, spec in lifecycle.TRANSITIONS.items() for status in Status if status != spec.source
]


@pytest.mark.django_db
@pytest.mark.parametrize("name, status", WRONG_STATES)
def test_every_transition_from_a_wrong_state_is_refused(name, status, employee, netops, records_manager):
    record = _record_in(status, employee=employee, netops=netops)
    history_before = record.history.count()
    for actor in (None, employee, netops, records_manager):
        with pytest.raises((lifecycle.TransitionNotAllowed, PermissionDenied)):
            lifecycle.transition(record, name, actor=actor)
    record.refresh_from_db()
    assert record.status == status
    assert record.history.count() == history_before


@pytest.mark.django_db
def test_paper_cannot_take_the_electronic_path_nor_media_the_paper_path(employee):
    paper = make_record(custodian=employee, status=Status.DUE, medium=Medium.PAPER)
    disk = make_record(custodian=employee, status=Status.DUE, medium=Medium.HARD_DISK)
    with pytest.raises(lifecycle.TransitionNotAllowed, match="electronic"):
        lifecycle.transition(paper, "request_handover", actor=employee)
    with pytest.raises(lifecycle.TransitionNotAllowed, match="paper"):
        lifecycle.transition(disk, "mark_for_shredding", actor=employee)
    assert Record.objects.get(pk=paper.pk).status == Status.DUE
    assert Record.objects.get(pk=disk.pk).status == Status.DUE


@pytest.mark.django_db
def test_expiry_is_taken_by_the_sweep_as_system_with_history_and_audit(employee):
    record = make_record(custodian=employee)
    record = lifecycle.transition(record, "expire", actor=None, reason="retention period ended")
    assert record.status == Status.DUE
    latest = record.history.latest()
    assert latest.status == Status.DUE and latest.history_user is None
    assert latest.history_change_reason == "retention period ended"
    event = AuditEvent.objects.filter(action="record.expire", object_id=str(record.pk)).get()
    assert event.actor_name == "system"
    assert event.payload["from"] == "active" and event.payload["to"] == "due"


@pytest.mark.django_db
def test_a_person_takes_a_step_with_their_name_in_history(employee):
    record = make_record(custodian=employee, status=Status.DUE)
    record = lifecycle.transition(record, "mark_for_shredding", actor=employee)
    assert record.status == Status.PENDING_SHRED
    assert record.history.latest().history_user == employee
    assert AuditEvent.objects.filter(action="record.mark_for_shredding", actor=employee).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name, status, medium, allowed_roles",
    [
        ("expire", Status.ACTIVE, Medium.PAPER, {Role.RECORDS_MANAGER}),
        ("extend_retention", Status.DUE, Medium.PAPER, {Role.RECORDS_MANAGER}),
        ("mark_for_shredding", Status.DUE, Medium.PAPER, {Role.EMPLOYEE, Role.RECORDS_MANAGER}),
        ("confirm_shredding", Status.PENDING_SHRED, Medium.PAPER, {Role.EMPLOYEE}),
        ("request_handover", Status.DUE, Medium.USB_DRIVE, {Role.EMPLOYEE, Role.RECORDS_MANAGER}),
        ("receive_media", Status.AWAITING_HANDOVER, Medium.USB_DRIVE, {Role.NETOPS_DIRECTOR}),
        ("confirm_media_destruction", Status.IN_NETOPS_CUSTODY, Medium.USB_DRIVE, {Role.NETOPS_DIRECTOR}),
    ],
)
def test_only_the_right_roles_take_each_step(name, status, medium, allowed_roles, users_by_role, netops):
    custodian = users_by_role[Role.EMPLOYEE]
    for role, actor in users_by_role.items():
        record = make_record(custodian=custodian, status=status, medium=medium, netops=netops)
        if role in allowed_roles:
            assert lifecycle.transition(record, name, actor=actor).status == lifecycle.TRANSITIONS[name].target
        else:
            with pytest.raises(PermissionDenied):
                lifecycle.transition(record, name, actor=actor)
            assert Record.objects.get(pk=record.pk).status == status


@pytest.mark.django_db
def test_only_the_custodian_confirms_shredding(employee, colleague, records_manager):
    record = make_record(custodian=employee, status=Status.PENDING_SHRED)
    for other in (colleague, records_manager):
        with pytest.raises(PermissionDenied):
            lifecycle.transition(record, "confirm_shredding", actor=other)
    assert lifecycle.transition(record, "confirm_shredding", actor=employee).status == Status.DESTROYED


@pytest.mark.django_db
def test_employees_cannot_act_on_another_departments_records(employee, outsider):
    record = make_record(custodian=employee, status=Status.DUE)
    with pytest.raises(PermissionDenied, match="another department"):
        lifecycle.transition(record, "mark_for_shredding", actor=outsider)


@pytest.mark.django_db
def test_netops_cannot_receive_or_destroy_media_in_their_own_custody(netops, records_manager):
    # A Network Operations employee's own medium: the director who is also its custodian may not destroy it.
    netops_member = netops
    netops_member.groups.add(*records_manager.groups.all())  # may also log and hand over records
    record = make_record(custodian=netops_member, status=Status.AWAITING_HANDOVER, medium=Medium.SSD)
    with pytest.raises(PermissionDenied, match="custodian"):
        lifecycle.transition(record, "receive_media", actor=netops_member)


@pytest.mark.django_db
def test_system_cannot_take_steps_that_need_a_person(employee):
    record = make_record(custodian=employee, status=Status.DUE)
    with pytest.raises(PermissionDenied):
        lifecycle.transition(record, "mark_for_shredding", actor=None)


@pytest.mark.django_db
def test_unknown_transition_is_refused(employee):
    record = make_record(custodian=employee)
    with pytest.raises(lifecycle.TransitionNotAllowed):
        lifecycle.transition(record, "teleport", actor=employee)

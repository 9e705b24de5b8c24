"""Destruction with proof: paper shredded by its custodian, media through Network Operations."""

import threading
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models import ProtectedError
from django.urls import reverse
from django.utils import timezone

from records import destruction, holds, lifecycle, services
from records.lifecycle import TransitionNotAllowed
from records.models import Transmittal, TransmittalItem, AuditEvent, Destruction, Medium, Notification, Record, Status
from compliance.models import CompanyProfile
from records.roles import Role
from tests.factories import SANITIZED, UserFactory, destruction_state, make_record, read_off, sanitized_for

pytestmark = pytest.mark.usefixtures("frozen_today")
TODAY = date(2026, 11, 23)
NEW_YORK = ZoneInfo("America/New_York")


def custody_actions(record):
    return list(
        AuditEvent.objects.filter(object_type="records.record", object_id=str(record.pk), action__in=destruction.CUSTODY_ACTIONS)
        .order_by("sequence").values_list("action", "actor_name")
    )


@pytest.mark.django_db
class TestPaper:
    def test_custody_marks_then_confirms_shredding_with_a_certificate(self, employee, colleague):
        record = make_record(custodian=employee, status=Status.DUE)
        destruction.record_mark_for_shredding(actor=employee, record=record)
        done = destruction.shredding_confirm(
            actor=employee, record=record, destroyed_on=TODAY, method="shredding_vendor",
            vendor_certificate_number="SHRED-4411", witness=colleague, notes="Bin 3",
        )
        record.refresh_from_db()
        assert record.status == Status.DESTROYED
        assert done.certificate_number == "CD-2026-000001" and done.witness == colleague
        assert done.performed_by == employee and done.kind == Destruction.Kind.SHREDDING
        assert custody_actions(record) == [("record.mark_for_shredding", "emma"), ("record.confirm_shredding", "emma")]
        assert AuditEvent.objects.filter(action="destruction.certificate_issued", object_id=str(record.pk)).count() == 1

    def test_records_manager_may_mark_but_only_the_custodian_confirms(self, employee, records_manager):
        record = make_record(custodian=employee, status=Status.DUE)
        destruction.record_mark_for_shredding(actor=records_manager, record=record)
        with pytest.raises(PermissionDenied):
            destruction.shredding_confirm(actor=records_manager, record=record, destroyed_on=TODAY, method="cross_cut_shredder")
        assert Record.objects.get(pk=record.pk).status == Status.PENDING_SHRED and not Destruction.objects.exists()

    @pytest.mark.parametrize(
        "kwargs, field",
        [({"destroyed_on": TODAY + timedelta(days=1)}, "destroyed_on"),
         ({"method": "shredding_vendor"}, "vendor_certificate_number"),
         ({"method": "burnt"}, "method")],
    )
    def test_bad_confirmation_is_refused_and_nothing_changes(self, employee, kwargs, field):
        record = make_record(custodian=employee, status=Status.PENDING_SHRED)
        values = {"destroyed_on": TODAY, "method": "cross_cut_shredder", **kwargs}
        with pytest.raises(ValidationError) as excinfo:
            destruction.shredding_confirm(actor=employee, record=record, **values)
        assert field in excinfo.value.message_dict
        assert Record.objects.get(pk=record.pk).status == Status.PENDING_SHRED

    def test_the_custodian_is_not_their_own_witness(self, employee):
        record = make_record(custodian=employee, status=Status.PENDING_SHRED)
        with pytest.raises(ValidationError, match="someone other than you"):
            destruction.shredding_confirm(actor=employee, record=record, destroyed_on=TODAY, method="cross_cut_shredder", witness=employee)

    def test_only_due_records_not_on_hold_are_destroyed(self, employee, records_manager):
        active = make_record(custodian=employee)
        with pytest.raises(TransitionNotAllowed):
            destruction.record_mark_for_shredding(actor=employee, record=active)
        pending = make_record(custodian=employee, status=Status.PENDING_SHRED)
        holds.hold_place(actor=records_manager, matter="M", reason="R", scope="t", records=Record.objects.filter(pk=pending.pk))
        with pytest.raises(TransitionNotAllowed, match="legal hold"):
            destruction.shredding_confirm(actor=employee, record=pending, destroyed_on=TODAY, method="cross_cut_shredder")
        assert not Destruction.objects.exists()


def receipt_of(media):
    """The queue's receipt form, each medium ticked with the serial number read off it."""
    return {key: value for record in media
            for key, value in ((f"select_{record.pk}", "on"), (f"serial_{record.pk}", record.media_serial_number))}


@pytest.mark.django_db
class TestMedia:
    def test_hand_over_receive_sanitize_validate(self, employee, netops, records_manager):
        disks = [make_record(custodian=employee, status=Status.DUE, medium=Medium.HARD_DISK, media_serial_number=f"WD-{i}") for i in range(2)]
        destruction.media_hand_over(actor=employee, handovers=[(disks[0], "wd-0 "), (disks[1], "WD-1")])
        assert set(Record.objects.values_list("status", flat=True)) == {Status.AWAITING_HANDOVER}
        destruction.media_receive(actor=netops, receipts=read_off(disks))
        done = destruction.media_destruction_confirm(actor=netops, records=disks, destroyed_on=TODAY, **SANITIZED)
        assert [d.certificate_number for d in done] == ["CD-2026-000001", "CD-2026-000002"]
        assert all(Record.objects.get(pk=d.pk).status == Status.DESTROYED for d in disks)
        assert done[0].method_type == "purge" and done[0].tool_name == "hdparm" and done[0].performed_by == netops
        validated = destruction.destruction_validate(actor=records_manager, destruction=done[0])
        assert validated.validated_by == records_manager and validated.validated_at
        assert custody_actions(disks[0]) == [
            ("record.request_handover", "emma"), ("record.receive_media", "nate"),
            ("record.confirm_media_destruction", "nate"), ("destruction.validated", "rita"),
        ]
        handover = AuditEvent.objects.get(action="record.request_handover", object_id=str(disks[0].pk))
        assert handover.payload["serial_confirmed"] == "wd-0"

    def test_the_hand_over_receipt_lists_the_batch_and_each_serial_at_both_ends(self, employee, netops):
        disks = [make_record(custodian=employee, status=Status.DUE, medium=Medium.HARD_DISK, media_serial_number=f"WD-{i}")
                 for i in range(2)]
        transmittal = destruction.media_hand_over(actor=employee, handovers=[(disks[0], "wd-0 "), (disks[1], "WD-1")])
        assert transmittal.handed_over_by == employee and transmittal.number == f"T-{transmittal.pk:06d}"
        assert [(i.record, i.serial_handed_over, i.received_at) for i in transmittal.items.all()] == [
            (disks[0], "wd-0", None), (disks[1], "WD-1", None)]
        destruction.media_receive(actor=netops, receipts=[(disks[1], " wd-1")])
        received = transmittal.items.get(record=disks[1])
        assert received.received_by == netops and received.received_at and received.serial_received == "wd-1"
        assert transmittal.items.get(record=disks[0]).received_at is None
        event = AuditEvent.objects.get(action="record.receive_media", object_id=str(disks[1].pk))
        assert event.payload["serial_confirmed"] == "wd-1"

    def test_a_wrong_serial_on_receipt_receives_nothing(self, employee, netops):
        disks = [make_record(custodian=employee, status=Status.DUE, medium=Medium.TAPE, media_serial_number=f"TP-{i}")
                 for i in range(2)]
        destruction.media_hand_over(actor=employee, handovers=read_off(disks))
        with pytest.raises(ValidationError, match="TP-9 does not match"):
            destruction.media_receive(actor=netops, receipts=[(disks[0], "TP-0"), (disks[1], "TP-9")])
        assert set(Record.objects.values_list("status", flat=True)) == {Status.AWAITING_HANDOVER}
        assert not TransmittalItem.objects.filter(received_at__isnull=False).exists()

    def test_a_wrong_serial_hands_nothing_over(self, employee):
        good = make_record(custodian=employee, status=Status.DUE, medium=Medium.USB_DRIVE, media_serial_number="USB-1")
        bad = make_record(custodian=employee, status=Status.DUE, medium=Medium.USB_DRIVE, media_serial_number="USB-2")
        with pytest.raises(ValidationError, match="does not match"):
            destruction.media_hand_over(actor=employee, handovers=[(good, "USB-1"), (bad, "USB-9")])
        assert set(Record.objects.values_list("status", flat=True)) == {Status.DUE}

    @pytest.mark.parametrize("role", [Role.EMPLOYEE, Role.RECORDS_MANAGER, Role.AUDITOR, Role.OFFICER])
    def test_only_netops_receives_and_sanitizes(self, role, users_by_role, employee, netops):
        record = make_record(custodian=employee, status=Status.AWAITING_HANDOVER, medium=Medium.SSD)
        with pytest.raises(PermissionDenied):
            destruction.media_receive(actor=users_by_role[role], receipts=read_off([record]))
        destruction.media_receive(actor=netops, receipts=read_off([record]))
        with pytest.raises(PermissionDenied):
            destruction.media_destruction_confirm(actor=users_by_role[role], records=[record], destroyed_on=TODAY, **SANITIZED)
        assert Record.objects.get(pk=record.pk).status == Status.IN_NETOPS_CUSTODY

    def test_a_custodian_cannot_destroy_their_own_media(self, netops):
        netops.groups.add(*UserFactory(username="tmp", role=Role.EMPLOYEE).groups.all())
        own = make_record(custodian=netops, status=Status.AWAITING_HANDOVER, medium=Medium.TAPE)
        other = UserFactory(username="nina", role=Role.NETOPS_DIRECTOR)
        destruction.media_receive(actor=other, receipts=read_off([own]))
        with pytest.raises(PermissionDenied, match="custodian"):
            destruction.media_destruction_confirm(actor=netops, records=[own], destroyed_on=TODAY, **sanitized_for(Medium.TAPE))

    @pytest.mark.parametrize(
        "override, field",
        [({"method_type": "wipe"}, "method_type"), ({"method": "other"}, "method"), ({"tool_version": ""}, "tool_version"),
         ({"verification_method": ""}, "verification_method"), ({"verification_result": " "}, "verification_result"),
         ({"data_backed_up": True, "backup_location": ""}, "backup_location")],
    )
    def test_an_incomplete_certificate_is_refused(self, employee, netops, override, field):
        record = make_record(custodian=employee, status=Status.IN_NETOPS_CUSTODY, medium=Medium.SSD, netops=netops)
        with pytest.raises(ValidationError) as excinfo:
            destruction.media_destruction_confirm(actor=netops, records=[record], destroyed_on=TODAY, **{**SANITIZED, **override})
        assert field in excinfo.value.message_dict
        assert Record.objects.get(pk=record.pk).status == Status.IN_NETOPS_CUSTODY

    def test_batch_is_all_or_nothing(self, employee, netops):
        ok = make_record(custodian=employee, status=Status.IN_NETOPS_CUSTODY, medium=Medium.SSD, netops=netops)
        not_received = make_record(custodian=employee, status=Status.AWAITING_HANDOVER, medium=Medium.SSD)
        with pytest.raises(TransitionNotAllowed):
            destruction.media_destruction_confirm(actor=netops, records=[ok, not_received], destroyed_on=TODAY, **SANITIZED)
        assert Record.objects.get(pk=ok.pk).status == Status.IN_NETOPS_CUSTODY and not Destruction.objects.exists()

    def test_validator_is_a_second_person(self, employee, netops):
        record = make_record(custodian=employee, status=Status.DESTROYED, medium=Medium.SSD, netops=netops)
        with pytest.raises(PermissionDenied):
            destruction.destruction_validate(actor=netops, destruction=record.destruction)
        with pytest.raises(PermissionDenied):
            destruction.destruction_validate(actor=employee, destruction=record.destruction)


@pytest.mark.django_db
def test_a_destroyed_record_is_never_deleted_nor_edited(employee):
    record = make_record(custodian=employee, status=Status.DESTROYED)
    with pytest.raises(ProtectedError):
        record.delete()
    with pytest.raises(ValidationError):
        services.record_update(actor=employee, record=record, title="rewritten")
    assert Record.objects.get(pk=record.pk).destruction.certificate_number


@pytest.mark.django_db
class TestPages:
    def test_paper_path_through_the_views(self, client, employee, colleague):
        record = make_record(custodian=employee, status=Status.DUE)
        client.force_login(employee)
        page = client.get(record.get_absolute_url()).content.decode()
        assert "Mark for shredding" in page
        assert client.post(reverse("record-mark-shredding", args=[record.reference])).status_code == 302
        form = client.get(reverse("record-confirm-shredding", args=[record.reference]))
        assert form.status_code == 200
        bad = client.post(reverse("record-confirm-shredding", args=[record.reference]), {"destroyed_on": "2999-01-01", "method": "pulping"})
        assert bad.status_code == 200 and "cannot be in the future" in bad.content.decode()
        done = client.post(reverse("record-confirm-shredding", args=[record.reference]),
                           {"destroyed_on": "2026-11-23", "method": "cross_cut_shredder", "witness": colleague.pk})
        assert done.status_code == 302
        page = client.get(record.get_absolute_url()).content.decode()
        assert "CD-2026-000001" in page and "Chain of custody" in page and "Shredded" in page
        assert Record.objects.get(pk=record.pk).status == Status.DESTROYED
        again = client.get(reverse("record-confirm-shredding", args=[record.reference]), follow=True)
        assert f"{record.reference} is already destroyed" in again.content.decode(), "not 'only the custodian…'"
        client.force_login(colleague)
        pending = make_record(custodian=employee, status=Status.PENDING_SHRED)
        refused = client.get(reverse("record-confirm-shredding", args=[pending.reference]))
        assert refused.status_code == 403 and f"Only {employee}, the record&#x27;s custodian" in refused.content.decode()

    def test_media_path_through_the_views_in_batches(self, client, employee, netops, records_manager):
        disks = [make_record(custodian=employee, status=Status.DUE, medium=Medium.HARD_DISK, media_serial_number=f"HD-{i}") for i in range(3)]
        client.force_login(employee)
        handover = client.get(reverse("hand-over"), {"record": disks[0].reference})
        assert handover.status_code == 200 and all(d.reference in handover.content.decode() for d in disks)
        data = {f"select_{d.pk}": "on" for d in disks} | {f"serial_{d.pk}": f"HD-{i}" for i, d in enumerate(disks)}
        data[f"serial_{disks[2].pk}"] = "HD-99"
        wrong = client.post(reverse("hand-over"), data)
        assert "does not match" in wrong.content.decode()
        assert not Record.objects.filter(status=Status.AWAITING_HANDOVER).exists()
        data[f"serial_{disks[2].pk}"] = "HD-2"
        assert client.post(reverse("hand-over"), data).status_code == 302

        client.force_login(netops)
        queue = client.get(reverse("netops-queue")).content.decode()
        assert all(d.reference in queue for d in disks)
        receipt = client.post(reverse("netops-receive"), receipt_of(disks))
        assert receipt.status_code == 302
        assert set(Record.objects.values_list("status", flat=True)) == {Status.IN_NETOPS_CUSTODY}
        form = client.get(reverse("netops-destroy"), {"record": [disks[0].reference, disks[1].reference]})
        assert set(form.context["form"].initial["records"]) == {disks[0], disks[1]}
        fields = {**SANITIZED, "data_backed_up": "no", "destroyed_on": "2026-11-23", "records": [disks[0].pk, disks[1].pk]}
        assert client.post(reverse("netops-destroy"), fields).status_code == 302
        statuses = dict(Record.objects.values_list("reference", "status"))
        assert [statuses[d.reference] for d in disks] == [Status.DESTROYED, Status.DESTROYED, Status.IN_NETOPS_CUSTODY]
        queue = client.get(reverse("netops-queue"))
        assert [item.record for item in queue.context["queue"]["in_custody"]] == [disks[2]]
        assert {d.record for d in queue.context["queue"]["recently_destroyed"]} == {disks[0], disks[1]}
        assert queue.content.decode().count("awaiting validation</strong> (left the organisation)") == 2

        client.force_login(records_manager)
        assert "Countersign as validator" in client.get(disks[0].get_absolute_url()).content.decode()
        assert client.post(reverse("record-validate", args=[disks[0].reference])).status_code == 302
        assert Destruction.objects.get(record=disks[0]).validated_by == records_manager

    def test_hand_over_lists_the_media_due_longest_and_those_chosen(self, client, employee, outsider, monkeypatch):
        monkeypatch.setattr("records.selectors.NETOPS_LIST_LENGTH", 2)
        disks = [make_record(custodian=employee, status=Status.DUE, medium=Medium.HARD_DISK, media_serial_number=f"HD-{i}",
                             trigger_date=timezone.localdate() - timedelta(days=800 - i)) for i in range(4)]
        theirs = make_record(custodian=outsider, status=Status.DUE, medium=Medium.HARD_DISK, media_serial_number="HD-X")
        client.force_login(employee)
        page = client.get(reverse("hand-over"), {"record": [disks[3].reference, theirs.reference]})
        listed = [record for record, _, _ in page.context["form"].rows()]
        assert listed == [disks[0], disks[1], disks[3]], "the two due longest, the one chosen, never another's"
        assert "4 media are due; the 2 due longest are listed" in page.content.decode()
        data = {f"select_{disks[2].pk}": "on", f"serial_{disks[2].pk}": "HD-2",
                f"select_{theirs.pk}": "on", f"serial_{theirs.pk}": "HD-X", "select_99999999999999999999": "on"}
        assert client.post(reverse("hand-over"), data).status_code == 302
        statuses = dict(Record.objects.values_list("pk", "status"))
        assert statuses[disks[2].pk] == Status.AWAITING_HANDOVER and statuses[theirs.pk] == Status.DUE

    def test_the_queue_lists_the_longest_waiting_media_and_counts_them_all(self, client, employee, netops, monkeypatch):
        monkeypatch.setattr("records.selectors.NETOPS_LIST_LENGTH", 2)
        awaiting = [make_record(custodian=employee, medium=Medium.USB_DRIVE, status=Status.AWAITING_HANDOVER) for _ in range(3)]
        held = [make_record(custodian=employee, medium=Medium.TAPE, status=Status.IN_NETOPS_CUSTODY, netops=netops)
                for _ in range(3)]
        client.force_login(netops)
        response = client.get(reverse("netops-queue"))
        page = response.content.decode()
        assert "Handed over, awaiting receipt (3)" in page and "In our custody (3)" in page
        assert "The 2 that have waited longest are listed" in page and "The 2 held longest are listed" in page
        assert list(response.context["queue"]["awaiting"]) == awaiting[:2]
        assert [item.record for item in response.context["queue"]["in_custody"]] == held[:2]
        assert awaiting[2].reference not in page and held[2].reference not in page
        # Receipt is acknowledged for any medium awaiting it, listed or not.
        client.post(reverse("netops-receive"), receipt_of([awaiting[2]]))
        assert Record.objects.get(pk=awaiting[2].pk).status == Status.IN_NETOPS_CUSTODY
        # The sanitization form offers the two held longest and those ticked on the queue, and
        # confirms any medium in custody.
        form = client.get(reverse("netops-destroy"), {"record": held[2].reference}).context["form"]
        assert [pk for pk, _ in form.fields["records"].widget.choices] == [held[0].pk, held[1].pk, held[2].pk]
        fields = {**SANITIZED, "data_backed_up": "no", "destroyed_on": "2026-11-23", "records": [awaiting[2].pk]}
        assert client.post(reverse("netops-destroy"), fields).status_code == 302
        assert Record.objects.get(pk=awaiting[2].pk).status == Status.DESTROYED

    @pytest.mark.parametrize(
        "name, allowed",
        [("hand-over", {Role.EMPLOYEE, Role.RECORDS_MANAGER}), ("netops-queue", {Role.NETOPS_DIRECTOR}),
         ("netops-destroy", {Role.NETOPS_DIRECTOR})],
    )
    def test_every_role_against_the_destruction_pages(self, client, users_by_role, name, allowed):
        for role, user in users_by_role.items():
            client.force_login(user)
            assert client.get(reverse(name)).status_code == (200 if role in allowed else 403), role

    def test_the_queue_asks_for_each_serial_again_and_keeps_what_was_typed(self, client, employee, netops):
        disks = [make_record(custodian=employee, status=Status.DUE, medium=Medium.USB_DRIVE, media_serial_number=f"U-{i}")
                 for i in range(2)]
        transmittal = destruction.media_hand_over(actor=employee, handovers=read_off(disks))
        client.force_login(netops)
        page = client.get(reverse("netops-queue")).content.decode()
        assert f'href="{reverse("transmittal", args=[transmittal.pk])}"' in page and transmittal.number in page
        wrong = {**receipt_of(disks), f"serial_{disks[1].pk}": "U-7"}
        refused = client.post(reverse("netops-receive"), wrong)
        assert refused.status_code == 200
        assert "U-7 does not match" in refused.content.decode() and 'value="U-7"' in refused.content.decode()
        assert set(Record.objects.values_list("status", flat=True)) == {Status.AWAITING_HANDOVER}
        missing = client.post(reverse("netops-receive"), {f"select_{disks[0].pk}": "on"})
        assert "Type the serial number printed on the medium." in missing.content.decode()
        assert client.post(reverse("netops-receive"), {}).context["receipt_form"].non_field_errors() == [
            "Tick the media you received."]

    def test_the_printable_receipt_for_both_people_to_sign(self, client, employee, colleague, netops):
        disk = make_record(custodian=employee, status=Status.DUE, medium=Medium.HARD_DISK, media_serial_number="HD-77")
        client.force_login(employee)
        handed = client.post(reverse("hand-over"), {f"select_{disk.pk}": "on", f"serial_{disk.pk}": "hd-77"})
        transmittal = Transmittal.objects.get()
        assert handed.url == reverse("transmittal", args=[transmittal.pk])
        page = client.get(handed.url).content.decode()
        assert "CONFIDENTIAL" in page and transmittal.number in page and "hd-77" in page and disk.reference in page
        assert employee.get_full_name() in page and page.count("Signature:") == 2 and "not yet" in page
        client.force_login(colleague)  # neither the person who handed it over nor Network Operations
        assert client.get(handed.url).status_code == 403
        client.force_login(netops)
        assert client.post(reverse("netops-receive"), receipt_of([disk])).status_code == 302
        assert f"by {netops.get_full_name()}" in client.get(handed.url).content.decode()

    def test_wrong_people_are_refused_and_nothing_changes(self, client, users_by_role, employee, colleague, netops):
        paper = make_record(custodian=employee, status=Status.PENDING_SHRED)
        media = make_record(custodian=employee, status=Status.AWAITING_HANDOVER, medium=Medium.SSD)
        for user in [colleague] + [users_by_role[r] for r in (Role.AUDITOR, Role.OFFICER, Role.NETOPS_DIRECTOR)]:
            client.force_login(user)
            assert client.post(reverse("record-confirm-shredding", args=[paper.reference]),
                               {"destroyed_on": "2026-11-23", "method": "cross_cut_shredder"}).status_code == 403
        for role in (Role.EMPLOYEE, Role.AUDITOR, Role.OFFICER, Role.RECORDS_MANAGER):
            client.force_login(users_by_role[role])
            assert client.post(reverse("netops-receive"), receipt_of([media])).status_code == 403
        assert Record.objects.get(pk=paper.pk).status == Status.PENDING_SHRED
        assert Record.objects.get(pk=media.pk).status == Status.AWAITING_HANDOVER


@pytest.mark.django_db
def test_custody_escalation_once_per_item_and_threshold(employee, netops, records_manager, mailoutbox, settings, time_machine):
    settings.NETOPS_CUSTODY_ALERT_DAYS = [30, 60]
    for person in (netops, records_manager):
        person.email = f"{person.username}@carrier.example"
        person.save()
    from records import tasks

    record = make_record(custodian=employee, status=Status.IN_NETOPS_CUSTODY, medium=Medium.TAPE, netops=netops)
    tasks.send_custody_alerts()
    assert not mailoutbox
    time_machine.move_to(timezone.now() + timedelta(days=31))
    tasks.send_custody_alerts()
    tasks.send_custody_alerts()
    assert sorted(m.to[0] for m in mailoutbox) == ["nate@carrier.example", "rita@carrier.example"]
    assert "over 30 days" in mailoutbox[0].subject and record.reference in mailoutbox[0].body
    time_machine.move_to(timezone.now() + timedelta(days=30))
    tasks.send_custody_alerts()
    assert len(mailoutbox) == 4 and all("over 60 days" in m.subject for m in mailoutbox[2:])
    assert Notification.objects.filter(kind="custody_alert").count() == 4


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_people_confirming_at_once_make_exactly_one_destruction(employee, netops):
    second = UserFactory(username="nina", role=Role.NETOPS_DIRECTOR)
    record = make_record(custodian=employee, status=Status.IN_NETOPS_CUSTODY, medium=Medium.SSD, netops=netops)
    start = threading.Barrier(2)
    outcomes = []

    def confirm(actor):
        try:
            start.wait()
            destruction.media_destruction_confirm(actor=actor, records=[record], destroyed_on=TODAY, **SANITIZED)
            outcomes.append("destroyed")
        except TransitionNotAllowed:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm, args=(actor,)) for actor in (netops, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["destroyed", "refused"]
    assert Destruction.objects.filter(record=record).count() == 1
    assert AuditEvent.objects.filter(action="record.confirm_media_destruction").count() == 1


@pytest.mark.django_db
def test_certificate_downloads_for_those_who_may_see_the_record(client, employee, outsider, auditor, netops):
    import pypdfium2

    record = make_record(custodian=employee, status=Status.DESTROYED, medium=Medium.SSD, netops=netops)
    url = reverse("record-certificate", args=[record.reference])
    client.force_login(auditor)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"], "no browser or proxy keeps a copy"
    assert record.destruction.certificate_number in response["Content-Disposition"]
    text = "".join(page.get_textpage().get_text_bounded() for page in pypdfium2.PdfDocument(response.content))
    assert record.reference in text and record.destruction.certificate_number in text and "CONFIDENTIAL" in text
    assert client.get(url).content == response.content, "the same bytes every time"
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    client.force_login(employee)
    active = make_record(custodian=employee)
    assert client.get(reverse("record-certificate", args=[active.reference])).status_code == 404


def at(year, month, day, hour=10, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=NEW_YORK)


@pytest.mark.django_db
class TestDestructionDates:
    """A destruction date lies between the day the record became due (paper) or was received by
    Network Operations (media) and today, in the carrier's time zone, and never before the
    company's records began."""

    @pytest.fixture
    def paper(self, employee, time_machine):
        """Paper due on 2026-03-02, marked for shredding on 2026-05-10; today is 2026-11-23."""
        time_machine.move_to(at(2026, 3, 2))
        record = make_record(custodian=employee, status=Status.DUE)
        time_machine.move_to(at(2026, 5, 10))
        destruction.record_mark_for_shredding(actor=employee, record=record)
        time_machine.move_to(at(2026, 11, 23, 12))
        return Record.objects.get(pk=record.pk)

    @pytest.fixture
    def disks(self, employee, netops, time_machine):
        """Two disks due and handed over on 2026-06-01; received on 2026-06-01 and 2026-06-15."""
        time_machine.move_to(at(2026, 6, 1, 9))
        disks = [make_record(custodian=employee, status=Status.AWAITING_HANDOVER, medium=Medium.HARD_DISK,
                             media_serial_number=f"WD-{i}") for i in range(2)]
        time_machine.move_to(at(2026, 6, 1, 15))
        destruction.media_receive(actor=netops, receipts=read_off(disks[:1]))
        time_machine.move_to(at(2026, 6, 15, 23, 30))  # 04:30 UTC on the 16th: still the 15th in New York
        destruction.media_receive(actor=netops, receipts=read_off(disks[1:]))
        time_machine.move_to(at(2026, 11, 23, 12))
        return list(Record.objects.filter(pk__in=[d.pk for d in disks]).order_by("pk"))

    @pytest.mark.parametrize("day, message", [
        (date(2016, 12, 3), "The date destroyed cannot be before 2026-03-02, the day {ref} became due."),
        (date(2026, 3, 1), "The date destroyed cannot be before 2026-03-02, the day {ref} became due."),
        (date(1800, 1, 1), "The date destroyed cannot be before 1990-01-01, when the company's records began."),
        (date(2026, 11, 24), "The date destroyed cannot be in the future (today is 2026-11-23)."),
    ])
    def test_paper_is_not_destroyed_before_it_was_due_nor_in_the_future(self, paper, employee, day, message):
        before = destruction_state()
        with pytest.raises(ValidationError) as excinfo:
            destruction.shredding_confirm(actor=employee, record=paper, destroyed_on=day, method="cross_cut_shredder")
        assert excinfo.value.message_dict == {"destroyed_on": [message.format(ref=paper.reference)]}
        assert destruction_state() == before

    @pytest.mark.parametrize("day", [date(2026, 3, 2), date(2026, 4, 1), TODAY])
    def test_paper_may_be_destroyed_from_the_day_it_was_due_even_before_it_was_marked(self, paper, employee, day):
        done = destruction.shredding_confirm(actor=employee, record=paper, destroyed_on=day, method="shredding_vendor",
                                             vendor_certificate_number="V-1")
        assert done.destroyed_on == day

    def test_the_day_it_became_due_is_the_carriers_day_and_the_latest_time(
        self, employee, records_manager, time_machine
    ):
        time_machine.move_to(at(2026, 3, 2, 23, 30))  # 2026-03-03 04:30 UTC
        record = make_record(custodian=employee, status=Status.DUE)
        assert destruction.became_due_on(record) == date(2026, 3, 2)
        time_machine.move_to(at(2026, 3, 5))
        services.record_extend_retention(actor=records_manager, record=record, period_value=1, period_unit="days",
                                          reason="One more look")
        services.record_update(actor=employee, record=Record.objects.get(pk=record.pk), title="Renamed while active")
        time_machine.move_to(at(2026, 4, 20))
        record = lifecycle.transition(Record.objects.get(pk=record.pk), "expire", actor=None)
        time_machine.move_to(at(2026, 4, 25))
        services.record_update(actor=employee, record=record, title="Renamed while due")
        assert destruction.became_due_on(record) == date(2026, 4, 20)

    def test_the_floor_is_the_company_profiles(self, paper, employee):
        CompanyProfile.objects.create(records_began_on=date(2026, 5, 1))
        with pytest.raises(ValidationError, match="before 2026-05-01, when the company's records began"):
            destruction.shredding_confirm(actor=employee, record=paper, destroyed_on=date(2026, 4, 1),
                                          method="cross_cut_shredder")

    def test_paper_dates_through_the_page(self, client, paper, employee):
        client.force_login(employee)
        before = destruction_state()
        response = client.post(reverse("record-confirm-shredding", args=[paper.reference]),
                               {"destroyed_on": "2016-12-03", "method": "cross_cut_shredder"})
        assert response.status_code == 200
        assert response.context["form"].errors["destroyed_on"] == [
            f"The date destroyed cannot be before 2026-03-02, the day {paper.reference} became due."]
        assert destruction_state() == before

    def test_media_are_not_sanitized_before_they_were_received(self, disks, netops):
        first, second = (d.reference for d in disks)
        before = destruction_state()
        for day, message in [
            (date(2026, 6, 10), f"The date sanitized cannot be before 2026-06-15, the day {second} was received by "
                                "Network Operations."),
            (date(2026, 5, 31), "The date sanitized cannot be before the day each medium was received by Network "
                                f"Operations: {first} on 2026-06-01, {second} on 2026-06-15."),
            (date(1989, 12, 31), "The date sanitized cannot be before 1990-01-01, when the company's records began."),
            (date(2026, 11, 24), "The date sanitized cannot be in the future (today is 2026-11-23)."),
        ]:
            with pytest.raises(ValidationError) as excinfo:
                destruction.media_destruction_confirm(actor=netops, records=disks, destroyed_on=day, **SANITIZED)
            assert excinfo.value.message_dict == {"destroyed_on": [message]}, day
        assert destruction_state() == before
        done = destruction.media_destruction_confirm(actor=netops, records=disks, destroyed_on=date(2026, 6, 15),
                                                     **SANITIZED)
        assert [d.destroyed_on for d in done] == [date(2026, 6, 15)] * 2

    def test_media_dates_through_the_page(self, client, disks, netops):
        client.force_login(netops)
        before = destruction_state()
        response = client.post(reverse("netops-destroy"), {
            **SANITIZED, "data_backed_up": "no", "destroyed_on": "2026-06-10", "records": [d.pk for d in disks]})
        assert response.status_code == 200
        assert response.context["form"].errors["destroyed_on"] == [
            f"The date sanitized cannot be before 2026-06-15, the day {disks[1].reference} was received by Network "
            "Operations."]
        assert destruction_state() == before


@pytest.mark.django_db
class TestPaperMethods:
    """Paper is destroyed only by the methods of settings.PAPER_DESTRUCTION_METHODS (the
    procedure's cross-cut shredder and shredding vendor by default)."""

    def test_the_form_offers_exactly_the_allowed_methods(self, client, employee, settings):
        record = make_record(custodian=employee, status=Status.PENDING_SHRED)
        client.force_login(employee)
        url = reverse("record-confirm-shredding", args=[record.reference])
        offered = client.get(url).context["form"]["method"]
        assert [choice for choice, _ in offered.field.widget.choices] == ["cross_cut_shredder", "shredding_vendor"]
        settings.PAPER_DESTRUCTION_METHODS = ["incineration", "cross_cut_shredder"]
        offered = client.get(url).context["form"]["method"]
        assert [choice for choice, _ in offered.field.widget.choices] == ["cross_cut_shredder", "incineration"]

    @pytest.mark.parametrize("method", ["pulping", "incineration"])
    def test_other_methods_are_refused_with_the_procedure(self, client, employee, method):
        record = make_record(custodian=employee, status=Status.PENDING_SHRED)
        client.force_login(employee)
        before = destruction_state()
        with pytest.raises(ValidationError) as excinfo:
            destruction.shredding_confirm(actor=employee, record=record, destroyed_on=TODAY, method=method)
        label = Destruction.PaperMethod(method).label
        message = (f"The method {label} is not allowed: the company's procedure destroys paper by cross-cut shredder "
                   "or shredding vendor only.")
        assert excinfo.value.message_dict == {"method": [message]}
        response = client.post(reverse("record-confirm-shredding", args=[record.reference]),
                               {"destroyed_on": TODAY.isoformat(), "method": method})
        assert response.status_code == 200 and response.context["form"].errors["method"] == [message]
        assert destruction_state() == before

    def test_a_method_the_setting_allows_is_accepted(self, employee, settings):
        settings.PAPER_DESTRUCTION_METHODS = ["pulping"]
        record = make_record(custodian=employee, status=Status.PENDING_SHRED)
        with pytest.raises(ValidationError, match="destroys paper by pulping only"):
            destruction.shredding_confirm(actor=employee, record=record, destroyed_on=TODAY, method="cross_cut_shredder")
        done = destruction.shredding_confirm(actor=employee, record=record, destroyed_on=TODAY, method="pulping")
        assert done.method == "pulping"


@pytest.mark.parametrize("value, ok", [
    ("cross_cut_shredder,pulping", True), ("cross_cut_shredder,burning", False), (",", False),
])
def test_an_unknown_paper_method_stops_start_up(tmp_path, value, ok):
    from tests.test_settings import run_with

    result = run_with(tmp_path, PAPER_DESTRUCTION_METHODS=value)
    assert (result.returncode == 0) is ok, result.stderr
    if not ok:
        assert "PAPER_DESTRUCTION_METHODS must name one or more of cross_cut_shredder" in result.stderr

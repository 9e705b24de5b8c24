"""Once a record has left active, what identifies it in the chain of custody (medium, serial number,
department, custodian) is frozen for edits; only a records manager corrects it, for a reason, as
an audited correction that the chain of custody and the certificate show."""

from io import StringIO

import pytest
import yaml
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from records import certificates, holds, services
from records.models import AuditEvent, Medium, Record, Status
from records.roles import Role
from records.serials import DuplicateSerial
from tests.api.conftest import token_client
from tests.factories import SANITIZED, make_record

@pytest.fixture
def api():
    return token_client


pytestmark = pytest.mark.django_db


def written():
    return Record.objects.count(), Record.history.count(), AuditEvent.objects.filter(action__startswith="record.").count()


@pytest.fixture
def disk(employee, netops):
    """A hard disk in Network Operations' custody."""
    return make_record(custodian=employee, status=Status.IN_NETOPS_CUSTODY, medium=Medium.HARD_DISK,
                       media_serial_number="WD-100", netops=netops)


def changes_of_each_identity_field(colleague, other_department):
    return {
        "medium": Medium.TAPE,
        "media_serial_number": "WD-999",
        "department": other_department,
        "custodian": colleague,
    }


class TestFrozenForEdits:
    @pytest.mark.parametrize("status", [Status.DUE, Status.AWAITING_HANDOVER, Status.IN_NETOPS_CUSTODY])
    @pytest.mark.parametrize("field", ["medium", "media_serial_number", "department", "custodian"])
    def test_the_service_refuses_each_identity_field_once_the_record_has_left_active(
        self, employee, records_manager, netops, colleague, other_department, status, field
    ):
        record = make_record(custodian=employee, status=status, medium=Medium.HARD_DISK, netops=netops)
        value = changes_of_each_identity_field(colleague, other_department)[field]
        before = written()
        with pytest.raises(ValidationError) as excinfo:
            services.record_update(actor=records_manager, record=record, **{field: value})
        [message] = excinfo.value.message_dict[field]
        assert "is frozen" in message and record.reference in message and "records manager can correct it" in message
        assert written() == before

    def test_paper_pending_shredding_is_frozen_too(self, employee):
        record = make_record(custodian=employee, status=Status.PENDING_SHRED)
        with pytest.raises(ValidationError) as excinfo:
            services.record_update(actor=employee, record=record, medium=Medium.FILE_SHARE)
        assert "The medium is frozen" in excinfo.value.message_dict["medium"][0]

    def test_every_frozen_field_is_named_at_once(self, employee, colleague, disk):
        with pytest.raises(ValidationError) as excinfo:
            services.record_update(actor=employee, record=disk, media_serial_number="X-1", custodian=colleague,
                                   title="Renamed")
        assert set(excinfo.value.message_dict) == {"media_serial_number", "custodian"}
        assert Record.objects.get(pk=disk.pk).title == "Toll detail printouts"

    def test_the_same_values_written_again_are_no_change(self, employee, disk):
        edited = services.record_update(actor=employee, record=disk, media_serial_number=" wd-100 ", medium=Medium.HARD_DISK,
                                        department=employee.department, custodian=employee, location="Vault 2")
        assert edited.location == "Vault 2" and edited.media_serial_number == "WD-100"

    def test_an_active_record_is_still_edited(self, employee, colleague):
        record = make_record(custodian=employee, medium=Medium.USB_DRIVE)
        edited = services.record_update(actor=employee, record=record, media_serial_number="usb-2", custodian=colleague)
        assert edited.media_serial_number == "USB-2" and edited.custodian == colleague

    def test_the_edit_page_shows_them_disabled_and_ignores_what_is_posted(self, client, employee, disk):
        client.force_login(employee)
        page = client.get(reverse("record-edit", args=[disk.reference])).content.decode()
        for name in ("medium", "media_serial_number", "department", "custodian"):
            tag = next(line for line in page.split("<") if f'name="{name}"' in line)
            assert "disabled" in tag, name
        assert "Frozen since the record left active" in page
        data = {"title": "Renamed", "contains_cpni": "on", "cpni_categories": ["billing"], "medium": "paper",
                "media_serial_number": "WD-999", "department": disk.department_id, "custodian": employee.pk,
                "location": "Vault", "label_verification": ""}
        response = client.post(reverse("record-edit", args=[disk.reference]), data)
        disk.refresh_from_db()
        assert response.status_code == 302 and disk.title == "Renamed"
        assert (disk.medium, disk.media_serial_number) == (Medium.HARD_DISK, "WD-100")

    def test_the_api_refuses_with_400_naming_the_field(self, api, employee, disk):
        before = written()
        response = api(employee).patch(f"/api/v1/records/{disk.reference}/", {"media_serial_number": "WD-999"},
                                       format="json")
        assert response.status_code == 400
        assert "The serial number is frozen" in response.json()["errors"]["media_serial_number"][0]
        medium = api(employee).patch(f"/api/v1/records/{disk.reference}/", {"medium": "paper"}, format="json")
        assert medium.status_code == 400 and "The medium is frozen" in medium.json()["errors"]["medium"][0]
        assert written() == before


class TestCorrection:
    def test_a_records_manager_corrects_with_a_reason_history_and_audit(self, records_manager, disk):
        corrected = services.record_correct(actor=records_manager, record=disk, reason="Mistyped; read off the label",
                                            media_serial_number="wd 101")
        assert corrected.media_serial_number == "WD101" and corrected.media_serial_key == "WD101"
        assert corrected.status == Status.IN_NETOPS_CUSTODY
        history = corrected.history.latest("history_date")
        assert history.history_user == records_manager and history.media_serial_number == "WD101"
        assert history.history_change_reason == "corrected: Mistyped; read off the label"
        event = AuditEvent.objects.get(action="record.corrected")
        assert event.actor == records_manager and event.payload["reason"] == "Mistyped; read off the label"
        assert event.payload["before"]["media_serial_number"] == "WD-100"
        assert event.payload["after"]["media_serial_number"] == "WD101"
        assert event.payload["before"]["custodian"] == event.payload["after"]["custodian"]

    def test_the_chain_of_custody_shows_the_correction_with_before_and_after(self, client, records_manager, colleague, disk):
        services.record_correct(actor=records_manager, record=disk, reason="Tape, not a disk", medium=Medium.TAPE,
                                media_serial_number="TP-5", custodian=colleague)
        steps = certificates.custody_chain(disk)
        assert [s.step for s in steps] == [
            "Handed over to Network Operations", "Received by Network Operations", "Identity corrected"
        ]
        details = steps[-1].details
        assert "medium Hard disk → Tape" in details and "serial number WD-100 → TP-5" in details
        assert f"custodian {disk.custodian} → {colleague}" in details and details.endswith("Tape, not a disk")
        client.force_login(records_manager)
        page = client.get(reverse("record-detail", args=[disk.reference])).content.decode()
        assert "Identity corrected" in page and "serial number WD-100 → TP-5" in page

    def test_the_certificate_shows_the_correction(self, records_manager, netops, disk):
        from records import destruction

        services.record_correct(actor=records_manager, record=disk, reason="Mistyped", media_serial_number="WD-101")
        [done] = destruction.media_destruction_confirm(actor=netops, records=[Record.objects.get(pk=disk.pk)],
                                                       destroyed_on=timezone.localdate(), **SANITIZED)
        custody = certificates._context(done)["custody"]
        assert any(step["step"] == "Identity corrected" and "WD-100 → WD-101" in step["details"] for step in custody)

    @pytest.mark.parametrize("role", [Role.EMPLOYEE, Role.NETOPS_DIRECTOR, Role.AUDITOR, Role.OFFICER])
    def test_other_roles_are_denied(self, users_by_role, disk, role):
        before = written()
        with pytest.raises(PermissionDenied):
            services.record_correct(actor=users_by_role[role], record=disk, reason="r", media_serial_number="X")
        assert written() == before

    def test_a_reason_is_required(self, records_manager, disk):
        before = written()
        with pytest.raises(ValidationError) as excinfo:
            services.record_correct(actor=records_manager, record=disk, reason="  ", media_serial_number="X-1")
        assert "Say why" in excinfo.value.message_dict["reason"][0] and written() == before

    def test_a_destroyed_record_is_never_corrected(self, employee, records_manager, netops):
        gone = make_record(custodian=employee, status=Status.DESTROYED, medium=Medium.SSD, netops=netops)
        before = written()
        with pytest.raises(ValidationError, match="is destroyed"):
            services.record_correct(actor=records_manager, record=gone, reason="r", media_serial_number="X-1")
        assert written() == before

    def test_an_active_record_is_edited_not_corrected(self, employee, records_manager):
        record = make_record(custodian=employee, medium=Medium.SSD)
        with pytest.raises(ValidationError, match="edit it instead"):
            services.record_correct(actor=records_manager, record=record, reason="r", media_serial_number="X-1")

    def test_a_held_record_is_not_corrected(self, records_manager, disk):
        holds.hold_place(actor=records_manager, matter="M", reason="R", scope="t", records=Record.objects.filter(pk=disk.pk))
        before = written()
        with pytest.raises(ValidationError, match="legal hold"):
            services.record_correct(actor=records_manager, record=disk, reason="r", media_serial_number="X-1")
        assert written() == before

    def test_the_corrected_values_are_checked_as_when_logged(self, records_manager, outsider, employee, disk):
        with pytest.raises(ValidationError) as excinfo:
            services.record_correct(actor=records_manager, record=disk, reason="r", custodian=outsider)
        assert "not a member of Billing" in excinfo.value.message_dict["custodian"][0]
        with pytest.raises(ValidationError) as excinfo:
            services.record_correct(actor=records_manager, record=disk, reason="r", medium=Medium.PAPER)
        assert "Paper records have no media serial number" in excinfo.value.message_dict["media_serial_number"][0]
        other = make_record(custodian=employee, status=Status.DUE, medium=Medium.SSD, media_serial_number="SSD-1")
        with pytest.raises(DuplicateSerial, match=other.reference):
            services.record_correct(actor=records_manager, record=disk, reason="r", media_serial_number="ssd-1")
        with pytest.raises(ValidationError, match="Nothing to correct"):
            services.record_correct(actor=records_manager, record=disk, reason="r", media_serial_number="WD-100")

    def test_a_duplicate_from_before_the_rule_is_fixed_by_correcting_either_record(self, employee, records_manager):
        oldest = make_record(custodian=employee, status=Status.DUE, medium=Medium.TAPE, media_serial_number="TP-1")
        younger = make_record(custodian=employee, status=Status.DUE, medium=Medium.TAPE, media_serial_number="TP-2")
        Record.objects.filter(pk=younger.pk).update(media_serial_number="TP-1", media_serial_key=None)
        fixed = services.record_correct(actor=records_manager, record=Record.objects.get(pk=younger.pk),
                                        reason="The label reads TP-0099", media_serial_number="TP-0099")
        assert fixed.media_serial_key == "TP-0099"
        # The other way round: the oldest was the mistake; the younger then takes its key unchanged.
        Record.objects.filter(pk=younger.pk).update(media_serial_number="TP-1", media_serial_key=None)
        services.record_correct(actor=records_manager, record=oldest, reason="Relabelled", media_serial_number="TP-3")
        rekeyed = services.record_correct(actor=records_manager, record=Record.objects.get(pk=younger.pk),
                                          reason="Serial confirmed on the tape")
        assert rekeyed.media_serial_key == "TP-1" and rekeyed.media_serial_number == "TP-1"


class TestCorrectionPage:
    def form(self, record, **overrides):
        return {"medium": record.medium, "media_serial_number": record.media_serial_number,
                "department": record.department_id, "custodian": record.custodian_id, "reason": "Mistyped",
                **overrides}

    def test_records_managers_see_the_form_and_correct(self, client, records_manager, disk):
        client.force_login(records_manager)
        assert "Correct the record's identity" in client.get(reverse("record-detail", args=[disk.reference])).content.decode()
        response = client.post(reverse("record-correct", args=[disk.reference]), self.form(disk, media_serial_number="WD-7"),
                               follow=True)
        assert response.status_code == 200 and f"{disk.reference} was corrected." in response.content.decode()
        assert Record.objects.get(pk=disk.pk).media_serial_number == "WD-7"

    def test_the_reason_is_required(self, client, records_manager, disk):
        client.force_login(records_manager)
        before = written()
        response = client.post(reverse("record-correct", args=[disk.reference]),
                               self.form(disk, media_serial_number="WD-7", reason=""))
        assert response.status_code == 400 and "was not corrected" in response.content.decode()
        assert written() == before

    def test_a_duplicate_links_to_the_other_record(self, client, employee, records_manager, disk):
        other = make_record(custodian=employee, status=Status.DUE, medium=Medium.SSD, media_serial_number="SSD-1")
        client.force_login(records_manager)
        response = client.post(reverse("record-correct", args=[disk.reference]), self.form(disk, media_serial_number="ssd-1"))
        assert response.status_code == 400 and f'<a href="/records/{other.reference}/">' in response.content.decode()

    @pytest.mark.parametrize("role", [Role.EMPLOYEE, Role.NETOPS_DIRECTOR, Role.AUDITOR, Role.OFFICER])
    def test_other_roles_get_no_form_and_are_refused(self, client, users_by_role, disk, role):
        client.force_login(users_by_role[role])
        assert "Correct the record" not in client.get(reverse("record-detail", args=[disk.reference])).content.decode()
        before = written()
        response = client.post(reverse("record-correct", args=[disk.reference]), self.form(disk, media_serial_number="X"))
        assert response.status_code == 403 and written() == before


class TestCorrectionApi:
    def url(self, record):
        return f"/api/v1/records/{record.reference}/correct/"

    def test_a_records_manager_corrects_through_the_api(self, api, records_manager, disk):
        response = api(records_manager).post(self.url(disk), {"media_serial_number": "wd-7", "reason": "Mistyped"},
                                             format="json")
        assert response.status_code == 200 and response.json()["media_serial_number"] == "WD-7"
        assert "correct" in response.json()["actions"]
        assert AuditEvent.objects.filter(action="record.corrected", actor=records_manager).count() == 1

    @pytest.mark.parametrize("role", [Role.EMPLOYEE, Role.NETOPS_DIRECTOR, Role.AUDITOR, Role.OFFICER])
    def test_other_roles_are_refused(self, api, users_by_role, disk, role):
        before = written()
        response = api(users_by_role[role]).post(self.url(disk), {"media_serial_number": "X", "reason": "r"},
                                                 format="json")
        assert response.status_code == 403 and written() == before
        assert "correct" not in api(users_by_role[role]).get(f"/api/v1/records/{disk.reference}/").json()["actions"]

    def test_refusals(self, api, employee, records_manager, netops, disk):
        client = api(records_manager)
        before = written()
        no_reason = client.post(self.url(disk), {"media_serial_number": "X"}, format="json")
        assert no_reason.status_code == 400 and "reason" in no_reason.json()["errors"]
        bad_custodian = client.post(self.url(disk), {"custodian": "nobody", "reason": "r"}, format="json")
        assert bad_custodian.status_code == 400 and "custodian" in bad_custodian.json()["errors"]
        active = make_record(custodian=employee, medium=Medium.SSD)
        assert client.post(self.url(active), {"media_serial_number": "X", "reason": "r"}, format="json").status_code == 409
        gone = make_record(custodian=employee, status=Status.DESTROYED, medium=Medium.SSD, netops=netops)
        middle = written()
        assert client.post(self.url(gone), {"media_serial_number": "X", "reason": "r"}, format="json").status_code == 409
        assert written() == middle
        assert Record.objects.get(pk=disk.pk).media_serial_number == "WD-100"
        assert not AuditEvent.objects.filter(action="record.corrected").exists() and before[0] + 2 == middle[0]

    def test_the_schema_documents_it(self):
        out = StringIO()
        call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
        schema = yaml.safe_load(out.getvalue())
        operation = schema["paths"]["/api/v1/records/{reference}/correct/"]["post"]
        assert "reason" in str(operation) and operation["responses"].keys() >= {"200", "400", "403", "409"}

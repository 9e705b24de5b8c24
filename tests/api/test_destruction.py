"""The destruction paths through the API with tokens: paper (mark, shred, validate) and electronic
media (hand over, receive, sanitize, validate), retention extensions, and the lifecycle's refusals."""

from datetime import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import yaml
from django.core.management import call_command
from django.utils import timezone

from records import holds
from records.models import AuditEvent, Destruction, Medium, Record, Status
from tests.factories import SANITIZED, destruction_state, make_record

pytestmark = pytest.mark.django_db


def action(record, name):
    return f"/api/v1/records/{record.reference}/{name}/"


def status_of(record):
    return Record.objects.get(pk=record.pk).status


TODAY = timezone.localdate


class TestPaper:
    def test_the_whole_paper_path(self, api, employee, colleague, records_manager):
        record = make_record(custodian=employee, status=Status.DUE)
        custodian = api(employee)

        marked = custodian.post(action(record, "mark-for-shredding"))
        assert marked.status_code == 200 and marked.json()["status"] == "pending_shred"
        assert marked.json()["actions"] == ["confirm-shredding"]

        shredded = custodian.post(action(record, "confirm-shredding"), {
            "destroyed_on": TODAY().isoformat(), "method": "cross_cut_shredder", "witness": "colin", "notes": "Bin 4",
        }, format="json")
        assert shredded.status_code == 200, shredded.json()
        body = shredded.json()
        assert body["status"] == "destroyed" and body["marking"] == "CONFIDENTIAL"
        assert body["destruction"]["certificate_number"].startswith("CD-") and body["destruction"]["witness"] == "colin"
        assert body["destruction"]["performed_by"] == "emma" and body["destruction"]["validated_by"] is None

        manager = api(records_manager)
        assert manager.get(f"/api/v1/records/{record.reference}/").json()["actions"] == ["validate"]
        validated = manager.post(action(record, "validate"))
        assert validated.status_code == 200 and validated.json()["destruction"]["validated_by"] == "rita"
        again = manager.post(action(record, "validate"))
        assert again.status_code == 409 and again.json()["code"] == "state_conflict"
        steps = list(AuditEvent.objects.filter(object_id=str(record.pk), object_type="records.record")
                     .order_by("sequence").values_list("action", flat=True))
        assert steps[-4:] == ["record.mark_for_shredding", "record.confirm_shredding",
                              "destruction.certificate_issued", "destruction.validated"]

    def test_a_records_manager_may_mark_but_only_the_custodian_confirms(self, api, employee, colleague,
                                                                        records_manager):
        record = make_record(custodian=employee, status=Status.DUE)
        assert api(records_manager).post(action(record, "mark-for-shredding")).status_code == 200
        body = {"destroyed_on": TODAY().isoformat(), "method": "cross_cut_shredder"}
        for other in (records_manager, colleague):
            refused = api(other).post(action(record, "confirm-shredding"), body, format="json")
            assert refused.status_code == 403 and refused.json()["code"] == "permission_denied", other
        assert status_of(record) == Status.PENDING_SHRED and not Destruction.objects.exists()

    def test_the_shredding_details_are_checked(self, api, employee):
        record = make_record(custodian=employee, status=Status.PENDING_SHRED)
        client = api(employee)
        vendor = client.post(action(record, "confirm-shredding"), {"destroyed_on": TODAY().isoformat(),
                                                                    "method": "shredding_vendor"}, format="json")
        assert vendor.status_code == 400 and "vendor_certificate_number" in vendor.json()["errors"]
        future = client.post(action(record, "confirm-shredding"), {"destroyed_on": "2999-01-01", "method": "pulping"},
                             format="json")
        assert future.status_code == 400 and "destroyed_on" in future.json()["errors"]
        self_witness = client.post(action(record, "confirm-shredding"), {
            "destroyed_on": TODAY().isoformat(), "method": "cross_cut_shredder", "witness": "emma"}, format="json")
        assert self_witness.status_code == 400 and "witness" in self_witness.json()["errors"]
        assert status_of(record) == Status.PENDING_SHRED

    def test_steps_out_of_order_are_state_conflicts(self, api, employee):
        active = make_record(custodian=employee)
        response = api(employee).post(action(active, "mark-for-shredding"))
        assert response.status_code == 409 and "due" in response.json()["detail"]
        hand_over_paper = api(employee).post(action(make_record(custodian=employee, status=Status.DUE), "hand-over"),
                                             {"serial_number": ""}, format="json")
        assert hand_over_paper.status_code == 409
        not_destroyed = api(employee).post(action(active, "validate"))
        assert not_destroyed.status_code == 403, "employees do not validate"
        assert status_of(active) == Status.ACTIVE


class TestMedia:
    def test_the_whole_media_path(self, api, employee, netops, records_manager):
        record = make_record(custodian=employee, status=Status.DUE, medium=Medium.SSD, media_serial_number="WX-77")
        custodian = api(employee)

        wrong = custodian.post(action(record, "hand-over"), {"serial_number": "WX-78"}, format="json")
        assert wrong.status_code == 400 and "serial_number" in wrong.json()["errors"]
        assert status_of(record) == Status.DUE
        handed = custodian.post(action(record, "hand-over"), {"serial_number": " wx-77 "}, format="json")
        assert handed.status_code == 200 and handed.json()["status"] == "awaiting_handover"

        director = api(netops)
        misread = director.post(action(record, "receive"), {"serial_number": "WX-7"}, format="json")
        assert misread.status_code == 400 and "serial_number" in misread.json()["errors"]
        assert director.post(action(record, "receive"), {}, format="json").status_code == 400
        assert status_of(record) == Status.AWAITING_HANDOVER
        received = director.post(action(record, "receive"), {"serial_number": "wx-77"}, format="json")
        assert received.status_code == 200 and received.json()["status"] == "in_netops_custody"
        assert received.json()["actions"] == ["confirm-sanitization"]

        sanitized = director.post(action(record, "confirm-sanitization"),
                                  {**SANITIZED, "destroyed_on": TODAY().isoformat()}, format="json")
        assert sanitized.status_code == 200, sanitized.json()
        done = sanitized.json()["destruction"]
        assert sanitized.json()["status"] == "destroyed"
        assert (done["kind"], done["method"], done["method_type"]) == ("sanitization", "cryptographic_erase", "purge")
        destruction = Destruction.objects.get(record=record)
        assert destruction.tool_name == "hdparm" and destruction.data_backed_up is False

        assert director.post(action(record, "validate")).status_code == 403, "the destroyer may not validate"
        assert api(records_manager).post(action(record, "validate")).status_code == 200

    def test_the_custodian_never_receives_or_sanitizes_their_own_medium(self, api, employee, netops, records_manager):
        # A custodian who has since become the Director of Network Operations (a role that is no
        # longer given records) still may not receive the medium they hold.
        record = make_record(custodian=employee, status=Status.DUE, medium=Medium.USB_DRIVE)
        Record.objects.filter(pk=record.pk).update(custodian=netops, department=netops.department)
        assert api(records_manager).post(action(record, "hand-over"), {"serial_number": "SN-0001"},
                                         format="json").status_code == 200
        refused = api(netops).post(action(record, "receive"), {"serial_number": "SN-0001"}, format="json")
        assert refused.status_code == 403 and "custodian" in refused.json()["detail"]
        assert status_of(record) == Status.AWAITING_HANDOVER

    def test_the_sanitization_fields_are_checked(self, api, employee, netops):
        record = make_record(custodian=employee, status=Status.IN_NETOPS_CUSTODY, medium=Medium.HARD_DISK,
                             netops=netops)
        client = api(netops)
        base = {**SANITIZED, "destroyed_on": TODAY().isoformat()}
        other = client.post(action(record, "confirm-sanitization"), {**base, "method": "other"}, format="json")
        assert other.status_code == 400 and "is not a Purge method for Hard disk" in other.json()["errors"]["method"][0]
        backup = client.post(action(record, "confirm-sanitization"), {**base, "data_backed_up": True}, format="json")
        assert backup.status_code == 400 and "backup_location" in backup.json()["errors"]
        missing = client.post(action(record, "confirm-sanitization"), {"destroyed_on": TODAY().isoformat()},
                              format="json")
        assert missing.status_code == 400
        assert {"method_type", "method", "verification_method", "verification_result", "destination"} <= set(
            missing.json()["errors"])
        assert status_of(record) == Status.IN_NETOPS_CUSTODY and not Destruction.objects.exists()


class TestHoldsAndExtensions:
    def test_a_held_record_is_frozen(self, api, employee, records_manager, netops):
        due = make_record(custodian=employee, status=Status.DUE)
        media = make_record(custodian=employee, status=Status.IN_NETOPS_CUSTODY, medium=Medium.SSD, netops=netops)
        holds.hold_place(actor=records_manager, matter="M", reason="R", scope="t",
                         records=Record.objects.filter(pk__in=[due.pk, media.pk]))
        frozen = api(employee).post(action(due, "mark-for-shredding"))
        assert frozen.status_code == 409 and "legal hold" in frozen.json()["detail"]
        sanitized = api(netops).post(action(media, "confirm-sanitization"),
                                     {**SANITIZED, "destroyed_on": TODAY().isoformat()}, format="json")
        assert sanitized.status_code == 409 and "legal hold" in sanitized.json()["detail"]
        assert api(employee).get(f"/api/v1/records/{due.reference}/").json()["on_hold"] is True
        assert (status_of(due), status_of(media)) == (Status.DUE, Status.IN_NETOPS_CUSTODY)

    def test_a_records_manager_keeps_a_due_record_longer(self, api, employee, records_manager):
        record = make_record(custodian=employee, status=Status.DUE)
        client = api(records_manager)
        no_reason = client.post(action(record, "extend"), {"period_value": 2, "period_unit": "years"}, format="json")
        assert no_reason.status_code == 400 and "reason" in no_reason.json()["errors"]
        too_long = client.post(action(record, "extend"), {"period_value": 1201, "period_unit": "years", "reason": "r"},
                               format="json")
        assert too_long.status_code == 400 and "period_value" in too_long.json()["errors"]
        extended = client.post(action(record, "extend"), {"period_value": 2, "period_unit": "years",
                                                          "reason": "Billing dispute pending"}, format="json")
        assert extended.status_code == 200 and extended.json()["status"] == "active"
        assert extended.json()["expiry_date"] > record.expiry_date.isoformat()
        assert api(employee).post(action(record, "extend"), {"period_value": 2, "period_unit": "years",
                                                             "reason": "x"}, format="json").status_code == 403

    def test_a_record_being_destroyed_is_not_kept_longer(self, api, employee, records_manager):
        record = make_record(custodian=employee, status=Status.PENDING_SHRED)
        response = api(records_manager).post(action(record, "extend"), {"period_value": 1, "period_unit": "years",
                                                                        "reason": "r"}, format="json")
        assert response.status_code == 409 and not Record.objects.get(pk=record.pk).extensions.exists()


class TestFactsAreChecked:
    """Dates, paper methods and NIST SP 800-88 combinations the services refuse are refused through
    the API too: 400, the field named with the rule, nothing written."""

    def refused(self, client, record, name, body, field):
        before = destruction_state()
        response = client.post(action(record, name), body, format="json")
        assert response.status_code == 400, response.json()
        assert list(response.json()["errors"]) == [field], response.json()
        assert destruction_state() == before
        return response.json()["errors"][field][0]

    def test_paper_is_not_destroyed_before_it_was_due(self, api, employee, time_machine):
        new_york = ZoneInfo("America/New_York")
        time_machine.move_to(datetime(2026, 3, 2, 10, tzinfo=new_york))
        record = make_record(custodian=employee, status=Status.PENDING_SHRED)
        time_machine.move_to(datetime(2026, 11, 23, 12, tzinfo=new_york))
        client = api(employee)
        for day, message in [
            ("2016-12-03", f"The date destroyed cannot be before 2026-03-02, the day {record.reference} became due."),
            ("1800-01-01", "The date destroyed cannot be before 1990-01-01, when the company's records began."),
            ("2026-11-24", "The date destroyed cannot be in the future (today is 2026-11-23)."),
        ]:
            assert self.refused(client, record, "confirm-shredding",
                                {"destroyed_on": day, "method": "cross_cut_shredder"}, "destroyed_on") == message
        done = client.post(action(record, "confirm-shredding"), {"destroyed_on": "2026-03-02",
                                                                 "method": "cross_cut_shredder"}, format="json")
        assert done.status_code == 200 and done.json()["destruction"]["destroyed_on"] == "2026-03-02"

    def test_a_medium_is_not_sanitized_before_it_was_received(self, api, employee, netops, time_machine):
        new_york = ZoneInfo("America/New_York")
        time_machine.move_to(datetime(2026, 6, 15, 10, tzinfo=new_york))
        record = make_record(custodian=employee, status=Status.IN_NETOPS_CUSTODY, medium=Medium.SSD, netops=netops)
        time_machine.move_to(datetime(2026, 11, 23, 12, tzinfo=new_york))
        message = self.refused(api(netops), record, "confirm-sanitization", {**SANITIZED, "destroyed_on": "2026-06-14"},
                               "destroyed_on")
        assert message == (f"The date sanitized cannot be before 2026-06-15, the day {record.reference} was received "
                           "by Network Operations.")

    @pytest.mark.parametrize("method", ["pulping", "incineration"])
    def test_paper_methods_the_company_does_not_allow_are_refused(self, api, employee, method, settings):
        record = make_record(custodian=employee, status=Status.PENDING_SHRED)
        message = self.refused(api(employee), record, "confirm-shredding",
                               {"destroyed_on": TODAY().isoformat(), "method": method}, "method")
        assert message.endswith("the company's procedure destroys paper by cross-cut shredder or shredding vendor only.")
        settings.PAPER_DESTRUCTION_METHODS = [method]
        done = api(employee).post(action(record, "confirm-shredding"),
                                  {"destroyed_on": TODAY().isoformat(), "method": method}, format="json")
        assert done.status_code == 200 and done.json()["destruction"]["method"] == method

    @pytest.mark.parametrize("medium, changes, field, why", [
        (Medium.SSD, {"method_type": "clear", "method": "shred", "destination": "external_reuse"}, "method",
         "it is a Destroy method"),
        (Medium.SSD, {"method_type": "clear", "method": "degauss", "destination": "external_reuse"}, "method",
         "degaussing works on magnetic media only"),
        (Medium.SSD, {"method_type": "clear", "method": "overwrite", "destination": "external_reuse"}, "destination",
         "media leaving the organisation need Purge or Destroy"),
        (Medium.OPTICAL_DISC, {"method_type": "purge", "method": "overwrite"}, "method_type",
         "optical discs are destroyed"),
        (Medium.HARD_DISK, {"method_type": "destroy", "method": "shred", "destination": "internal_reuse"},
         "destination", "destroyed media are never reused"),
        (Medium.HARD_DISK, {"tool_version": ""}, "tool_version", "Purge needs the tool, its version and a verification"),
    ])
    def test_sanitizations_nist_does_not_allow_are_refused(self, api, employee, netops, medium, changes, field, why):
        record = make_record(custodian=employee, status=Status.IN_NETOPS_CUSTODY, medium=medium, netops=netops)
        message = self.refused(api(netops), record, "confirm-sanitization",
                               {**SANITIZED, **changes, "destroyed_on": TODAY().isoformat()}, field)
        assert why in message and (field == "tool_version" or record.reference in message)

    def test_a_medium_that_leaves_awaits_its_countersignature(self, api, employee, netops, records_manager):
        record = make_record(custodian=employee, status=Status.IN_NETOPS_CUSTODY, medium=Medium.SSD, netops=netops)
        body = {**SANITIZED, "destroyed_on": TODAY().isoformat(), "media_make": "Samsung", "media_property_number": "P-9"}
        done = api(netops).post(action(record, "confirm-sanitization"), body, format="json").json()["destruction"]
        assert (done["destination"], done["awaiting_validation"]) == ("recycling_facility", True)
        assert Destruction.objects.filter(record=record, media_make="Samsung", media_property_number="P-9").exists()
        validated = api(records_manager).post(action(record, "validate")).json()["destruction"]
        assert validated["awaiting_validation"] is False

    def test_the_schema_describes_the_rules(self):
        out = StringIO()
        call_command("spectacular", stdout=out)
        schemas = yaml.safe_load(out.getvalue())["components"]["schemas"]
        sanitization = schemas["SanitizationRequest"]["properties"]
        assert "`purge`: applies physical or logical techniques" in sanitization["method_type"]["description"]
        assert ("`optical_disc`: destroy by `shred`, `disintegrate`, `pulverize`, `melt`, `incinerate`"
                in sanitization["method"]["description"])
        assert "need purge or destroy" in sanitization["destination"]["description"]
        assert schemas["ShreddingRequest"]["properties"]["method"]["description"].startswith(
            "How the paper was destroyed: the company allows `cross_cut_shredder`, `shredding_vendor` only.")
        assert "awaiting_validation" in schemas["Destruction"]["properties"]

"""NIST SP 800-88 in one table (records/sanitization.py): what it allows, and that the service, the
sanitization page and the certificate follow it. The API's side is in tests/api/test_destruction.py."""

from pathlib import Path

import pypdfium2
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from records import destruction, sanitization
from records.certificates import certificate_pdf
from records.models import Destruction, Medium, Record, Status
from records.sanitization import LEAVES_ORGANISATION, TABLE, Destination, Method, MethodType
from tests.factories import MEDIUM, SANITIZED, destruction_state, make_record

pytestmark = pytest.mark.usefixtures("frozen_today")
TODAY = "2026-11-23"
DESTROY_METHODS = {Method.SHRED, Method.DISINTEGRATE, Method.PULVERIZE, Method.MELT, Method.INCINERATE}
NO_CARRIER = {Medium.FILE_SHARE, Medium.EMAIL, Medium.OTHER_ELECTRONIC}


def everything():
    return {(medium, *combination) for medium in TABLE for combination in sanitization.combinations(medium)}


def pdf_text(data):
    pdf = pypdfium2.PdfDocument(data)
    try:
        return " ".join(" ".join(page.get_textpage().get_text_bounded().split()) for page in pdf)
    finally:
        pdf.close()


def in_custody(employee, netops, medium, serial="SN-1"):
    serial = serial if medium in Medium.removable() else ""
    return make_record(custodian=employee, status=Status.IN_NETOPS_CUSTODY, medium=medium, netops=netops,
                       media_serial_number=serial)


class TestTheTable:
    def test_every_electronic_medium_and_no_paper_is_in_it(self):
        assert set(TABLE) == set(Medium) - {Medium.PAPER}

    def test_shred_disintegrate_pulverize_melt_and_incinerate_are_destroy_and_nothing_destroyed_is_reused(self):
        for medium, method_type, method, destination in everything():
            assert (method in DESTROY_METHODS) == (method_type == MethodType.DESTROY), (medium, method_type, method)
            if method_type == MethodType.DESTROY:
                assert destination in {Destination.RECYCLING, Destination.OTHER}, (medium, method, destination)

    def test_degaussing_is_for_magnetic_media_only_and_a_degaussed_hard_disk_is_not_reused(self):
        degaussed = {(medium, destination) for medium, _, method, destination in everything() if method == Method.DEGAUSS}
        assert {medium for medium, _ in degaussed} == {Medium.HARD_DISK, Medium.TAPE}
        assert not {d for m, d in degaussed if m == Medium.HARD_DISK} & {Destination.INTERNAL_REUSE,
                                                                         Destination.EXTERNAL_REUSE}

    def test_optical_discs_are_only_destroyed(self):
        assert {method_type for method_type, _, _ in sanitization.allowed([Medium.OPTICAL_DISC])} == {"destroy"}

    def test_block_and_cryptographic_erase_are_for_flash_and_self_encrypting_drives(self):
        media = {method: {m for m, _, used, _ in everything() if used == method}
                 for method in (Method.BLOCK_ERASE, Method.CRYPTO_ERASE)}
        assert media[Method.BLOCK_ERASE] == {Medium.SSD, Medium.USB_DRIVE}
        assert media[Method.CRYPTO_ERASE] == {Medium.SSD, Medium.USB_DRIVE, Medium.HARD_DISK} | NO_CARRIER

    def test_media_leaving_the_organisation_are_purged_or_destroyed_and_cleared_media_stay(self):
        assert LEAVES_ORGANISATION == set(Destination) - {Destination.INTERNAL_REUSE}
        for medium, method_type, method, destination in everything():
            if destination in LEAVES_ORGANISATION:
                assert method_type in (MethodType.PURGE, MethodType.DESTROY), (medium, method, destination)

    def test_records_without_a_physical_medium_stay_inside_and_are_never_destroyed(self):
        for medium in NO_CARRIER:
            assert sanitization.combinations(medium) == {
                ("clear", "overwrite", "internal_reuse"), ("purge", "cryptographic_erase", "internal_reuse")}

    def test_other_is_no_method(self):
        assert Method.OTHER not in {method for _, _, method, _ in everything()}

    def test_a_batch_gets_what_every_medium_allows(self):
        both = sanitization.allowed([Medium.SSD, Medium.TAPE])
        assert both == sanitization.combinations(Medium.SSD) & sanitization.combinations(Medium.TAPE)
        assert {method for _, method, _ in both} == {"overwrite"} | DESTROY_METHODS

    def test_the_readme_shows_the_table(self):
        readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
        assert sanitization.markdown_table() in readme


@pytest.mark.django_db
class TestTheServiceFollowsTheTable:
    @pytest.mark.parametrize("medium, method_type, method, destination, field, why", [
        (Medium.SSD, "clear", "shred", "external_reuse", "method",
         "The method Shred is not a Clear method for Solid-state drive {refs} under NIST SP 800-88 (allowed: "
         "Overwrite): it is a Destroy method."),
        (Medium.SSD, "clear", "degauss", "external_reuse", "method",
         "The method Degauss is not a Clear method for Solid-state drive {refs} under NIST SP 800-88 (allowed: "
         "Overwrite): degaussing works on magnetic media only (hard disks, tapes)."),
        (Medium.SSD, "clear", "overwrite", "external_reuse", "destination",
         "The destination External reuse is not allowed for Solid-state drive {refs} after Clear by Overwrite "
         "(allowed: Internal reuse): media leaving the organisation need Purge or Destroy."),
        (Medium.USB_DRIVE, "purge", "degauss", "recycling_facility", "method",
         "degaussing works on magnetic media only"),
        (Medium.TAPE, "purge", "block_erase", "recycling_facility", "method", "(allowed: Degauss)"),
        (Medium.HARD_DISK, "destroy", "shred", "internal_reuse", "destination",
         "(allowed: Recycling facility or Other): destroyed media are never reused."),
        (Medium.HARD_DISK, "destroy", "incinerate", "manufacturer", "destination", "destroyed media are never reused"),
        (Medium.HARD_DISK, "purge", "degauss", "internal_reuse", "destination",
         "a degaussed hard disk cannot be reused"),
        (Medium.OPTICAL_DISC, "purge", "overwrite", "recycling_facility", "method_type",
         "The method type Purge is not allowed for Optical disc {refs} under NIST SP 800-88 (allowed: Destroy): "
         "optical discs are destroyed."),
        (Medium.FILE_SHARE, "destroy", "shred", "recycling_facility", "method_type",
         "there is no physical medium to destroy"),
        (Medium.EMAIL, "purge", "cryptographic_erase", "external_reuse", "destination",
         "the data's storage stays in the company's own systems"),
        (Medium.HARD_DISK, "purge", "other", "recycling_facility", "method", "(allowed: Overwrite, Cryptographic erase "
         "or Degauss)"),
    ])
    def test_a_combination_the_table_refuses_is_refused_and_nothing_is_written(
        self, employee, netops, medium, method_type, method, destination, field, why
    ):
        record = in_custody(employee, netops, medium)
        before = destruction_state()
        fields = {**SANITIZED, "method_type": method_type, "method": method, "destination": destination}
        with pytest.raises(ValidationError) as excinfo:
            destruction.media_destruction_confirm(actor=netops, records=[record], destroyed_on=record.status_changed_at.date(),
                                                  **fields)
        assert list(excinfo.value.message_dict) == [field]
        assert why.format(refs=record.reference) in excinfo.value.message_dict[field][0]
        assert destruction_state() == before

    @pytest.mark.parametrize("medium, method_type, method, destination", [
        (Medium.OPTICAL_DISC, "destroy", "shred", "recycling_facility"),
        (Medium.TAPE, "purge", "degauss", "external_reuse"),
        (Medium.TAPE, "clear", "degauss", "internal_reuse"),
        (Medium.HARD_DISK, "destroy", "pulverize", "other"),
        (Medium.USB_DRIVE, "purge", "block_erase", "manufacturer"),
        (Medium.FILE_SHARE, "clear", "overwrite", "internal_reuse"),
    ])
    def test_a_combination_the_table_allows_is_accepted(self, employee, netops, medium, method_type, method, destination):
        record = in_custody(employee, netops, medium)
        fields = {**SANITIZED, "method_type": method_type, "method": method, "destination": destination,
                  "destination_details": "Vendor's landfill-free disposal"}
        [done] = destruction.media_destruction_confirm(actor=netops, records=[record], destroyed_on=record.status_changed_at.date(),
                                                       **fields)
        assert (done.method_type, done.method, done.destination) == (method_type, method, destination)

    def test_clear_and_purge_need_the_tool_and_its_version_destroy_does_not(self, employee, netops):
        disk = in_custody(employee, netops, Medium.HARD_DISK)
        day = disk.status_changed_at.date()
        before = destruction_state()
        with pytest.raises(ValidationError) as excinfo:
            destruction.media_destruction_confirm(actor=netops, records=[disk], destroyed_on=day,
                                                  **{**SANITIZED, "tool_name": " ", "tool_version": ""})
        assert excinfo.value.message_dict == {
            "tool_name": ["Name the tool used: Purge needs the tool, its version and a verification (NIST SP 800-88)."],
            "tool_version": ["Give the tool's version: Purge needs the tool, its version and a verification "
                             "(NIST SP 800-88)."],
        }
        assert destruction_state() == before
        destroyed = {**SANITIZED, "method_type": "destroy", "method": "shred", "tool_name": "", "tool_version": ""}
        assert destruction.media_destruction_confirm(actor=netops, records=[disk], destroyed_on=day, **destroyed)

    def test_another_destination_is_described(self, employee, netops):
        disk = in_custody(employee, netops, Medium.HARD_DISK)
        fields = {**SANITIZED, "destination": "other", "destination_details": ""}
        with pytest.raises(ValidationError) as excinfo:
            destruction.media_destruction_confirm(actor=netops, records=[disk], destroyed_on=disk.status_changed_at.date(),
                                                  **fields)
        assert list(excinfo.value.message_dict) == ["destination_details"]

    def test_a_batch_names_the_media_the_table_refuses(self, employee, netops):
        ssds = [in_custody(employee, netops, Medium.SSD, f"SSD-{i}") for i in range(2)]
        tape = in_custody(employee, netops, Medium.TAPE, "TP-1")
        before = destruction_state()
        fields = {**SANITIZED, "method": "degauss"}
        with pytest.raises(ValidationError) as excinfo:
            destruction.media_destruction_confirm(actor=netops, records=[ssds[0], tape, ssds[1]],
                                                  destroyed_on=tape.status_changed_at.date(), **fields)
        [message] = excinfo.value.message_dict["method"]
        assert message.startswith(f"The method Degauss is not a Purge method for Solid-state drive {ssds[0].reference}, "
                                  f"{ssds[1].reference} under NIST SP 800-88")
        assert tape.reference not in message
        assert destruction_state() == before

    def test_each_medium_of_a_batch_keeps_its_own_make_model_and_property_number(self, employee, netops):
        disks = [in_custody(employee, netops, Medium.HARD_DISK, f"WD-{i}") for i in range(2)]
        media = {disks[0].pk: {"media_make": "Seagate", "media_model": "ST2000", "media_property_number": "P-1"},
                 disks[1].pk: {"media_make": "WD", "media_model": "WD40EFRX", "media_property_number": "P-2"}}
        done = destruction.media_destruction_confirm(actor=netops, records=disks, media=media,
                                                     destroyed_on=disks[1].status_changed_at.date(), **SANITIZED)
        assert [(d.media_make, d.media_model, d.media_property_number) for d in done] == [
            ("Seagate", "ST2000", "P-1"), ("WD", "WD40EFRX", "P-2")]
        with pytest.raises(ValueError, match="media_make"):
            destruction.media_destruction_confirm(actor=netops, records=disks, **SANITIZED, media_make="One for all",
                                                  destroyed_on=disks[1].status_changed_at.date())


@pytest.mark.django_db
class TestThePage:
    def offered(self, form):
        return {name: [value for value, _ in form.fields[name].widget.choices]
                for name in ("method_type", "method", "destination")}

    def test_it_offers_what_the_table_allows_for_every_chosen_medium(self, client, employee, netops):
        disc = in_custody(employee, netops, Medium.OPTICAL_DISC, "DVD-1")
        ssd = in_custody(employee, netops, Medium.SSD, "SSD-1")
        tape = in_custody(employee, netops, Medium.TAPE, "TP-1")
        client.force_login(netops)
        page = lambda *records: client.get(reverse("netops-destroy"), {"record": [r.reference for r in records]})  # noqa: E731
        assert self.offered(page(disc).context["form"]) == {
            "method_type": ["destroy"], "method": ["shred", "disintegrate", "pulverize", "melt", "incinerate"],
            "destination": ["recycling_facility", "other"],
        }
        for_ssd = self.offered(page(ssd).context["form"])
        assert "degauss" not in for_ssd["method"] and "block_erase" in for_ssd["method"]
        both = self.offered(page(ssd, tape).context["form"])
        assert both["method"] == ["overwrite", "shred", "disintegrate", "pulverize", "melt", "incinerate"]
        assert both["method_type"] == ["clear", "destroy"]
        response = page(ssd)
        assert 'src="/static/js/sanitization.js"' in response.content.decode()
        assert response.context["form"].table_for_script() in response.content.decode().replace("&quot;", '"')

    def test_it_refuses_what_the_table_refuses_at_the_field(self, client, employee, netops):
        ssd = in_custody(employee, netops, Medium.SSD, "SSD-1")
        client.force_login(netops)
        before = destruction_state()
        response = client.post(reverse("netops-destroy"), {
            **SANITIZED, "method_type": "clear", "method": "shred", "destination": "external_reuse",
            "data_backed_up": "no", "destroyed_on": TODAY, "records": [ssd.pk]})
        assert response.status_code == 200
        assert response.context["form"].errors["method"] == [
            f"The method Shred is not a Clear method for Solid-state drive {ssd.reference} under NIST SP 800-88 "
            "(allowed: Overwrite): it is a Destroy method."]
        assert destruction_state() == before

    def test_each_medium_gets_its_own_make_model_and_property_number(self, client, employee, netops):
        disks = [in_custody(employee, netops, Medium.HARD_DISK, f"WD-{i}") for i in range(2)]
        client.force_login(netops)
        form = client.get(reverse("netops-destroy"), {"record": [d.reference for d in disks]}).context["form"]
        assert {f"media_make_{d.pk}" for d in disks} <= set(form.fields)
        assert form.fields[f"media_property_number_{disks[1].pk}"].label == f"Property number of {disks[1].reference}"
        data = {**SANITIZED, "data_backed_up": "no", "destroyed_on": TODAY, "records": [d.pk for d in disks]}
        for i, disk in enumerate(disks):
            data |= {f"media_make_{disk.pk}": f"Make {i}", f"media_model_{disk.pk}": f"Model {i}",
                     f"media_property_number_{disk.pk}": f"PROP-{i}"}
        assert client.post(reverse("netops-destroy"), data).status_code == 302
        assert list(Destruction.objects.order_by("record_id").values_list(
            "media_make", "media_model", "media_property_number")) == [
            ("Make 0", "Model 0", "PROP-0"), ("Make 1", "Model 1", "PROP-1")]


@pytest.mark.django_db
class TestAwaitingValidation:
    def sanitize(self, employee, netops, **fields):
        disk = in_custody(employee, netops, Medium.HARD_DISK)
        [done] = destruction.media_destruction_confirm(actor=netops, records=[disk], media={disk.pk: MEDIUM},
                                                       destroyed_on=disk.status_changed_at.date(),
                                                       **{**SANITIZED, **fields})
        return done

    @pytest.mark.parametrize("destination", sorted(LEAVES_ORGANISATION))
    def test_a_medium_that_left_awaits_a_countersignature(self, client, employee, netops, records_manager, destination):
        done = self.sanitize(employee, netops, destination=destination, destination_details="GreenCycle LLC")
        label = Destination(destination).label
        text = pdf_text(certificate_pdf(done))
        assert f"Awaiting validation: this medium left the organisation ({label})." in text
        assert "Not yet validated" not in text
        client.force_login(records_manager)
        page = client.get(done.record.get_absolute_url()).content.decode()
        assert "Awaiting validation:" in page and f"the medium left the organisation ({label})" in page

        validated = destruction.destruction_validate(actor=records_manager, destruction=done)
        assert not validated.awaiting_validation
        assert "Awaiting validation" not in pdf_text(certificate_pdf(validated))
        assert "Awaiting validation" not in client.get(done.record.get_absolute_url()).content.decode()

    def test_a_medium_kept_inside_is_not_awaiting_and_paper_never(self, employee, netops):
        done = self.sanitize(employee, netops, destination="internal_reuse")
        text = pdf_text(certificate_pdf(done))
        assert not done.awaiting_validation and "Awaiting validation" not in text and "Not yet validated" in text
        paper = make_record(custodian=employee, status=Status.DESTROYED)
        assert not paper.destruction.awaiting_validation

    @pytest.mark.parametrize("method_type, method, destination, description", [
        ("clear", "overwrite", "internal_reuse", "Clear applies logical techniques to sanitize data in all "
                                                "user-addressable storage locations"),
        ("destroy", "shred", "recycling_facility", "Destroy renders target data recovery infeasible using state of the "
                                                   "art laboratory techniques and results in the subsequent inability to "
                                                   "use the media for storage of data."),
    ])
    def test_the_certificate_words_the_method_type_as_nist_does(
        self, employee, netops, method_type, method, destination, description
    ):
        done = self.sanitize(employee, netops, method_type=method_type, method=method, destination=destination)
        assert description in pdf_text(certificate_pdf(done))


@pytest.mark.django_db
def test_existing_destructions_keep_whatever_they_recorded(employee, netops):
    """A destruction recorded before the table is not rewritten: its certificate still renders."""
    record = make_record(custodian=employee, status=Status.DESTROYED, medium=Medium.SSD, netops=netops)
    Destruction.objects.filter(record=record).update(method_type="clear", method="shred", destination="external_reuse")
    text = pdf_text(certificate_pdf(Record.objects.get(pk=record.pk).destruction))
    assert "Shred" in text and "External reuse" in text and "Awaiting validation" in text

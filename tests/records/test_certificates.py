"""Certificates of destruction and sanitization: what they say, read back from the PDF, and that
they are reproducible byte for byte from the stored data."""

from datetime import timedelta

import pypdfium2
import pytest
from django.utils import timezone, translation

from records import destruction as services
from records.certificates import _render_pdf, certificate_filename, certificate_pdf, custody_chain
from records.models import Medium, Status
from records.roles import Role
from tests.factories import MEDIUM, SANITIZED, ScheduleFactory, UserFactory, make_record, read_off

pytestmark = pytest.mark.django_db

LETTER_HEIGHT = 792  # points
MARGIN = 0.8 * 72  # the @page margin of the template


def pages_of(data):
    """The text of each page, whitespace normalised (table cells wrap lines anywhere)."""
    pdf = pypdfium2.PdfDocument(data)
    try:
        return [" ".join(page.get_textpage().get_text_bounded().split()) for page in pdf]
    finally:
        pdf.close()


def margins_of(data):
    """(top margin text, bottom margin text) of each page."""
    pdf = pypdfium2.PdfDocument(data)
    try:
        result = []
        for page in pdf:
            text, (width, height) = page.get_textpage(), page.get_size()
            top = text.get_text_bounded(left=0, bottom=height - MARGIN, right=width, top=height)
            bottom = text.get_text_bounded(left=0, bottom=0, right=width, top=MARGIN)
            result.append((" ".join(top.split()), " ".join(bottom.split())))
        return result
    finally:
        pdf.close()


def metadata_of(data):
    pdf = pypdfium2.PdfDocument(data)
    try:
        return pdf.get_metadata_dict(skip_empty=True)
    finally:
        pdf.close()


def in_order(text, *parts):
    positions = [text.index(part) for part in parts]
    return positions == sorted(positions)


def custody_section(text):
    return text[text.index("CHAIN OF CUSTODY"):]


@pytest.fixture
def schedule(db):
    return ScheduleFactory(code="TOLL-BILLING", title="Toll billing records", legal_citation="47 CFR 42.6")


@pytest.fixture
def validator(db):
    """A second Network Operations director, who countersigns what others destroyed."""
    return UserFactory(
        username="vera", first_name="Vera", last_name="Quinn", title="Network Security Manager",
        role=Role.NETOPS_DIRECTOR,
    )


@pytest.fixture
def shredded(frozen_today, employee, colleague, schedule):
    """Paper shredded by a vendor, witnessed by a colleague."""
    record = make_record(custodian=employee, status=Status.DUE, schedule=schedule, title="Toll detail printouts Q3")
    record = services.record_mark_for_shredding(actor=employee, record=record)
    return services.shredding_confirm(
        actor=employee, record=record, destroyed_on=timezone.localdate(), method="shredding_vendor",
        vendor_certificate_number="SHRED-CO-7781", witness=colleague,
    )


@pytest.fixture
def sanitized(frozen_today, employee, netops, schedule):
    """A hard disk handed over, received and crypto-erased by Network Operations."""
    record = make_record(
        custodian=employee, status=Status.DUE, medium=Medium.HARD_DISK, schedule=schedule,
        title="Billing export disk", media_serial_number="WX41A12345",
    )
    services.media_hand_over(actor=employee, handovers=[(record, "wx41a12345 ")])
    services.media_receive(actor=netops, receipts=read_off([record]))
    [destruction] = services.media_destruction_confirm(
        actor=netops, records=[record], destroyed_on=timezone.localdate(),
        media={record.pk: {**MEDIUM, "media_property_number": "PROP-0042"}},
        **{**SANITIZED, "media_source": "Billing data warehouse",
           "performer_location": "Dallas data center", "performer_phone": "+1 214 555 0100",
           "post_sanitization_classification": "Unclassified", "destination_details": "GreenCycle LLC"},
    )
    return destruction


class TestCustodyChain:
    def test_lists_the_custody_steps_oldest_first_with_who_by_full_name_and_details_in_three_queries(
        self, sanitized, employee, netops, django_assert_num_queries
    ):
        with django_assert_num_queries(3):  # the events, the people, their history
            chain = custody_chain(sanitized.record)
        assert [(step.step, step.who) for step in chain] == [
            ("Handed over to Network Operations", employee.get_full_name()),
            ("Received by Network Operations", netops.get_full_name()),
            ("Sanitized / destroyed", netops.get_full_name()),
        ]
        assert chain[0].details == "serial number wx41a12345 confirmed"
        assert chain[2].details == "Purge, Cryptographic erase, on 2026-11-23"
        assert all(timezone.is_aware(step.when) for step in chain)
        assert [step.when for step in chain] == sorted(step.when for step in chain)

    def test_a_later_rename_does_not_rewrite_the_chain(self, sanitized, employee):
        name_then = employee.get_full_name()
        employee.last_name = "Renamed"
        employee.save()
        assert custody_chain(sanitized.record)[0].who == name_then

    def test_validation_is_the_last_step(self, shredded, colleague, netops):
        services.destruction_validate(actor=netops, destruction=shredded)
        chain = custody_chain(shredded.record)
        assert [step.step for step in chain] == ["Marked for shredding", "Shredded", "Validated"]
        assert chain[1].details == f"Shredding vendor, on 2026-11-23, witnessed by {colleague.get_full_name()}"
        assert chain[2].details == f"certificate {shredded.certificate_number}"


class TestPaperCertificate:
    def test_states_the_destruction_of_the_record(self, shredded, employee, colleague):
        [text] = pages_of(certificate_pdf(shredded))
        record = shredded.record
        for expected in (
            "Example Telecom, Inc.", "Certificate of Destruction", shredded.certificate_number,
            record.reference, "Toll detail printouts Q3", "Paper", str(employee), "Billing",
            "TOLL-BILLING", "Toll billing records", "47 CFR 42.6", record.expiry_date.isoformat(),
            "Shredding vendor", "2026-11-23", "SHRED-CO-7781", str(colleague), "Not yet validated",
        ):
            assert expected in text, expected
        assert "Sanitization" not in text
        assert in_order(custody_section(text), "Marked for shredding", "Shredded")

    def test_is_confidential_at_the_top_and_bottom_of_the_page(self, shredded):
        for top, bottom in margins_of(certificate_pdf(shredded)):
            assert top == "CONFIDENTIAL"
            assert "CONFIDENTIAL" in bottom and shredded.certificate_number in bottom

    def test_filename_is_marked_confidential_and_names_the_certificate(self, shredded):
        number = shredded.certificate_number
        assert number == "CD-2026-000001"
        assert certificate_filename(shredded) == "CONFIDENTIAL-certificate-CD-2026-000001.pdf"

    def test_pdf_metadata_comes_from_the_stored_times(self, shredded, time_machine):
        time_machine.move_to(timezone.now() + timedelta(days=3))
        metadata = metadata_of(certificate_pdf(shredded))
        assert metadata["Title"] == f"Certificate of Destruction {shredded.certificate_number}"
        recorded = timezone.localtime(shredded.performed_at).strftime("D:%Y%m%d%H%M%S-05'00")
        assert metadata["CreationDate"] == metadata["ModDate"] == recorded

    def test_text_is_escaped_not_interpreted(self, frozen_today, employee, schedule):
        title = "<b>Q3</b> & <i>more</i>"
        record = make_record(custodian=employee, status=Status.DESTROYED, schedule=schedule, title=title)
        [text] = pages_of(certificate_pdf(record.destruction))
        assert title in text


class TestMediaCertificate:
    def test_records_what_a_nist_certificate_of_sanitization_records(self, sanitized, netops):
        text = " ".join(pages_of(certificate_pdf(sanitized)))
        for expected in (
            "Certificate of Sanitization (NIST SP 800-88)", sanitized.certificate_number, sanitized.record.reference,
            "TOLL-BILLING", str(netops), "Example Telecom, Inc.", "Dallas data center", "+1 214 555 0100",
            "Seagate", "ST2000DM008", "WX41A12345", "PROP-0042", "Hard disk", "Billing data warehouse",
            "CPNI — CONFIDENTIAL", "Purge", "Cryptographic erase", "ATA Sanitize Crypto Scramble", "hdparm", "9.65",
            "Full read-back sample of 10% of sectors", "No recoverable data", "Unclassified",
            "Recycling facility", "GreenCycle LLC",
            "Purge applies physical or logical techniques that render target data recovery infeasible",
            "Awaiting validation: this medium left the organisation (Recycling facility).",
        ):
            assert expected in text, expected
        assert in_order(
            custody_section(text),
            "Handed over to Network Operations", "serial number wx41a12345 confirmed",
            "Received by Network Operations", "Sanitized / destroyed",
        )

    def test_empty_fields_show_a_dash(self, sanitized):
        text = " ".join(pages_of(certificate_pdf(sanitized)))
        assert "Backup location —" in text
        assert "Data backed up No" in text

    def test_every_page_is_confidential_at_top_and_bottom(self, sanitized):
        sanitized.notes = "Drive bay photographs filed with the work order.\n" * 60  # runs over a page
        sanitized.save(update_fields=["notes"])
        margins = margins_of(certificate_pdf(sanitized))
        assert len(margins) >= 2
        for number, (top, bottom) in enumerate(margins, start=1):
            assert top == "CONFIDENTIAL"
            assert "CONFIDENTIAL" in bottom and f"Page {number} of {len(margins)}" in bottom


class TestReproducibility:
    @pytest.mark.parametrize("html", [
        '<img src="https://cdn.example.com/logo.png">',
        '<link rel="stylesheet" href="static/css/app.css">',
        '<p style="background: url(data:image/png;base64,AAAA)">x</p>',
    ])
    def test_nothing_is_fetched_a_url_stops_the_rendering(self, html):
        with pytest.raises(RuntimeError, match="must not refer to any URL"):
            _render_pdf(html)

    def test_same_bytes_days_later_in_another_time_zone_and_language(self, shredded, time_machine):
        first = certificate_pdf(shredded)
        time_machine.move_to(timezone.now() + timedelta(days=9, hours=5))
        with timezone.override("Asia/Tokyo"), translation.override("fr"):
            assert certificate_pdf(shredded) == first

    def test_validation_names_the_validator_and_the_new_version_is_reproducible(
        self, sanitized, validator, time_machine
    ):
        before = certificate_pdf(sanitized)
        time_machine.move_to(timezone.now() + timedelta(days=2))
        validated = services.destruction_validate(actor=validator, destruction=sanitized)
        after = certificate_pdf(validated)
        assert after != before
        text = " ".join(pages_of(after))
        assert "Vera Quinn, Network Security Manager" in text
        assert "Not yet validated" not in text
        assert timezone.localtime(validated.validated_at).strftime("%Y-%m-%d %H:%M %Z") in text
        assert custody_section(text).rstrip().count("Validated") == 1
        assert metadata_of(after)["ModDate"] != metadata_of(after)["CreationDate"]

        time_machine.move_to(timezone.now() + timedelta(days=30))
        assert certificate_pdf(validated) == after

    def test_later_edits_to_schedule_and_people_do_not_rewrite_the_certificate(
        self, shredded, schedule, employee, time_machine
    ):
        issued = certificate_pdf(shredded)
        time_machine.move_to(timezone.now() + timedelta(days=1))
        schedule.title = "Toll and usage billing records"
        schedule.save()
        employee.last_name = "Renamed"
        employee.save()
        shredded.refresh_from_db()
        assert certificate_pdf(shredded) == issued

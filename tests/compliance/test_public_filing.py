"""The public filing: the certification as the officer files it in ECFS, built into every package
beside the internal certification.pdf, and both PDFs read in the browser from the package page."""

import io
import zipfile
from datetime import date, datetime

import pypdfium2
import pytest
from django.urls import reverse
from django.utils import timezone

from compliance import package as packaging
from compliance.certification_pdf import DRAFT_MARK, NO_BROKER_ACTIONS, NO_COMPLAINTS, NO_PRETEXTING
from compliance.package import build_package
from records.models import AuditEvent
from compliance.models import CertificationFiling, CertificationPackage, CustomerComplaint, DataBrokerAction, PretextingObservation
from compliance.public_filing import public_filing_pdf
from tests.factories import make_company_profile
from tests.compliance.test_certification import NEW_YORK, pages_of

pytestmark = pytest.mark.django_db

YEAR = 2025  # ended on the frozen day, 2026-11-23
Category = CustomerComplaint.Category
HEADING = "Annual 47 C.F.R. § 64.2009(e) CPNI Certification for 2026, covering calendar year 2025"
PAGE_ONE = [
    HEADING,
    "EB Docket No. 06-36",
    "Date filed: ________________",
    "Name of company covered by this certification: Example Telecom, Inc. Form 499 Filer ID: 831234 "
    "Name of company covered by this certification: Example Telecom of Vermont, LLC "
    "Form 499 Filer ID: N/A (Provides intrastate service only)",
    "Name of signatory: Oscar Tanaka",
    "Title of signatory: President and CEO",
    "I, Oscar Tanaka, certify that I am an officer of the company named above, and acting as an agent of the "
    "company, that I have personal knowledge that the company has established operating procedures",
    "I attest that this certification and its attachments are truthful, accurate and complete.",
    "consistent with 47 C.F.R. § 1.17, which requires truthful and accurate statements to the Commission",
    "false statements and misrepresentations to the Commission are punishable under Title 18 of the U.S. Code and "
    "may subject it to enforcement action",
    "Attachments: 1. Accompanying statement explaining how the company's procedures ensure compliance "
    "2. Explanation of actions taken against data brokers "
    "3. Summary of customer complaints concerning the unauthorized release of CPNI",
    "Signed: Oscar Tanaka, President and CEO Date",
]


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    return settings.VAR_DIR


@pytest.fixture
def profile(frozen_today, officer):
    return make_company_profile(
        companies=[("Example Telecom, Inc.", "831234"),
                   ("Example Telecom of Vermont, LLC", "", "Provides intrastate service only")],
        signatory=officer,
    )


@pytest.fixture
def registers(profile, records_manager):
    """2025's registers: four complaints in four categories, one of them "Other", one action against
    a data broker and one pretexting method seen; and a complaint of 2026, which is not 2025's."""
    for received_on, category, other, summary in [
        (date(2025, 2, 3), Category.EMPLOYEE_ACCESS, "", "A store clerk looked up a neighbour's calls"),
        (date(2025, 7, 9), Category.EMPLOYEE_ACCESS, "", "A technician read an account's notes"),
        (date(2025, 9, 14), Category.OTHER, "Misdirected mail", "A bill was mailed to a former address"),
        (date(2025, 10, 1), Category.ONLINE_ACCESS, "", "A former partner signed in to the portal"),
        (date(2026, 1, 5), Category.IMPROPER_DISCLOSURE, "", "Not of 2025"),
    ]:
        CustomerComplaint.objects.create(received_on=received_on, category=category, other_category=other,
                                         summary=summary, recorded_by=records_manager)
    DataBrokerAction.objects.create(taken_on=date(2025, 6, 2), forum=DataBrokerAction.Forum.COURT,
                                    description="Petition against DataFinders LLC in the Superior Court",
                                    recorded_by=records_manager)
    PretextingObservation.objects.create(observed_on=date(2025, 3, 10), method="Caller posing as the account holder",
                                         steps_taken="Call-back to the number of record", recorded_by=records_manager)


def build(user, year=YEAR):
    package = CertificationPackage.objects.create(year=year, requested_by=user, requested_at=timezone.now(),
                                                  draft=year >= timezone.localdate().year)
    return build_package(package)


def from_the_zip(package, name):
    with zipfile.ZipFile(packaging.package_path(package)) as archive:
        return archive.read(name)


# --------------------------------------------------------------------------- the document

def test_page_one_is_the_certification_as_filed_and_the_attachments_follow(registers, records_manager):
    package = build(records_manager)
    data = from_the_zip(package, "public-filing.pdf")
    pages = pages_of(data)

    for expected in PAGE_ONE:
        assert expected in pages[0], expected
    assert "Attachment 1" not in pages[0] and "DataFinders" not in pages[0], "the attachments start on page 2"
    later = " ".join(pages[1:])
    assert "Attachment 1: Accompanying Statement" in later
    assert "TOLL" not in later and "No retention schedule is active." in later  # the live statement
    assert "Employees must include the word “Confidential” in capital letters on all documents that include CPNI" in later
    assert "Attachment 2: Explanation of Actions Taken Against Data Brokers" in later
    assert "Petition against DataFinders LLC in the Superior Court" in later
    assert "Caller posing as the account holder" in later and "Call-back to the number of record" in later
    assert "Attachment 3: Summary of Customer Complaints" in later
    assert "The company has received 4 customer complaints in the past year concerning the unauthorized release of CPNI" in later
    assert ("Improper access by employees 2 Improper disclosure to individuals not authorized to receive it 0 "
            "Improper access to online information by individuals not authorized to view it 1 "
            "Other (describe) 1 Total 4") in later
    assert "Other: Misdirected mail A bill was mailed to a former address" in later
    assert "A store clerk looked up a neighbour's calls" in later and "Not of 2025" not in later
    assert not any("CONFIDENTIAL" in page for page in pages)
    assert "CPNI Track figures" not in later and "Records destroyed" not in later, "no internal figures"
    assert not any("DRAFT" in page for page in pages)
    assert public_filing_pdf(YEAR) == data, "reproducible from the stored data"


def test_page_one_keeps_the_signature_whatever_the_number_of_register_rows(registers, records_manager):
    CustomerComplaint.objects.bulk_create([
        CustomerComplaint(received_on=date(2025, 1 + n % 12, 1 + n % 28), category=Category.values[n % 4],
                          other_category="Misdirected mail" if n % 4 == 3 else "", summary=f"Complaint number {n}",
                          recorded_by=records_manager)
        for n in range(196)
    ])
    DataBrokerAction.objects.bulk_create([
        DataBrokerAction(taken_on=date(2025, 1 + n % 12, 2), forum=DataBrokerAction.Forum.FCC,
                         description=f"Petition number {n}", recorded_by=records_manager)
        for n in range(49)
    ])

    pages = pages_of(public_filing_pdf(YEAR))

    assert len(pages) > 6
    for expected in PAGE_ONE:
        assert expected in pages[0], expected
    text = " ".join(pages)
    assert "Total 200" in text and "Complaint number 195" in text and "Petition number 48" in text


def test_a_filed_year_with_nothing_to_report_shows_its_dates_and_says_so(records_manager, officer, time_machine):
    make_company_profile(
        companies=[("Example Telecom, Inc.", "", "Company does not provide interstate telecommunications service")],
        signatory=officer,
    )
    time_machine.move_to(datetime(2026, 2, 20, 15, tzinfo=NEW_YORK))
    package = CertificationPackage.objects.create(year=YEAR, requested_by=records_manager, requested_at=timezone.now(),
                                                  state=CertificationPackage.State.READY)
    CertificationFiling.objects.create(year=YEAR, package=package, signed_by=officer, signed_on=date(2026, 2, 19),
                                       filed_on=date(2026, 2, 20), recorded_at=timezone.now())

    data = public_filing_pdf(YEAR)
    pages = pages_of(data)
    text = " ".join(pages)

    assert "Date filed: February 20, 2026" in pages[0]
    assert "Signed: Oscar Tanaka, President and CEO February 19, 2026 Date" in pages[0]
    assert "Form 499 Filer ID: N/A (Company does not provide interstate telecommunications service)" in pages[0]
    assert NO_BROKER_ACTIONS in text and NO_COMPLAINTS in text and NO_PRETEXTING in text
    time_machine.move_to(datetime(2026, 6, 1, tzinfo=NEW_YORK))
    assert public_filing_pdf(YEAR) == data
    pdf = pypdfium2.PdfDocument(data)
    try:
        assert pdf.get_metadata_dict()["CreationDate"].startswith("D:20260220")
    finally:
        pdf.close()


def test_a_draft_is_marked_on_every_page_and_never_confidential(profile, records_manager):
    package = build(records_manager, year=2026)
    assert package.draft

    pages = pages_of(from_the_zip(package, "public-filing.pdf"))

    assert len(pages) >= 4 and all(DRAFT_MARK in page for page in pages)
    assert "A draft made before 2026 ended: the attachments report the year to date" in pages[0]
    assert "Signed: Oscar Tanaka" in pages[0]
    assert not any("CONFIDENTIAL" in page for page in pages)


# --------------------------------------------------------------------------- reading them from the package page

def test_the_package_page_links_both_pdfs_and_serves_them_inline_from_the_zip(client, registers, records_manager, auditor):
    package = build(records_manager)
    client.force_login(auditor)

    page = client.get(reverse("package-detail", args=[package.pk])).content.decode()
    assert reverse("package-public-filing", args=[package.pk]) in page
    assert reverse("package-certification-pdf", args=[package.pk]) in page

    for name, url, action, file_name in [
        ("public-filing.pdf", "package-public-filing", "export.public_filing",
         f"cpni-certification-public-filing-2025-{package.pk}.pdf"),
        ("certification.pdf", "package-certification-pdf", "export.certification_pdf",
         f"CONFIDENTIAL-cpni-certification-2025-{package.pk}.pdf"),
    ]:
        response = client.get(reverse(url, args=[package.pk]))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == f'inline; filename="{file_name}"'
        assert response.content == from_the_zip(package, name)
        event = AuditEvent.objects.order_by("-sequence").first()
        assert (event.action, event.actor, event.object_id) == (action, auditor, str(package.pk))
        assert event.payload == {"year": YEAR, "file": name, "package_sha256": package.sha256}


def test_a_package_not_built_or_without_the_file_is_not_found_with_a_clear_message(client, profile, records_manager, var_dir):
    client.force_login(records_manager)
    queued = CertificationPackage.objects.create(year=YEAR, requested_by=records_manager, requested_at=timezone.now())
    events = AuditEvent.objects.count()

    response = client.get(reverse("package-public-filing", args=[queued.pk]))
    assert response.status_code == 404
    assert "The 2025 package is not built yet (Queued)" in response.content.decode()

    older = CertificationPackage.objects.create(year=YEAR, requested_by=records_manager, requested_at=timezone.now(),
                                                state=CertificationPackage.State.READY)
    packaging.package_path(older).parent.mkdir(parents=True)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("certification.pdf", b"%PDF-1.7")
    packaging.package_path(older).write_bytes(buffer.getvalue())
    response = client.get(reverse("package-public-filing", args=[older.pk]))
    assert response.status_code == 404
    assert f"Package #{older.pk} holds no public-filing.pdf" in response.content.decode()
    assert "build the 2025 package again" in response.content.decode()

    packaging.package_path(older).unlink()
    assert client.get(reverse("package-certification-pdf", args=[older.pk])).status_code == 404
    assert AuditEvent.objects.count() == events, "nothing served, nothing audited"


@pytest.mark.parametrize("url", ["package-public-filing", "package-certification-pdf"])
def test_an_employee_may_not_read_them(client, registers, records_manager, employee, url):
    package = build(records_manager)
    client.force_login(employee)
    events = AuditEvent.objects.count()
    assert client.get(reverse(url, args=[package.pk])).status_code == 403
    assert AuditEvent.objects.count() == events

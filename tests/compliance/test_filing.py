"""Signing and filing are two steps: the officer signs the year's certification, files it in ECFS,
then records the filing with the signed PDF as filed (kept with its SHA-256), the ECFS confirmation
number and the date filed, confirming what gets locked. A filed year's registers and destructions
are read-only until an amendment reopens the year and an amended certification is filed."""

import hashlib
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from compliance import filing
from compliance.filed_years import is_locked
from compliance.models import CertificationAmendment, CertificationFiling, CertificationPackage, CustomerComplaint
from compliance.selectors import certification_years
from records import destruction
from records.models import AuditEvent, Status
from tests.factories import TEST_PASSWORD, make_company_profile, make_record

pytestmark = pytest.mark.django_db
SIGNED_PDF = b"%PDF-1.7\n% the public filing, signed\n%%EOF\n"


def record_filing(client, signed, **overrides):
    """Post the filing of `signed` as the officer would: the signed PDF, ECFS's number, the date, the lock."""
    data = {"signed_pdf": SimpleUploadedFile("signed.pdf", SIGNED_PDF, content_type="application/pdf"),
            "ecfs_confirmation": "20260221123456", "filed_on": "2026-02-21", "lock_confirmed": "on", **overrides}
    return client.post(reverse("filing-file", args=[signed.pk]), {k: v for k, v in data.items() if v is not None})


def ready_package(year, requested_by, **values):
    return CertificationPackage.objects.create(
        year=year, requested_by=requested_by, requested_at=timezone.now(), state=CertificationPackage.State.READY,
        sha256="0" * 64, **values,
    )


def sign(client, package):
    data = {"signed_on": "2026-02-20", "personal_knowledge": "on", "password": TEST_PASSWORD}
    response = client.post(reverse("package-sign", args=[package.pk]), data)
    assert response.status_code == 302, response.content.decode()
    return CertificationFiling.objects.standing().get(year=package.year)


@pytest.fixture
def signed(client, officer, records_manager, frozen_today, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    make_company_profile(signatory=officer)
    client.force_login(officer)
    return sign(client, ready_package(2025, records_manager))


def test_signing_locks_nothing_and_filing_records_what_was_filed(client, officer, signed, settings):
    assert signed.filed_on is None and not is_locked(2025)
    assert AuditEvent.objects.filter(action="certification.signed").count() == 1
    page = client.get(reverse("package-detail", args=[signed.package_id])).content.decode()
    assert "2. Record the filing in ECFS" in page and "Record the filing and lock 2025" in page
    assert "complaints, actions against data brokers, pretexting observations and destructions dated in 2025" in page
    assert [y.status for y in certification_years() if y.year == 2025] == ["signed"]

    assert record_filing(client, signed).status_code == 302
    signed.refresh_from_db()
    assert (signed.filed_on, signed.ecfs_confirmation) == (date(2026, 2, 21), "20260221123456")
    assert signed.signed_pdf_sha256 == hashlib.sha256(SIGNED_PDF).hexdigest() and signed.signed_pdf_size == len(SIGNED_PDF)
    assert (settings.VAR_DIR / "filings" / signed.signed_pdf_name).read_bytes() == SIGNED_PDF
    assert is_locked(2025) and not is_locked(2024)
    event = AuditEvent.objects.get(action="certification.filed")
    assert event.actor == officer and event.payload["signed_pdf_sha256"] == signed.signed_pdf_sha256
    assert event.payload["ecfs_confirmation"] == "20260221123456" and event.payload["late"] is False
    download = client.get(reverse("filing-signed-pdf", args=[signed.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == SIGNED_PDF
    assert [y.status for y in certification_years() if y.year == 2025] == ["filed"]
    refused = client.post(reverse("package-request"), {"year": "2025"})
    assert refused.status_code == 400 and "Open an amendment to correct it" in refused.content.decode()


@pytest.mark.parametrize("overrides, message", [
    ({"signed_pdf": None}, "This field is required"),
    ({"signed_pdf": SimpleUploadedFile("signed.docx", b"PK\x03\x04 not a pdf")}, "That file is not a PDF"),
    ({"ecfs_confirmation": "??"}, "Enter the confirmation number ECFS gave the filing"),
    ({"lock_confirmed": None}, "Confirm that recording the filing locks 2025"),
    ({"filed_on": "2026-02-19"}, "The filing date cannot be before 2026-02-20, the day it was signed"),
    ({"filed_on": "2026-12-01"}, "The filing date cannot be in the future"),
])
def test_a_filing_with_a_missing_or_wrong_fact_is_refused_and_nothing_is_kept(client, signed, settings, overrides, message):
    events = AuditEvent.objects.count()
    response = record_filing(client, signed, **overrides)
    assert response.status_code == 400 and message in response.content.decode()
    signed.refresh_from_db()
    assert signed.filed_on is None and not is_locked(2025) and AuditEvent.objects.count() == events
    assert not (settings.VAR_DIR / "filings").exists()


def test_only_the_officer_who_signed_records_the_filing(client, signed, records_manager, auditor):
    for someone in (records_manager, auditor):
        client.force_login(someone)
        assert record_filing(client, signed).status_code == 403
        assert "Record the filing in ECFS" not in client.get(reverse("package-detail", args=[signed.package_id])).content.decode()
    signed.refresh_from_db()
    assert signed.filed_on is None


def test_a_filing_after_the_due_date_is_recorded_as_late(client, signed):
    assert record_filing(client, signed, filed_on="2026-03-03").status_code == 302  # due 2026-03-02
    signed.refresh_from_db()
    assert signed.is_late and AuditEvent.objects.get(action="certification.filed").payload["late"] is True
    assert [y.status for y in certification_years() if y.year == 2025] == ["late"]
    assert "late" in client.get(reverse("package-detail", args=[signed.package_id])).content.decode()


def test_a_filed_years_registers_and_destructions_are_read_only(client, signed, records_manager, employee):
    client.force_login(records_manager)
    earlier = CustomerComplaint.objects.create(received_on=date(2025, 5, 1), category="employee_access",
                                               summary="Looked up", recorded_by=records_manager)
    client.force_login(signed.signed_by)
    record_filing(client, signed)
    client.force_login(records_manager)
    data = {"received_on": "2025-06-01", "category": "employee_access", "summary": "Another", "resolution": ""}
    refused = client.post(reverse("register-create", args=["complaints"]), data)
    assert refused.status_code == 200 and "whose certification was filed on 2026-02-21" in refused.content.decode()
    edit = client.post(reverse("register-edit", args=["complaints", earlier.pk]), {**data, "received_on": "2026-01-05"})
    assert "2025-05-01 falls in 2025" in edit.content.decode(), "nor moved out of the filed year"
    moved_in = CustomerComplaint.objects.create(received_on=date(2026, 1, 5), category="employee_access",
                                                summary="This year", recorded_by=records_manager)
    assert "falls in 2025" in client.post(reverse("register-edit", args=["complaints", moved_in.pk]), data).content.decode()
    assert client.post(reverse("register-create", args=["complaints"]), {**data, "received_on": "2026-02-01"}).status_code == 302
    assert CustomerComplaint.objects.filter(received_on__year=2025).count() == 1

    paper = make_record(custodian=employee, status=Status.DUE)
    with pytest.raises(ValidationError, match="falls in 2025, whose certification was filed"):
        destruction.shredding_confirm(actor=employee, record=paper, destroyed_on=date(2025, 12, 30), method="cross_cut_shredder")


def test_an_amendment_reopens_the_year_until_the_amended_certification_is_filed(
    client, signed, records_manager, officer, employee, approved_statement
):
    record_filing(client, signed)
    client.force_login(employee)
    assert client.post(reverse("amendment-open", args=[signed.pk]), {"reason": "x"}).status_code == 403
    client.force_login(records_manager)
    no_reason = client.post(reverse("amendment-open", args=[signed.pk]), {"reason": " "})
    assert no_reason.status_code == 400 and not CertificationAmendment.objects.exists()
    assert client.post(reverse("amendment-open", args=[signed.pk]), {"reason": "A complaint of May was missed"}).status_code == 302
    assert not is_locked(2025)
    home = client.get(reverse("certification")).content.decode()
    assert "Amended certification needed for 2025" in home and "A complaint of May was missed" in home
    assert [y.status for y in certification_years() if y.year == 2025] == ["amending"]
    data = {"received_on": "2025-05-01", "category": "employee_access", "summary": "Missed", "resolution": ""}
    assert client.post(reverse("register-create", args=["complaints"]), data).status_code == 302

    stale = ready_package(2025, records_manager, version=2)  # not built for the amendment
    client.force_login(officer)
    refused = client.post(reverse("package-sign", args=[stale.pk]),
                          {"signed_on": "2026-11-20", "personal_knowledge": "on", "password": TEST_PASSWORD})
    assert refused.status_code == 400 and "sign a package built for the amendment" in refused.content.decode()
    client.force_login(records_manager)
    assert client.post(reverse("package-request"), {"year": "2025"}).status_code == 302
    amended = CertificationPackage.objects.latest("pk")
    assert amended.amendment == CertificationAmendment.objects.get() and amended.version == 3
    CertificationPackage.objects.filter(pk=amended.pk).update(state=CertificationPackage.State.READY, sha256="1" * 64)
    client.force_login(officer)
    resigned = sign(client, amended)
    signed.refresh_from_db()
    assert signed.superseded_at is not None and resigned.pk != signed.pk
    assert record_filing(client, resigned, filed_on="2026-11-21", ecfs_confirmation="20261121000001").status_code == 302
    assert is_locked(2025) and CertificationAmendment.objects.get().filing == resigned
    assert [y.status for y in certification_years() if y.year == 2025] == ["amended"]
    assert "Amended certification needed" not in client.get(reverse("certification")).content.decode()


def test_withdrawing_an_amended_filing_leaves_the_amendment_open(client, signed, records_manager, officer):
    record_filing(client, signed)
    amendment = filing.amendment_open(actor=records_manager, year=2025, reason="Correct the count")
    package = ready_package(2025, records_manager, version=2, amendment=amendment)
    resigned = sign(client, package)
    record_filing(client, resigned)
    filing.certification_withdraw(actor=officer, filing=CertificationFiling.objects.standing().get(), reason="Wrong PDF")
    amendment.refresh_from_db()
    assert amendment.filing is None and not is_locked(2025)
    assert [y.status for y in certification_years() if y.year == 2025] == ["amending"]


def test_a_scanned_signed_pdf_of_several_megabytes_is_accepted_and_one_too_large_refused(client, signed, settings):
    scanned = SIGNED_PDF + b"0" * (3 * 1024 * 1024)  # over the 2 MB of an ordinary form
    settings.SIGNED_PDF_MAX_BYTES = 4 * 1024 * 1024
    too_large = SimpleUploadedFile("signed.pdf", scanned + b"0" * (2 * 1024 * 1024), content_type="application/pdf")
    assert record_filing(client, signed, signed_pdf=too_large).status_code in (400, 413)
    signed.refresh_from_db()
    assert signed.filed_on is None
    upload = SimpleUploadedFile("signed.pdf", scanned, content_type="application/pdf")
    assert record_filing(client, signed, signed_pdf=upload).status_code == 302
    signed.refresh_from_db()
    assert signed.signed_pdf_size == len(scanned)

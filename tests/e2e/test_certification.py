"""The officer's certification of an ended year, in a real browser: a records manager builds the
package, the officer reads both PDFs, signs, files in ECFS and records the filing; the year locks."""

import re
from datetime import date

import pypdfium2
from playwright.sync_api import expect

from tests.documents import pdf_bytes


def pdf_text(data):
    return "".join(page.get_textpage().get_text_bounded() for page in pypdfium2.PdfDocument(data))


def test_the_officer_reads_signs_and_files_an_ended_year(journey, stack, tmp_path):
    year, today = date.today().year - 1, date.today().isoformat()
    rita = journey.as_user("rita")
    journey.go(rita, "/certification/")
    rita.get_by_label("Year:", exact=True).fill(str(year))
    rita.get_by_role("button", name="Build the package").click()
    expect(rita.get_by_text("Ready")).to_be_visible(timeout=120000)
    package_url = rita.url

    oscar = journey.as_user("oscar")
    oscar.goto(package_url)
    journey.shot(oscar, "officer-reads-the-package")
    for name, expected in (("Public filing for ECFS", f"covering calendar year {year}"),
                           ("Certification (internal, CONFIDENTIAL)", "CONFIDENTIAL")):
        response = oscar.request.get(f"{stack.base_url}{oscar.get_by_role('link', name=name).get_attribute('href')}")
        assert response.ok and response.headers["content-type"] == "application/pdf", name
        assert expected in pdf_text(response.body()), name

    oscar.get_by_label("Signed on:", exact=True).fill(today)
    oscar.get_by_label(re.compile("I have personal knowledge")).check()
    oscar.get_by_label("Your password:", exact=True).fill(stack.password("oscar"))
    oscar.get_by_role("button", name=f"Sign the {year} certification").click()
    expect(oscar.get_by_text(f"Your signature of the {year} certification is recorded")).to_be_visible()
    journey.shot(oscar, "officer-signed")

    signed = tmp_path / "signed-public-filing.pdf"
    signed.write_bytes(pdf_bytes([f"CPNI certification {year}, signed by Oscar Tanaka"], pages=1))
    oscar.get_by_label("The signed certification as filed (PDF):", exact=True).set_input_files(signed)
    oscar.get_by_label("ECFS confirmation number:", exact=True).fill("20261204000123")
    oscar.get_by_label("Filed in ECFS on:", exact=True).fill(today)
    oscar.get_by_label(re.compile(f"Recording it locks {year}")).check()
    oscar.get_by_role("button", name=f"Record the filing and lock {year}").click()
    expect(oscar.get_by_text(f"The {year} certification is recorded as filed; the year is locked.")).to_be_visible()
    expect(oscar.get_by_text("confirmation 20261204000123")).to_be_visible()
    journey.shot(oscar, "officer-filed")
    filed_pdf = oscar.get_by_role("link", name=re.compile(rf"cpni-certification-{year}-filed-\d+\.pdf"))
    response = oscar.request.get(f"{stack.base_url}{filed_pdf.get_attribute('href')}")
    assert response.ok and response.body() == signed.read_bytes()

    journey.go(rita, "/certification/")
    rita.get_by_label("Year:", exact=True).fill(str(year))
    rita.get_by_role("button", name="Build the package").click()
    expect(rita.get_by_text("Open an amendment to correct it")).to_be_visible()
    journey.go(rita, "/registers/complaints/new/")
    rita.get_by_label("Received on:", exact=True).fill(f"{year}-06-01")
    rita.get_by_label("Category:", exact=True).select_option("employee_access")
    rita.get_by_label("Summary:", exact=True).fill("A clerk looked at a bill without reason")
    rita.get_by_role("button", name="Save").click()
    expect(rita.get_by_text(f"whose certification was filed on {today}")).to_be_visible()
    journey.shot(rita, "filed-year-is-read-only")

    assert not journey.accessibility_problems, "\n".join(journey.accessibility_problems)

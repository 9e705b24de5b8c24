"""The whole life of two CPNI records, as the people who handle them do it, in a real browser."""

import io
import re
import subprocess
import sys
import zipfile
from datetime import date

import pypdfium2
from playwright.sync_api import expect

from tests.documents import pdf_bytes



def reference_of(page):
    return re.search(r"/records/(CPNI-\d{4}-\d{6})/", page.url).group(1)


def log_record(page, *, title, medium, serial=""):
    page.get_by_role("link", name="Log a record").click()
    page.get_by_label("Title:", exact=True).fill(title)
    page.get_by_label("Medium:", exact=True).select_option(medium)
    if serial:
        page.get_by_label("Media serial number:", exact=True).fill(serial)
    page.get_by_label("Information in bills").check()
    page.get_by_label("Location:", exact=True).fill("HQ, records room")
    page.get_by_label("Retention schedule:", exact=True).select_option(label="TOLL-BILLING — Toll billing records (18 months)")
    page.get_by_label("Trigger date:", exact=True).fill("2024-01-15")  # 18 months ago and more: due at once


def test_the_lifecycle_of_a_paper_record_and_an_electronic_one(journey, stack, tmp_path):
    # An employee logs a paper record, attesting the CONFIDENTIAL label by sight.
    emma = journey.as_user("emma")
    journey.shot(emma, "employee-dashboard")
    log_record(emma, title="E2E toll printouts", medium="paper")
    emma.get_by_label("Visual check of the document or medium").check()
    emma.get_by_label("I have seen the word CONFIDENTIAL").check()
    journey.shot(emma, "paper-record-form")
    emma.get_by_role("button", name="Log record").click()
    expect(emma.get_by_text("was logged past its expiry")).to_be_visible()
    paper = reference_of(emma)
    expect(emma.locator(".status").first).to_have_text("Due for destruction")
    journey.shot(emma, "paper-record-logged")

    # ... and an electronic one, whose PDF lacks the marking: refused, stamped, accepted.
    unlabelled = tmp_path / "usage-export.pdf"
    unlabelled.write_bytes(pdf_bytes(["Usage export for account 5551234"], pages=2))
    log_record(emma, title="E2E usage export", medium="usb_drive", serial="USB-E2E-0001")
    emma.get_by_label("File check by CPNI Track").check()
    emma.get_by_label("Document to check:", exact=True).set_input_files(unlabelled)
    emma.get_by_role("button", name="Log record").click()
    expect(emma.get_by_text("No CONFIDENTIAL marking was found")).to_be_visible()
    journey.shot(emma, "label-check-refused")
    expect(emma.get_by_label("Location:", exact=True)).to_have_value("HQ, records room")  # everything typed is kept
    with emma.expect_download() as download:  # the stamped copy of that very file, offered in the error
        emma.get_by_role("link", name="Download a stamped copy of usage-export.pdf").click()
    stamped = tmp_path / download.value.suggested_filename
    download.value.save_as(stamped)
    assert stamped.name == "usage-export-CONFIDENTIAL.pdf"
    emma.get_by_label("Document to check:", exact=True).set_input_files(stamped)
    emma.get_by_role("button", name="Log record").click()
    expect(emma.get_by_text("was logged past its expiry")).to_be_visible()
    usb = reference_of(emma)
    expect(emma.get_by_text("File check by CPNI Track")).to_be_visible()
    journey.shot(emma, "electronic-record-logged")

    # A records manager places a legal hold on both: they are kept as they are, and off every to-do list.
    rita = journey.as_user("rita")
    journey.go(rita, "/holds/new/")
    rita.get_by_label("Matter:", exact=True).fill("E2E v. Carrier")
    rita.get_by_label("Reason:", exact=True).fill("Litigation hold for the end-to-end test")
    rita.get_by_label("Record references:", exact=True).fill(f"{paper}\n{usb}")
    journey.shot(rita, "hold-form")
    rita.get_by_role("button", name="Place hold").click()
    expect(rita.get_by_text("was placed")).to_be_visible()
    journey.shot(rita, "hold-placed")
    journey.go(rita, f"/records/{paper}/")
    expect(rita.locator(".status").first).to_have_text("Due for destruction")
    expect(rita.locator(".status-on-hold")).to_have_text("On hold")
    journey.go(emma, "/")
    expect(emma.get_by_role("heading", name="Your due records on legal hold: keep them")).to_be_visible()
    journey.shot(emma, "employee-sees-held-records")

    # ... and releases it: both records are the employee's to do again.
    journey.go(rita, "/holds/")
    rita.get_by_role("link", name=re.compile(r"^#\d+$")).first.click()
    rita.get_by_label("Why is the hold released?", exact=True).fill("Matter settled")
    rita.get_by_role("button", name="Release hold").click()
    expect(rita.get_by_text("was released")).to_be_visible()
    journey.shot(rita, "hold-released")

    # The employee sees them due, shreds the paper and confirms it.
    journey.go(emma, "/")
    expect(emma.get_by_role("heading", name="Your records due for destruction")).to_be_visible()
    journey.shot(emma, "employee-sees-due-records")
    journey.go(emma, f"/records/{paper}/")
    emma.get_by_role("button", name="Mark for shredding").click()
    emma.get_by_role("link", name="Confirm shredding").click()
    emma.get_by_label("Method:", exact=True).select_option("cross_cut_shredder")
    journey.shot(emma, "confirm-shredding")
    emma.get_by_role("button", name="Confirm shredding").click()
    expect(emma.get_by_text("is destroyed; certificate")).to_be_visible()
    journey.shot(emma, "paper-destroyed")

    # The employee hands the USB drive over, typing its serial number.
    journey.go(emma, f"/records/{usb}/")
    emma.get_by_role("link", name="Hand over to Network Operations").click()
    emma.get_by_label(f"Serial number read from {usb}", exact=True).fill("USB-E2E-0001")
    journey.shot(emma, "hand-over")
    emma.get_by_role("button", name="Hand over").click()
    expect(emma.get_by_text("handed over to Network Operations")).to_be_visible()
    expect(emma.get_by_role("heading", name="Hand-over receipt")).to_be_visible()  # printable, to sign
    expect(emma.get_by_text("USB-E2E-0001")).to_be_visible()

    # The Director of Network Operations acknowledges receipt and confirms the sanitization.
    nate = journey.as_user("nate")
    journey.go(nate, "/netops/")
    nate.get_by_label(f"Received {usb}").check()
    nate.get_by_label(f"Serial number read from {usb}", exact=True).fill("usb-e2e-0001")  # read off it again
    journey.shot(nate, "netops-queue")
    nate.get_by_role("button", name="Acknowledge receipt").click()
    expect(nate.get_by_text("Receipt of 1 medium acknowledged")).to_be_visible()
    nate.get_by_label(f"Destroy {usb}").check()
    nate.get_by_role("button", name="Record sanitization of the ticked media").click()
    nate.get_by_label("Purge").check()
    nate.get_by_label("Method used:", exact=True).select_option("cryptographic_erase")
    nate.get_by_label("Tool:", exact=True).fill("hdparm")
    nate.get_by_label("Tool version:", exact=True).fill("9.65")
    nate.get_by_label("Verification method:", exact=True).fill("Read-back of 10% of blocks")
    nate.get_by_label("Verification result:", exact=True).fill("No recoverable data")
    nate.get_by_label("Media destination:", exact=True).select_option("recycling_facility")
    journey.shot(nate, "sanitization-form")
    nate.get_by_role("button", name="Confirm sanitization").click()
    expect(nate.get_by_text("sanitized; certificates")).to_be_visible()
    journey.shot(nate, "netops-after-destruction")

    # The certificate downloads, and says what happened.
    journey.go(nate, f"/records/{usb}/")
    expect(nate.get_by_text("Chain of custody")).to_be_visible()
    journey.shot(nate, "destroyed-record-with-custody-chain")
    link = nate.get_by_role("link", name=re.compile(r"CD-\d{4}-\d{6} \(PDF\)"))
    certificate_number = link.inner_text().split()[0]
    response = nate.request.get(f"{stack.base_url}{link.get_attribute('href')}")
    assert response.ok and response.headers["content-type"] == "application/pdf"
    text = "".join(p.get_textpage().get_text_bounded() for p in pypdfium2.PdfDocument(response.body()))
    assert certificate_number in text and usb in text and "USB-E2E-0001" in text and "CONFIDENTIAL" in text

    # A records manager builds the year's certification package, built by the Celery worker.
    journey.go(rita, "/certification/")
    rita.get_by_label("Year:", exact=True).fill(str(date.today().year))
    rita.get_by_role("button", name="Build the package").click()
    expect(rita.get_by_text("Ready")).to_be_visible(timeout=120000)
    journey.shot(rita, "certification-package-ready")
    with rita.expect_download() as download:
        rita.get_by_role("link", name="download").click()
    package = tmp_path / "package.zip"
    download.value.save_as(package)
    unpacked = tmp_path / "package"
    zipfile.ZipFile(io.BytesIO(package.read_bytes())).extractall(unpacked)
    verified = subprocess.run([sys.executable, "verify_package.py"], cwd=unpacked, capture_output=True, text=True)
    assert verified.returncode == 0 and verified.stdout.startswith("OK"), verified.stdout + verified.stderr

    # An auditor verifies the chain and can change nothing.
    ann = journey.as_user("ann")
    journey.go(ann, "/audit/")
    ann.get_by_role("button", name="Verify everything from the start").click()
    expect(ann.get_by_role("progressbar")).to_be_visible()  # the job's page, run by the worker
    expect(ann.get_by_text("The audit chain is intact")).to_be_visible(timeout=60000)
    journey.shot(ann, "auditor-verifies-chain")
    journey.go(ann, "/audit/")
    expect(ann.get_by_text("Last verified in full")).to_be_visible()
    journey.go(ann, f"/records/{paper}/")
    expect(ann.get_by_role("link", name="Edit")).to_have_count(0)
    for path in (f"/records/{paper}/edit/", "/records/new/", "/holds/new/", "/schedules/new/"):
        assert ann.goto(f"{stack.base_url}{path}").status == 403, path
    journey.shot(ann, "auditor-refused")

    assert not journey.accessibility_problems, "\n".join(journey.accessibility_problems)

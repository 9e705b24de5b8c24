"""A breach of CPNI in a real browser: an employee reports a suspected breach, the records manager
determines it, the dashboard counts down to the law-enforcement deadline, law enforcement is
notified (with the receipt kept), the customer notice is refused in the legacy waiting period, then
allowed once an extraordinarily urgent need is recorded after consulting the agency, and the
incident is in the breach register of the year's package."""

import csv
import io
import re
import zipfile
from datetime import date, datetime, timedelta

from playwright.sync_api import expect


def test_a_breach_from_report_to_the_years_package(journey, stack, tmp_path):
    yesterday = date.today() - timedelta(days=1)
    moment = lambda hour: f"{yesterday.isoformat()}T{hour}"  # noqa: E731

    emma = journey.as_user("emma")
    emma.get_by_role("link", name="Report a suspected breach of CPNI").click()
    emma.get_by_label("What happened:", exact=True).fill("A caller quoted a customer's last bill back to me")
    emma.get_by_label("When it was discovered:", exact=True).fill(moment("09:00"))
    emma.get_by_role("button", name="Report the suspected breach").click()
    expect(emma.get_by_text(re.compile(r"the suspected breach is reported as BR-\d+"))).to_be_visible()
    reference = re.search(r"BR-\d+", emma.get_by_text(re.compile(r"reported as BR-\d+")).inner_text()).group()
    journey.shot(emma, "employee-reported")

    rita = journey.as_user("rita")
    journey.go(rita, "/breaches/")
    rita.get_by_role("link", name=reference).click()
    rita.get_by_label("Reasonably determined a breach at:", exact=True).fill(moment("09:30"))
    rita.get_by_role("button", name="Record the determination").click()
    expect(rita.get_by_text("Determined a breach: law enforcement must be notified by")).to_be_visible()
    incident_url = rita.url

    journey.go(rita, "/")
    countdown = rita.locator("section", has_text="Open breaches of CPNI").get_by_text(
        re.compile(r"US Secret Service and FBI, through the central reporting facility: due .* business days? left"))
    expect(countdown).to_be_visible()
    journey.shot(rita, "dashboard-counts-down")

    rita.goto(incident_url)
    receipt = tmp_path / "crf-receipt.txt"
    receipt.write_text("Central reporting facility receipt CRF-2026-0042")
    rita.get_by_label("Who was notified:", exact=True).select_option("law_enforcement")
    rita.get_by_label("Notified at:", exact=True).fill(moment("10:00"))
    rita.get_by_label("How:", exact=True).select_option("reporting_facility")
    rita.get_by_label("Confirmation number:", exact=True).fill("CRF-2026-0042")
    rita.get_by_label("Copy of the notice as sent:", exact=True).set_input_files(receipt)
    rita.get_by_role("button", name="Record the notification").click()
    expect(rita.get_by_text("The notification of US Secret Service and FBI")).to_be_visible()
    copy = rita.get_by_role("link", name="crf-receipt.txt")
    response = rita.request.get(f"{stack.base_url}{copy.get_attribute('href')}")
    assert response.ok and response.body() == receipt.read_bytes()

    rita.get_by_label("Who was notified:", exact=True).select_option("customers")
    rita.get_by_label("Notified at:", exact=True).fill(moment("11:00"))
    rita.get_by_label("How:", exact=True).select_option("mail")
    rita.get_by_role("button", name="Record the notification").click()
    expect(rita.get_by_text(re.compile(r"Customers may not be told before \d{4}-\d\d-\d\d: 7 full business days must "
                                       r"pass after the law-enforcement notification"))).to_be_visible()
    journey.shot(rita, "customer-notice-refused")

    rita.get_by_label("The extraordinarily urgent need to tell customers sooner:", exact=True).fill(
        "Accounts are being taken over with the numbers disclosed")
    rita.get_by_label("Agency consulted first:", exact=True).fill("US Secret Service, Boston field office")
    rita.get_by_label("Consulted at:", exact=True).fill(moment("10:30"))
    rita.get_by_role("button", name="Record the urgent need").click()
    expect(rita.get_by_text("The urgent need is recorded.")).to_be_visible()
    rita.get_by_label("Who was notified:", exact=True).select_option("customers")
    rita.get_by_label("Notified at:", exact=True).fill(moment("11:00"))
    rita.get_by_label("How:", exact=True).select_option("mail")
    rita.get_by_role("button", name="Record the notification").click()
    expect(rita.get_by_text("The notification of Affected customers is recorded.")).to_be_visible()
    journey.shot(rita, "customers-notified")

    year = yesterday.year
    journey.go(rita, "/certification/")
    rita.get_by_label("Year:", exact=True).fill(str(year))
    rita.get_by_role("button", name="Build the package").click()
    expect(rita.get_by_text("Ready")).to_be_visible(timeout=120000)
    download = rita.get_by_role("link", name="download", exact=True)
    response = rita.request.get(f"{stack.base_url}{download.first.get_attribute('href')}")
    assert response.ok
    with zipfile.ZipFile(io.BytesIO(response.body())) as archive:
        lines = archive.read("breaches.csv").decode().splitlines()
    rows = {row["reference"]: row for row in csv.DictReader(lines[1:])}
    assert rows[reference]["status"] == "notified"
    assert rows[reference]["law_enforcement_notified_on"] == yesterday.isoformat()
    assert rows[reference]["customers_notified_on"] == yesterday.isoformat()
    assert datetime.fromisoformat(rows[reference]["reasonably_determined_at"])

    assert not journey.accessibility_problems, "\n".join(journey.accessibility_problems)

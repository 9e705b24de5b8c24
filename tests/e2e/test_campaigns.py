"""A marketing campaign in a real browser: the records manager drafts it for the employee who asks
for it and submits it, the employee who requested it cannot approve it, the President (the
reviewer the CAMPAIGN_REVIEWER setting names by default; in the demo data the officer holds the
duty) approves it, the records manager marks it running and closes it, and it is in the
campaigns.csv of the year's package."""

import csv
import io
import re
import zipfile
from datetime import date

from playwright.sync_api import expect


def test_a_campaign_from_draft_to_the_years_package(journey, stack):
    today = date.today()

    rita = journey.as_user("rita")
    journey.go(rita, "/")
    rita.get_by_role("link", name="CPNI program", exact=True).click()
    rita.get_by_role("link", name="Marketing campaigns", exact=True).click()
    rita.get_by_role("link", name="Draft a campaign").click()
    rita.get_by_label("Description:", exact=True).fill("Autumn email to subscribers of the newsletter about TV bundles")
    rita.get_by_label("Channel:", exact=True).select_option("email")
    rita.get_by_label("Products and services offered:", exact=True).fill("Fiber internet with TV bundles")
    rita.get_by_label("Customer approval basis:", exact=True).select_option("none")
    rita.get_by_label("Starts on:", exact=True).fill(today.isoformat())
    rita.get_by_label("Ends on:", exact=True).fill(today.isoformat())
    rita.get_by_label("Requested by:", exact=True).select_option(label="Emma Ortiz, Billing Specialist")
    journey.shot(rita, "records-manager-drafts")
    rita.get_by_role("button", name="Save the draft").click()
    drafted = rita.get_by_text(re.compile(r"MC-\d+ is drafted"))
    expect(drafted).to_be_visible()
    reference = re.search(r"MC-\d+", drafted.inner_text()).group()
    campaign_url = rita.url
    rita.get_by_role("button", name="Submit for review").click()
    expect(rita.get_by_text(f"{reference} is submitted for review.")).to_be_visible()
    journey.shot(rita, "submitted")

    emma = journey.as_user("emma")
    emma.goto(campaign_url)
    expect(emma.get_by_role("heading", name=f"Marketing campaign {reference}")).to_be_visible()
    expect(emma.get_by_role("button", name="Approve")).to_have_count(0)
    journey.shot(emma, "requester-has-no-approval")
    token = next(c["value"] for c in emma.context.cookies() if c["name"] == "csrftoken")
    refused = emma.request.post(f"{campaign_url}steps/approve/", form={"note": "Looks fine to me"},
                                headers={"X-CSRFToken": token, "Referer": campaign_url})
    assert refused.status == 403 and f"You requested {reference}" in refused.text()
    emma.goto(campaign_url)
    expect(emma.get_by_text("Submitted for review", exact=True)).to_be_visible()

    oscar = journey.as_user("oscar")
    oscar.goto(campaign_url)
    oscar.get_by_label("Review note:", exact=True).fill("No CPNI: a newsletter list only. Approved.")
    journey.shot(oscar, "president-reviews")
    oscar.get_by_role("button", name="Approve").click()
    expect(oscar.get_by_text(f"{reference} is approved.")).to_be_visible()

    rita.goto(campaign_url)
    rita.get_by_role("button", name="Mark running").click()
    expect(rita.get_by_text(f"{reference} is running.")).to_be_visible()
    rita.get_by_role("button", name="Close").click()
    expect(rita.get_by_text(f"{reference} is closed.")).to_be_visible()
    expect(rita.get_by_text(re.compile(r"\d{4}-\d\d-\d\d at least \(one year from the campaign's end\)"))).to_be_visible()
    journey.shot(rita, "closed")

    journey.go(rita, f"/campaigns/?year={today.year}&status=closed")
    expect(rita.get_by_role("link", name=reference)).to_be_visible()
    journey.go(rita, "/certification/")
    rita.get_by_label("Year:", exact=True).fill(str(today.year))
    rita.get_by_role("button", name="Build the package").click()
    expect(rita.get_by_text("Ready")).to_be_visible(timeout=120000)
    download = rita.get_by_role("link", name="download", exact=True)
    response = rita.request.get(f"{stack.base_url}{download.first.get_attribute('href')}")
    assert response.ok
    with zipfile.ZipFile(io.BytesIO(response.body())) as archive:
        lines = archive.read("campaigns.csv").decode().splitlines()
    assert lines[0].startswith("# CONFIDENTIAL")
    rows = {row["reference"]: row for row in csv.DictReader(lines[1:])}
    assert (rows[reference]["status"], rows[reference]["requested_by"], rows[reference]["reviewed_by"],
            rows[reference]["uses_cpni"]) == ("closed", "emma", "oscar", "no")

    assert not journey.accessibility_problems, "\n".join(journey.accessibility_problems)

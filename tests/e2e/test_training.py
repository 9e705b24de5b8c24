"""Training in a real browser: the records manager records a course and assigns it to the employee,
the employee reads it under My training and signs the acknowledgement (the tick and their full
name), a wrong signature refused first; the records manager then sees it signed with its version."""

import re
from datetime import date, timedelta

from playwright.sync_api import expect


def test_an_employee_completes_assigned_training_and_signs_the_acknowledgement(journey, stack):
    today = date.today()
    title = f"CPNI procedures {today:%Y%m%d}"

    rita = journey.as_user("rita")
    journey.go(rita, "/")
    rita.get_by_role("link", name="CPNI program", exact=True).click()
    rita.get_by_role("link", name="Training and acknowledgements", exact=True).click()
    rita.get_by_role("link", name="Record a course").click()
    rita.get_by_label("Title:", exact=True).fill(title)
    rita.get_by_label("Version:", exact=True).fill("2026.1")
    rita.get_by_label("Procedures acknowledged:", exact=True).fill(
        "Authenticate every caller before discussing call detail. Never give CPNI to a third party.")
    rita.get_by_label("Effective on:", exact=True).fill(today.isoformat())
    journey.shot(rita, "records-manager-records-a-course")
    rita.get_by_role("button", name="Record the course").click()
    expect(rita.get_by_role("heading", name=f"{title}, version 2026.1")).to_be_visible()
    course_url = rita.url
    rita.get_by_label("Person:", exact=True).select_option(label="Emma Ortiz, Billing Specialist")
    rita.get_by_label("Due on:", exact=True).fill((today + timedelta(days=30)).isoformat())
    rita.get_by_role("button", name="Assign", exact=True).click()
    expect(rita.get_by_text(re.compile(rf"{re.escape(title)} \(version 2026.1\) is assigned to Emma Ortiz"))).to_be_visible()
    journey.shot(rita, "assigned")

    emma = journey.as_user("emma")
    journey.go(emma, "/")
    emma.get_by_role("link", name="My training", exact=True).click()
    section = emma.get_by_role("region", name=f"{title}, version 2026.1")
    expect(section.get_by_text("Authenticate every caller before discussing call detail.")).to_be_visible()
    section.get_by_label("I have read and will follow the CPNI procedures").check()
    section.get_by_label("Your full name (signature)").fill("Someone Else")
    section.get_by_role("button", name="Sign the acknowledgement").click()
    expect(emma.get_by_text("Type your full name as CPNI Track knows it (Emma Ortiz)")).to_be_visible()
    journey.shot(emma, "wrong-signature-refused")
    section = emma.get_by_role("region", name=f"{title}, version 2026.1")
    section.get_by_label("I have read and will follow the CPNI procedures").check()
    section.get_by_label("Your full name (signature)").fill("Emma Ortiz")
    section.get_by_role("button", name="Sign the acknowledgement").click()
    expect(emma.get_by_text(f"your acknowledgement of {title} (version 2026.1) is signed and recorded")).to_be_visible()
    expect(emma.get_by_text(re.compile(r"Completed: you signed on \d{4}-\d\d-\d\d \d\d:\d\d as Emma Ortiz"))).to_be_visible()
    journey.shot(emma, "signed")

    rita.goto(course_url)
    row = rita.get_by_role("row").filter(has_text="Emma Ortiz")
    expect(row).to_contain_text("Completed")
    expect(row).to_contain_text("(version 2026.1)")
    journey.shot(rita, "signed-on-the-course")

    assert not journey.accessibility_problems, "\n".join(journey.accessibility_problems)

"""A legal hold on a whole department, as a records manager places it on a carrier's scale: accepted
at once, its records linked by a job (the stack's Celery worker) whose page shows the progress
and then what changed; released the same way. (The stack runs with HOLD_INLINE_MAX=5, so the
dozen records of the demo's Customer Care department are a scope for a job.)"""

import re

from playwright.sync_api import expect


def test_a_hold_on_a_department_is_placed_and_released_by_jobs_with_a_progress_page(journey):
    rita = journey.as_user("rita")
    journey.go(rita, "/holds/new/")
    rita.get_by_label("Matter:", exact=True).fill("Care v. Carrier")
    rita.get_by_label("Reason:", exact=True).fill("A department-wide hold for the end-to-end test")
    rita.get_by_label("Every record of a department").check()
    rita.get_by_label("Department:", exact=True).select_option(label="Customer Care")
    rita.get_by_role("button", name="Place hold").click()

    # The job's page: the hold is in force at once; a progress bar while the worker links the records.
    rita.wait_for_url(re.compile(r"/jobs/\d+/$"))
    expect(rita.get_by_text("is in force: every record of department Customer Care is held")).to_be_visible()
    expect(rita.get_by_role("heading", name=re.compile(r"Job #\d+ Place legal hold #\d+ \(Care v. Carrier\)"))).to_be_visible()
    expect(rita.get_by_role("progressbar")).to_be_visible()
    expect(rita.get_by_text(re.compile(r"^\d+ of \d+ records"))).to_be_visible()
    journey.shot(rita, "hold-job-progress")

    # The page follows the job until it is done, then says what changed.
    expect(rita.get_by_role("heading", name="What changed")).to_be_visible(timeout=90_000)
    expect(rita.get_by_text(re.compile(r"Legal hold #\d+ \(Care v\. Carrier\) holds \d+ records of department Customer Care\."))).to_be_visible()
    expect(rita.get_by_role("progressbar")).to_have_attribute("value", "100")
    journey.shot(rita, "hold-job-done")

    rita.get_by_role("link", name="See the work").click()
    expect(rita.locator("dl.details dd").first).to_have_text("Active")
    expect(rita.get_by_text("being placed")).to_have_count(0)
    journey.shot(rita, "hold-placed-by-job")

    # Released the same way: the hold stays active until the job has let every record go.
    rita.get_by_label("Why is the hold released?").fill("Matter closed")
    rita.get_by_role("button", name="Release hold").click()
    rita.wait_for_url(re.compile(r"/jobs/\d+/$"))
    expect(rita.get_by_text("is being released: its records stay held")).to_be_visible()
    expect(rita.get_by_role("heading", name="What changed")).to_be_visible(timeout=90_000)
    expect(rita.get_by_text(re.compile(r"Legal hold #\d+ \(Care v\. Carrier\) was released"))).to_be_visible()
    journey.shot(rita, "hold-release-done")
    rita.get_by_role("link", name="See the work").click()
    expect(rita.locator("dl.details dd").first).to_have_text("Released")
    assert not journey.accessibility_problems, journey.accessibility_problems

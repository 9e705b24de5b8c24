"""Every page, for every role, is usable by keyboard and has no serious accessibility problem."""

import re

from playwright.sync_api import expect


PAGES = {
    "emma": ["/", "/records/", "/records/new/", "/label-check/", "/hand-over/", "/schedules/"],
    "rita": ["/records/?status=due", "/schedules/new/", "/schedules/TOLL-BILLING/edit/", "/holds/", "/holds/new/",
             "/registers/complaints/", "/registers/complaints/new/", "/company/", "/certification/", "/audit/"],
    "nate": ["/netops/", "/netops/destroy/"],
    "ann": ["/audit/", "/registers/data-broker-actions/", "/registers/pretexting/"],
    "oscar": ["/certification/"],
}



def test_every_page_passes_an_accessibility_scan(journey):
    for username, paths in PAGES.items():
        page = journey.as_user(username)
        for path in paths:
            response = journey.go(page, path)
            assert response.url.startswith(journey.stack.base_url + path.split("?")[0]), path
            journey.shot(page, f"{username}-{path.strip('/').replace('/', '-') or 'dashboard'}")
        # A record's page, whatever its state in the demo data.
        journey.go(page, "/records/")
        page.locator("table.records tbody a").first.click()
        journey.shot(page, f"{username}-record")
    assert not journey.accessibility_problems, "\n".join(journey.accessibility_problems)


def test_sign_in_and_navigation_work_from_the_keyboard(browser, stack, artifacts):
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{stack.base_url}/")
    expect(page.get_by_label("Username:", exact=True)).to_be_focused()  # the sign-in form takes the focus
    page.keyboard.type("emma")
    page.keyboard.press("Tab")
    page.keyboard.type(stack.password("emma"))
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    for _ in range(3):  # brand, Dashboard, Records
        page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Records", exact=True)).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Records")).to_be_visible()
    page.screenshot(path=artifacts / "keyboard-records.png")
    context.close()

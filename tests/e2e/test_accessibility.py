"""The app is usable by keyboard alone."""

import re

from playwright.sync_api import expect


# Every page of every role is scanned with axe-core by tests/e2e/test_layout.py.


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

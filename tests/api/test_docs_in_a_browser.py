"""The API's interactive page in a real browser (Debian's chromium), under the Content-Security-
Policy the app sends: Swagger UI loads from this site only, draws every operation, no policy
violation is reported, and "Try it out" calls the API with the signed-in session."""

import os
import shutil

import pytest

from records.api.permissions import API_PERMISSIONS
from tests.factories import TEST_PASSWORD, make_record

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
REQUIRED = os.environ.get("CI", "").lower() == "true" or os.environ.get("CPNITRACK_REQUIRE_E2E") == "1"
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run"]

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM and not REQUIRED, reason="needs the chromium command (apt-get install chromium)"),
]


@pytest.fixture
def reference(employee):
    """Made before the browser starts: Playwright's sync API runs an event loop in this thread, and
    Django would refuse (or open a stray connection for) database work inside it."""
    return make_record(custodian=employee).reference


@pytest.fixture
def browser_page(reference):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        try:
            yield browser.new_page()
        finally:
            browser.close()


def csp_violations(console_errors):
    return [text for text in console_errors if "Content Security Policy" in text or "Refused to" in text]


def test_swagger_ui_works_under_the_content_security_policy(live_server, reference, browser_page):
    page = browser_page
    problems, other_hosts = [], []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("request", lambda request: other_hosts.append(request.url)
            if not request.url.startswith((live_server.url, "data:")) else None)

    page.goto(f"{live_server.url}/api/docs/")
    assert "/accounts/login/" in page.url, "anonymous visitors sign in first"
    page.fill("input[name=username]", "emma")
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_url(f"{live_server.url}/api/docs/")
    response = page.goto(f"{live_server.url}/api/docs/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "unsafe-eval" not in policy

    page.wait_for_selector(".opblock-tag-section", timeout=20000)
    page.wait_for_selector("#operations-records-records_retrieve", timeout=20000)
    assert not csp_violations(problems), csp_violations(problems)
    assert page.locator(".opblock").count() == sum(len(methods) for methods in API_PERMISSIONS.values())
    assert "CONFIDENTIAL" in page.inner_text(".marking")

    # "Try it out" on GET /api/v1/records/{reference}/ with the browser's session.
    operation = page.locator("#operations-records-records_retrieve")
    operation.locator(".opblock-summary").click()
    operation.locator("button.try-out__btn").click()
    operation.locator("input[placeholder=reference]").fill(reference)
    operation.locator("button.execute").click()
    page.wait_for_selector("#operations-records-records_retrieve .live-responses-table .response-col_status",
                           timeout=20000)
    assert "200" in operation.locator(".live-responses-table .response .response-col_status").first.inner_text()
    assert reference in operation.locator(".live-responses-table .microlight").first.inner_text()

    assert not csp_violations(problems), csp_violations(problems)
    assert not other_hosts, other_hosts

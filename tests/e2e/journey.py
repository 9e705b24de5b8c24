"""What the browser tests do as people: sign in, take numbered screenshots, scan for
accessibility problems, and keep the evidence when something fails."""

import re

from axe_playwright_python.sync_playwright import Axe

SERIOUS = ("serious", "critical")


class Journey:
    def __init__(self, browser, stack, artifacts, prefix):
        self.browser, self.stack, self.artifacts, self.prefix = browser, stack, artifacts, prefix
        self.step = 0
        self.pages = {}
        self.accessibility_problems = []
        self.axe = Axe()

    def as_user(self, username):
        """A signed-in page for `username` (one browser context per person)."""
        if username not in self.pages:
            context = self.browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
            page = context.new_page()
            page.set_default_timeout(15000)
            page.goto(f"{self.stack.base_url}/accounts/login/")
            page.get_by_label("Username:", exact=True).fill(username)
            page.get_by_label("Password:", exact=True).fill(self.stack.password(username))
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(re.compile(r"/$"))
            self.pages[username] = page
        return self.pages[username]

    def go(self, page, path):
        page.goto(f"{self.stack.base_url}{path}")
        return page

    def shot(self, page, name):
        """Screenshot the page as step N and scan it with axe-core."""
        self.step += 1
        file_name = re.sub(r"[^A-Za-z0-9_.-]+", "-", f"{self.prefix}-{self.step:02d}-{name}")
        page.screenshot(path=self.artifacts / f"{file_name}.png", full_page=True)
        self.accessibility_problems += self.axe_problems(page, f"{name} ({page.url})")

    def axe_problems(self, page, name):
        """axe-core's serious and critical findings on the page as it is, each named `name`."""
        problems = []
        for violation in self.axe.run(page).response["violations"]:
            if violation["impact"] in SERIOUS:
                targets = [node["target"] for node in violation["nodes"]][:3]
                problems.append(f"{name}: {violation['id']} — {violation['help']} {targets}")
        return problems

    def keep_evidence(self):
        """After a failure: every open page's HTML and a screenshot."""
        for username, page in self.pages.items():
            try:
                (self.artifacts / f"{self.prefix}-failure-{username}.html").write_text(page.content())
                page.screenshot(path=self.artifacts / f"{self.prefix}-failure-{username}.png", full_page=True)
            except Exception as error:  # the page may be gone; keep what can be kept
                (self.artifacts / f"{self.prefix}-failure-{username}.txt").write_text(f"{page.url}: {error}")

    def close(self):
        for page in self.pages.values():
            page.context.close()

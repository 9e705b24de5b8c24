"""Every page of every role, in a 1366 px window and on a 390 px phone: the page is no wider than
the window, every form control's nearest label is its own, and axe-core finds nothing serious.

The pages are found the way a person finds them: from the role's home, following the links on
each page (one page per kind of page: the record list once, one record's page, ...). Screenshots of
each role's home at both widths are kept in artifacts/e2e/<server>/ for people to look at."""

import re
from urllib.parse import urlsplit

from django.urls import Resolver404, resolve
from playwright.sync_api import Error as PlaywrightError, expect


ROLES = {"emma": "employee", "rita": "records-manager", "nate": "netops-director", "ann": "auditor",
         "oscar": "officer"}
WIDTHS = {"desktop": (1366, 900), "phone": (390, 844)}
# Files, not pages, and pages that are not CPNI Track's own (Django's admin has its own layout).
NOT_PAGES = re.compile(r"(csv|xlsx|pdf|zip|download|/admin/|/api/|/static/|/media/transmittals/\d+/print)", re.I)
MAX_PAGES = 60  # per role; more means the crawl went somewhere unexpected

# Each visible control's own label must be near it (above, before it on its row, or around it), with
# no other label between the two: a grid that puts one field's label beside another's control fails.
LABEL_PLACES = """() => {
  // checkVisibility: not inside a closed <details> (laid out, but not shown) nor hidden by CSS.
  const visible = el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0
    && el.checkVisibility({visibilityProperty: true}); };
  const gap = (r, s) => Math.hypot(Math.max(0, s.left - r.right, r.left - s.right),
                                   Math.max(0, s.top - r.bottom, r.top - s.bottom));
  const labels = [...document.querySelectorAll('main label')].filter(visible);
  const problems = [];
  for (const control of document.querySelectorAll('main input, main select, main textarea')) {
    if (['hidden', 'submit', 'button'].includes(control.type) || !visible(control)) continue;
    const name = control.name || control.id;
    const own = [...control.labels].filter(visible);
    if (!own.length) {
      if (!control.getAttribute('aria-label') && !control.getAttribute('aria-labelledby')) problems.push(`${name}: no visible label`);
      continue;
    }
    const c = control.getBoundingClientRect();
    const nearest = own.map(l => l.getBoundingClientRect()).sort((a, b) => gap(a, c) - gap(b, c))[0];
    if (gap(nearest, c) > 96) { problems.push(`${name}: its label is ${Math.round(gap(nearest, c))} px away`); continue; }
    const span = { left: Math.min(nearest.left, c.left) + 1, right: Math.max(nearest.right, c.right) - 1,
                   top: Math.min(nearest.top, c.top) + 1, bottom: Math.max(nearest.bottom, c.bottom) - 1 };
    const between = labels.filter(l => !own.includes(l) && !l.contains(control) && !control.contains(l)).find(l => {
      const r = l.getBoundingClientRect();
      return r.left < span.right && r.right > span.left && r.top < span.bottom && r.bottom > span.top; });
    if (between) problems.push(`${name}: the label "${between.textContent.trim()}" sits between it and its own`);
  }
  return problems;
}"""


def _kind(path):
    """The URL's name: one page of each kind is enough."""
    try:
        return resolve(path).url_name
    except Resolver404:
        return None


def _links(page, base_url):
    """Where the page's links and search forms (method GET) lead."""
    hrefs = page.evaluate("""() => [...document.querySelectorAll('a[href], form[method=get][action]')]
        .map(el => new URL(el.getAttribute('href') || el.getAttribute('action'), document.baseURI).href)""")
    for href in hrefs:
        parts = urlsplit(href)
        if href.startswith(base_url) and not NOT_PAGES.search(parts.path + "?" + parts.query):
            yield parts.path + (f"?{parts.query}" if parts.query else "")


def _crawl(journey, page):
    """Each kind of page the role reaches by links from its home: {kind: path}."""
    base = journey.stack.base_url
    journey.go(page, "/")
    found, queue = {}, [urlsplit(page.url).path]
    while queue and len(found) < MAX_PAGES:
        path = queue.pop(0)
        kind = _kind(path.split("?")[0])
        if kind is None or kind in found or kind in ("logout", "login", "home"):
            continue
        try:
            response = page.goto(base + path)
        except PlaywrightError as error:  # a link to a file (a notice's copy, a snapshot): not a page
            if "Download is starting" in str(error):
                continue
            raise
        if response is None or response.status != 200 or not page.url.startswith(base + path.split("?")[0]):
            continue
        found[kind] = path
        queue.extend(_links(page, base))
    return found


def _check(page, label):
    problems = []
    width = page.evaluate("() => document.documentElement.scrollWidth")
    window = page.viewport_size["width"]
    if width > window:
        wide = page.evaluate("""w => [...document.querySelectorAll('body *')]
            .filter(el => el.getBoundingClientRect().right > w + 1)
            .filter(el => !el.parentElement || el.parentElement.getBoundingClientRect().right <= w + 1)
            .slice(0, 3).map(el => el.tagName.toLowerCase() + (el.className ? '.' + el.className : ''))""", window)
        problems.append(f"{label}: {width} px wide in a {window} px window ({', '.join(wide)})")
    problems += [f"{label}: {problem}" for problem in page.evaluate(LABEL_PLACES)]
    return problems


def test_every_page_of_every_role_fits_and_reads(journey):
    problems, visited = [], {}
    for username, role in ROLES.items():
        desktop = journey.as_user(username)
        desktop.set_viewport_size(dict(zip(("width", "height"), WIDTHS["desktop"])))
        pages = _crawl(journey, desktop)
        visited[username] = sorted(pages)
        phone = desktop.context.new_page()
        phone.set_viewport_size(dict(zip(("width", "height"), WIDTHS["phone"])))
        home = next(iter(pages))
        for kind, path in pages.items():
            for width, page in (("desktop", desktop), ("phone", phone)):
                journey.go(page, path)
                problems += _check(page, f"{username} {width} {path}")
                if page is desktop:  # axe once per page: its rules do not depend on the width
                    problems += journey.axe_problems(page, f"{username} {path}")
                if kind == home:
                    page.screenshot(path=journey.artifacts / f"home-{role}-{width}.png", full_page=True)
        phone.close()
    # The crawl reached each role's work, not only its home.
    assert {"dashboard", "record-list", "record-detail", "record-create", "label-check"} <= set(visited["emma"])
    assert {"schedule-list", "hold-list", "audit-log", "sweep", "import-list", "certification"} <= set(visited["rita"])
    assert {"netops-queue", "netops-destroy"} <= set(visited["nate"])
    assert {"audit-log", "register-list"} <= set(visited["ann"])
    assert {"certification"} <= set(visited["oscar"])
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)


def test_on_a_phone_the_navigation_folds_behind_a_menu_button_and_tables_scroll_in_their_box(journey):
    page = journey.as_user("rita")
    page.set_viewport_size({"width": 390, "height": 844})
    journey.go(page, "/audit/")
    holds_link = page.get_by_role("navigation", name="Main").get_by_role("link", name="Legal holds")
    menu = page.get_by_role("button", name="Menu")
    expect(holds_link).to_be_hidden()
    expect(menu).to_have_attribute("aria-expanded", "false")
    # The audit table is wider than a phone: it scrolls inside its box, which the keyboard reaches.
    box = page.locator(".table-scroll").first
    expect(box).to_have_attribute("tabindex", "0")
    expect(box).to_have_attribute("role", "region")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    journey.shot(page, "phone-menu-open")
    holds_link.click()
    expect(page.get_by_role("heading", name="Legal holds", level=1)).to_be_visible()
    page.set_viewport_size({"width": 1366, "height": 900})
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    expect(holds_link).to_be_visible()

"""Every page, in a real browser, as each demo user whose pages differ in
what they show: axe-core finds no serious or critical accessibility
violation, and a screenshot of each is kept in `.artifacts/screenshots/`
for a reviewer to look through after `make test`."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from devtools.run import ends_a_script_run
from tests.test_browser import ROOT, sign_in

AXE = ROOT / ".artifacts" / "axe.min.js"
SCREENSHOTS = ROOT / ".artifacts" / "screenshots"
EMPLOYEE_PAGES = ("Home", "My data", "SQL console", "Who accessed my data", "Deletion requests")
# A council member's or an officer's own pages are an employee's, checked for three employees: only the pages
# of their role are checked for them (the navigation, which shows their role's links, is on each).
ROLE_PAGES = ("Oversight", "Deletion queue")
# Tabs run only when opened, so each is checked open: for the heaviest employee, whose tabs hold the most.
TABS = {"My data": ("Tables", "Charts")}
TABS_FOR = "employee, heavy data"
# The employees at either end of what a page may hold: the most rows, the fewest, none. The median employee
# sees the heavy one's pages with fewer rows, and the second HR privacy officer has the first one's groups:
# checked again, they would add nothing.
EMPLOYEES = ("employee, heavy data", "employee, light data", "executive, exempt from collection")
STAFF = ("works-council member", "HR privacy officer")
SERIOUS = """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
    .filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => `${v.id} (${v.impact}, ${v.nodes.length}×): ${v.nodes[0].target.join(' ')}`)"""


DRAWN = """() => [...document.querySelectorAll('.js-plotly-plot')].every(p => p.querySelector('.main-svg'))
    && !document.querySelector('[data-stale="true"]')
    && document.querySelector('[data-testid="stApp"]')?.dataset.testScriptState === 'notRunning'"""


class ScriptRuns:
    """The script runs a page's portal has finished, as it announces them on
    the page's websocket: a check waits for exactly the run its click
    caused, rather than for a guessed time."""

    def __init__(self, page):
        self.page, self.finished = page, 0
        page.on("websocket", lambda socket: socket.on("framereceived", self._received))

    def _received(self, payload) -> None:
        if isinstance(payload, bytes) and ends_a_script_run(payload):
            self.finished += 1

    def settle_after(self, action) -> None:
        """Runs `action` and returns once the run it caused has ended and the
        page is drawn: no element left stale, every chart drawn."""
        before, deadline = self.finished, time.monotonic() + 60
        action()
        while self.finished <= before:
            if time.monotonic() > deadline:
                pytest.fail("no script run ended within 60 s")
            self.page.wait_for_timeout(20)
        self.settle()

    def settle(self) -> None:
        expect(self.page.locator("h1").first).to_be_visible(timeout=60_000)
        self.page.wait_for_function(DRAWN, timeout=60_000)
        self.page.wait_for_timeout(150)


def _checked(page, name: str) -> list[str]:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{re.sub(r'[^a-z0-9]+', '-', name.lower()).strip('-')}.png", full_page=True)
    page.add_script_tag(path=str(AXE))
    return [f"{name}: {found}" for found in page.evaluate(SERIOUS)]


def signed_out_violations(browser, portal_url) -> list[str]:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: `make test` fetches axe-core")
    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    page.goto(portal_url, wait_until="domcontentloaded")
    expect(page.get_by_role("button", name="Sign in with your company account")).to_be_visible(timeout=30_000)
    page.wait_for_timeout(1_500)
    found = _checked(page, "signed out")
    page.context.close()
    return found


def violations_of(browser, portal_url, label: str, user: dict, pages: tuple[str, ...]) -> tuple[int, list[str]]:
    """(pages visited, violations) for each of `pages` the user's navigation offers."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: `make test` fetches axe-core")
    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    runs = ScriptRuns(page)
    sign_in(page, portal_url, user["claims"]["sub"])
    expect(page.get_by_role("link", name="Home", exact=True)).to_be_visible(timeout=60_000)
    runs.settle()
    found, visited = [], 0
    for title in pages:
        link = page.get_by_role("link", name=title, exact=True)
        if not link.count():
            continue
        runs.settle_after(link.click)
        found += _checked(page, f"{label} {title}")
        visited += 1
        for tab in TABS.get(title, ()) if label == TABS_FOR else ():
            runs.settle_after(page.get_by_role("tab", name=tab, exact=True).click)
            found += _checked(page, f"{label} {title} {tab}")
    page.context.close()
    return visited, found

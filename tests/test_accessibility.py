"""Every page, as every demo user, in a real browser: axe-core finds no
serious or critical accessibility violation, and a screenshot of each is
kept in `.artifacts/screenshots/` for a reviewer to look through after
`make test`."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.test_browser import ROOT, browser, portal_url, sign_in  # noqa: F401 (fixtures)

AXE = ROOT / ".artifacts" / "axe.min.js"
SCREENSHOTS = ROOT / ".artifacts" / "screenshots"
PAGES = ["Home", "My data", "SQL console", "Who accessed my data", "Deletion requests", "Oversight", "Deletion queue"]
SERIOUS = """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
    .filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => `${v.id} (${v.impact}, ${v.nodes.length}×): ${v.nodes[0].target.join(' ')}`)"""


def _settled(page) -> None:
    expect(page.locator("h1").first).to_be_visible(timeout=60_000)
    page.wait_for_timeout(2_500)


def _checked(page, name: str) -> list[str]:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{re.sub(r'[^a-z0-9]+', '-', name.lower()).strip('-')}.png", full_page=True)
    page.add_script_tag(path=str(AXE))
    return [f"{name}: {found}" for found in page.evaluate(SERIOUS)]


def test_every_page_as_every_demo_user_passes_axe(browser, portal_url, demo_users):  # noqa: F811
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: `make test` fetches axe-core")
    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    page.goto(portal_url, wait_until="domcontentloaded")
    expect(page.get_by_role("button", name="Sign in with your company account")).to_be_visible(timeout=30_000)
    page.wait_for_timeout(1_500)
    found, visited = _checked(page, "signed out"), 1
    for label, user in demo_users.items():
        if label == "contractor with no directory entry":
            continue
        page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        sign_in(page, portal_url, user["claims"]["sub"])
        _settled(page)
        for title in PAGES:
            link = page.get_by_role("link", name=title, exact=True)
            if not link.count():
                continue
            link.click()
            _settled(page)
            found += _checked(page, f"{label} {title}")
            visited += 1
        page.context.close()
    assert visited > 25 and len(list(SCREENSHOTS.glob("*.png"))) >= visited
    assert not found, "\n".join(found)

"""Real browser, real identity provider, real portal: Chromium driven by
Playwright signs in through `oidc-provider-mock` on localhost."""

from __future__ import annotations

import csv
import os
import re
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from devtools import stack
from devtools.stack import CHROMIUM, CHROMIUM_ARGS
from queries.access.history import ACCESS_COLUMNS
from tests.conftest import seeded_config, write_config

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def running_stack(folder: Path, sample: Path, token_max_age: int, indexed_state: Path | None = None):
    """Identity provider and portal as `make run` starts them, on free ports;
    over the sample itself, with the index `make run` would have built
    (`indexed_state`)."""
    config = write_config(folder, sample) if indexed_state is None else seeded_config(folder, sample, indexed_state)
    with stack.running_stack(folder, config, sample, token_max_age) as running:
        yield running.app_url


@pytest.fixture(scope="module")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def portal_url(tmp_path_factory, sample, indexed_state):
    with running_stack(tmp_path_factory.mktemp("stack"), sample, 3600, indexed_state) as url:
        yield url


def sign_in(page: Page, app_url: str, subject: str) -> None:
    page.goto(app_url, wait_until="domcontentloaded")
    button = page.get_by_role("button", name="Sign in with your company account")
    expect(button).to_be_visible(timeout=30_000)
    assert page.get_by_role("link", name=re.compile(r"hr.queue|my.data|council|console", re.I)).count() == 0, \
        "a visitor who has not signed in sees no list of the portal's pages"
    button.click(timeout=30_000)
    page.wait_for_url("**/oauth2/authorize**", timeout=30_000)
    page.locator(f"button[name=sub][value='{subject}']").click()


def test_an_employee_signs_in_sees_their_home_page_and_queries_only_their_rows(browser, portal_url, demo_users,
                                                                               backend):
    user = demo_users["employee, median data"]
    employee = backend.directory.by_id(user["employee_id"])
    page = browser.new_context().new_page()
    sign_in(page, portal_url, user["claims"]["sub"])
    expect(page.get_by_text(f"Welcome, {employee.name}")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("What was recorded about you")).to_be_visible(timeout=30_000)
    expect(page.get_by_text(employee.department, exact=True)).to_be_visible()
    page.get_by_role("link", name="SQL console").click()
    editor = page.get_by_role("textbox", name="SQL")
    expect(editor).to_be_visible(timeout=30_000)
    editor.fill("SELECT employee_id, count(*) AS keystrokes FROM telemetry_raw.keystrokes GROUP BY employee_id")
    page.get_by_role("button", name="Run").click()
    # Grouped by employee, the result holds exactly one row: the user's own.
    expect(page.get_by_text(re.compile(r"^1 rows in"))).to_be_visible(timeout=30_000)
    content = page.content()
    others = [p.employee_id for p in backend.directory if p.employee_id != user["employee_id"]]
    assert not any(f">{other}<" in content for other in others)


def test_the_console_runs_what_was_typed_when_run_is_pressed_from_the_keyboard(browser, portal_url, demo_users):
    """The statement and the press of Run are one submission: typed and sent
    with Ctrl+Enter, without leaving the editor, the statement runs as typed."""
    page = browser.new_context().new_page()
    sign_in(page, portal_url, demo_users["employee, light data"]["claims"]["sub"])
    expect(page.get_by_text("What was recorded about you")).to_be_visible(timeout=30_000)
    page.get_by_role("link", name="SQL console").click()
    editor = page.get_by_role("textbox", name="SQL")
    expect(editor).to_be_visible(timeout=30_000)
    editor.fill("SELECT 41 + 1 AS answer")
    editor.press("Control+Enter")
    expect(page.get_by_text(re.compile(r"^1 rows in"))).to_be_visible(timeout=30_000)
    expect(page.get_by_text("42", exact=True)).to_be_attached()  # in the grid's cells, drawn on a canvas


def test_another_user_never_sees_the_first_ones_name_or_data(browser, portal_url, demo_users):
    first, second = demo_users["employee, heavy data"], demo_users["employee, light data"]
    first_page = browser.new_context().new_page()
    sign_in(first_page, portal_url, first["claims"]["sub"])
    expect(first_page.get_by_text(f"Welcome, {first['name']}")).to_be_visible(timeout=30_000)
    second_page = browser.new_context().new_page()
    sign_in(second_page, portal_url, second["claims"]["sub"])
    expect(second_page.get_by_text(f"Welcome, {second['name']}")).to_be_visible(timeout=30_000)
    expect(second_page.get_by_text("What was recorded about you")).to_be_visible(timeout=30_000)
    shown = second_page.content()
    assert first["name"] not in shown and first["email"] not in shown and first["employee_id"] not in shown


def test_a_login_with_no_directory_entry_sees_no_data(browser, portal_url, demo_users):
    page = browser.new_context().new_page()
    sign_in(page, portal_url, demo_users["contractor with no directory entry"]["claims"]["sub"])
    expect(page.get_by_text("does not match anyone in the employee directory")).to_be_visible(timeout=30_000)
    assert "What was recorded about you" not in page.content()


def test_an_employee_downloads_who_read_their_data(browser, portal_url, demo_users):
    """The history's CSV is made when the button is pressed (not on every
    run of the page), from the history the page shows."""
    page = browser.new_context(accept_downloads=True).new_page()
    sign_in(page, portal_url, demo_users["employee, heavy data"]["claims"]["sub"])
    expect(page.get_by_text("What was recorded about you")).to_be_visible(timeout=30_000)
    page.get_by_role("link", name="Who accessed my data").click()
    button = page.get_by_role("button", name="Download this history (CSV)")
    expect(button).to_be_visible(timeout=60_000)
    with page.expect_download(timeout=30_000) as download:
        button.click()
    with open(download.value.path(), encoding="utf-8", newline="") as saved:
        rows = list(csv.DictReader(saved))
    assert rows and list(rows[0]) == ACCESS_COLUMNS
    assert {row["source"] for row in rows} == {"warehouse", "portal"}


def test_the_works_council_member_audits_in_aggregate_and_verifies_the_ledger(browser, portal_url, demo_users,
                                                                             backend):
    page = browser.new_context(accept_downloads=True).new_page()
    sign_in(page, portal_url, demo_users["works-council member"]["claims"]["sub"])
    expect(page.get_by_role("link", name="My data", exact=True)).to_be_visible(timeout=30_000)
    page.get_by_role("link", name="Oversight").click()
    expect(page.get_by_text("missing from the register")).to_be_visible(timeout=60_000)
    page.get_by_role("tab", name="Who uses the data").click()
    expect(page.get_by_text("Accesses per purpose")).to_be_visible(timeout=30_000)
    page.get_by_role("tab", name="Verify the ledger").click()
    page.get_by_role("button", name="Verify the ledger").click()
    expect(page.get_by_text("intact", exact=False)).to_be_visible(timeout=30_000)
    page.get_by_role("tab", name="Report").click()
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name="Download the report (HTML)").click()
    report = open(download.value.path(), encoding="utf-8").read()
    assert "What is collected" in report
    shown = page.content() + report
    member = demo_users["works-council member"]["email"]
    assert not any(person.email in shown for person in backend.directory if person.email != member)


def test_an_expired_id_token_signs_the_user_out(browser, tmp_path, sample, indexed_state, demo_users):
    user = demo_users["employee, light data"]
    with running_stack(tmp_path, sample, 8, indexed_state) as url:
        page = browser.new_context().new_page()
        sign_in(page, url, user["claims"]["sub"])
        expect(page.get_by_text(f"Welcome, {user['name']}")).to_be_visible(timeout=30_000)
        page.wait_for_timeout(9_000)
        page.reload(wait_until="domcontentloaded")
        # The portal ends the session at the provider, which asks to confirm.
        page.get_by_role("button", name="End session").click(timeout=30_000)
        expect(page.get_by_role("button", name="Sign in with your company account")).to_be_visible(timeout=30_000)
        page.goto(url, wait_until="domcontentloaded")
        expect(page.get_by_role("button", name="Sign in with your company account")).to_be_visible(timeout=30_000)
        assert user["name"] not in page.content()


def test_an_employee_opens_the_inventory_and_downloads_the_export(browser, portal_url, demo_users, backend,
                                                                  tmp_path):
    import io
    import json
    import zipfile

    user = demo_users["employee, light data"]
    page = browser.new_context(accept_downloads=True).new_page()
    sign_in(page, portal_url, user["claims"]["sub"])
    expect(page.get_by_text(f"Welcome, {user['name']}")).to_be_visible(timeout=30_000)
    page.get_by_role("link", name="My data", exact=True).click()
    page.get_by_role("tab", name="Tables").click()
    expect(page.get_by_text("Look inside a table")).to_be_visible(timeout=30_000)
    page.get_by_role("tab", name="Export a copy").click()
    page.get_by_role("button", name="Prepare my export").click()
    download_button = page.get_by_role("button", name="Download daylight-export-")
    expect(download_button).to_be_visible(timeout=60_000)
    with page.expect_download(timeout=30_000) as download:
        download_button.click()
    archive = zipfile.ZipFile(io.BytesIO(open(download.value.path(), "rb").read()))
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["employee_id"] == user["employee_id"]
    assert manifest["tables"] and all(t["rows"] > 0 for t in manifest["tables"])
    others = {p.email for p in backend.directory if p.employee_id != user["employee_id"]}
    assert not any(email in archive.read("index.html").decode() for email in others)
    unpacked = tmp_path / "export"
    archive.extractall(unpacked)
    offline = browser.new_context(offline=True).new_page()
    offline.goto((unpacked / "index.html").as_uri())
    expect(offline.get_by_role("heading", name="Your data, as held in the company warehouse")).to_be_visible()
    first = manifest["tables"][0]["table"]
    offline.get_by_role("link", name=first, exact=True).click()
    expect(offline.get_by_role("heading", name=first)).to_be_visible()
    offline.get_by_role("link", name="← All your data").click()
    expect(offline.get_by_role("heading", name="Your data, as held in the company warehouse")).to_be_visible()


def test_a_deletion_goes_from_request_to_receipt_through_two_officers(browser, tmp_path, sample, demo_users):
    """The employee asks, one officer approves, the other executes, the
    employee reads the verified result and downloads the receipt, each in
    their own browser, on a copy of the sample (the erasure changes it)."""
    import json
    import shutil

    lake = tmp_path / "lake"
    shutil.copytree(sample, lake)
    employee = demo_users["employee, median data"]
    with running_stack(tmp_path, lake, token_max_age=3600) as url:
        asking = browser.new_context(accept_downloads=True).new_page()
        sign_in(asking, url, employee["claims"]["sub"])
        expect(asking.get_by_text(f"Welcome, {employee['name']}")).to_be_visible(timeout=30_000)
        asking.get_by_role("link", name="Deletion requests").click()
        asking.get_by_text("all my data", exact=True).click()
        expect(asking.get_by_text("will be deleted", exact=False)).to_be_visible(timeout=60_000)
        asking.get_by_text("I understand, and I want this data deleted").click()
        asking.get_by_role("button", name="Request deletion").click()
        received = asking.get_by_text(re.compile(r"Request DR-\d{8}-[0-9A-F]{6} received"))
        expect(received).to_be_visible(timeout=30_000)
        request_id = re.search(r"DR-\d{8}-[0-9A-F]{6}", received.inner_text()).group(0)

        def review(officer: str) -> Page:
            page = browser.new_context().new_page()
            sign_in(page, url, demo_users[officer]["claims"]["sub"])
            expect(page.get_by_text(f"Welcome, {demo_users[officer]['name']}")).to_be_visible(timeout=30_000)
            page.get_by_role("link", name="Deletion queue").click()
            page.get_by_label("Review a request").click(timeout=30_000)
            page.get_by_role("option", name=re.compile(request_id)).click()
            return page

        approving = review("HR privacy officer")
        reason = approving.get_by_label(re.compile(r"^Reason \(told to the employee"))
        expect(reason).to_be_visible(timeout=60_000)
        reason.fill("granted in full")
        reason.press("Enter")
        approving.get_by_role("button", name="Approve", exact=True).click()
        expect(approving.get_by_text("another HR privacy officer executes it")).to_be_visible(timeout=30_000)
        assert approving.get_by_role("button", name="Execute the deletion").count() == 0

        executing = review("second HR privacy officer")
        expect(executing.get_by_text("cannot be undone", exact=False)).to_be_visible(timeout=60_000)
        executing.get_by_text("I have checked the summary and want to delete this data now").click()
        executing.get_by_role("button", name="Execute the deletion").click()
        expect(executing.get_by_text("Verified: nothing about the employee was found afterwards.")) \
            .to_be_visible(timeout=180_000)

        asking.reload(wait_until="domcontentloaded")
        expect(asking.get_by_text("verified: nothing about you was found afterwards", exact=False)) \
            .to_be_visible(timeout=60_000)
        with asking.expect_download(timeout=30_000) as download:
            asking.get_by_role("button", name="Download the signed receipt").click()
        receipt = json.loads(open(download.value.path(), encoding="utf-8").read())
        assert receipt["receipt_for"] == request_id and receipt["verification"]["passed"]
        assert receipt["employee_id"] == employee["employee_id"]


def test_make_run_has_the_portal_run_once_before_it_prints_the_url(portal_url, capsys):
    """The first visitor does not wait for the portal's imports and for the warehouse to open."""
    from devtools.run import warm_portal

    assert warm_portal(portal_url, timeout=60)
    assert not warm_portal("http://localhost:9", timeout=5)
    assert "the first visit may be slow" in capsys.readouterr().err


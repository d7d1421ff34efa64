"""The portal's pages through Streamlit's AppTest, with `at.user` set to the
claims a real sign-in produces."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from auth.principal import Principal, Role
from portal.navigation import PAGES, visible_pages
from queries.backend import Backend
from tests.conftest import signed_in_claims, write_config
from tests.ground_truth import truth_rows

PORTAL = Path(__file__).resolve().parent.parent / "portal"
TEXT_ELEMENTS = ("title", "header", "subheader", "caption", "markdown", "text", "info", "warning", "error",
                 "success", "metric", "button")


MARKDOWN_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def page_text(at: AppTest) -> str:
    """Everything a person could read on the page, sidebar included; a
    Markdown escape (`\\-`) shows as the character it escapes."""
    parts = []
    for kind in TEXT_ELEMENTS:
        for element in getattr(at, kind):
            parts += [MARKDOWN_ESCAPE.sub(r"\1", str(getattr(element, attr, ""))) for attr in ("value", "label", "body")]
    parts += [frame.value.to_csv() for frame in at.dataframe]
    parts += [str(box.options) for box in at.selectbox]
    return "\n".join(parts)


@pytest.fixture
def open_page(config, monkeypatch):
    monkeypatch.setenv("PORTAL_CONFIG", str(config))

    def run(claims: dict, page: str = "app.py") -> AppTest:
        at = AppTest.from_file(str(PORTAL / page), default_timeout=60)
        at.user = claims
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return run


def test_home_greets_the_employee_with_counts_from_the_warehouse(open_page, demo_users, backend, sample):
    user = demo_users["employee, light data"]
    at = open_page(signed_in_claims(user))
    employee = backend.directory.by_id(user["employee_id"])
    expected = sum(truth_rows(sample, f.table.qualified_name, employee) > 0 for f in backend.catalog().scannable())
    assert at.title[0].value == f"Welcome, {employee.name}"
    text = page_text(at)
    assert employee.department in text
    assert expected > 0 and f"in {expected} tables" in text


@pytest.mark.parametrize("page", ["app.py", "pages/my_data.py", "pages/console.py"])
def test_my_own_views_are_recorded_once_per_session_not_per_rerun(open_page, demo_users, config, page):
    """Every click reruns a page; recording each rerun as a read drowned the
    access history in hundreds of "you viewed" entries."""
    user = demo_users["employee, median data"]
    at = open_page(signed_in_claims(user), page)
    opened = Backend.open(config)

    def own_views() -> int:
        return sum(e.access.action == "view-own-telemetry" for e in opened.ledger.entries_about(user["employee_id"]))
    first = own_views()
    for _ in range(3):
        at.run()
    assert not at.exception and own_views() == first
    assert first == 1 if page == "app.py" else first >= 1, "the home page reads once (it used to record two)"
    opened.close()


def test_no_other_employee_appears_on_my_home_page(open_page, demo_users, backend):
    me = demo_users["employee, median data"]
    text = page_text(open_page(signed_in_claims(me)))
    for person in backend.directory:
        if person.employee_id != me["employee_id"]:
            assert person.email not in text and person.employee_id not in text
            assert person.name not in text or person.name == me["claims"]["name"]


def test_signed_out_visitors_see_only_the_sign_in_page(open_page):
    at = open_page({"is_logged_in": False})
    assert at.button[0].label == "Sign in with your company account"
    assert not at.metric and "Welcome" not in page_text(at)


def test_an_expired_token_signs_the_user_out(open_page, demo_users):
    at = open_page(signed_in_claims(demo_users["employee, heavy data"], lifetime_s=-5))
    assert "expired" in at.warning[0].value
    assert not at.user.get("is_logged_in")
    assert not at.metric and "Welcome" not in page_text(at)


def test_a_login_without_a_directory_entry_gets_a_clear_page_and_no_data(open_page, demo_users):
    contractor = signed_in_claims(demo_users["contractor with no directory entry"])
    at = open_page(contractor)
    assert "does not match anyone in the employee directory" in at.error[0].value
    shown = [t.value for t in at.text]
    assert f"The account you signed in with: {contractor['email']}" in shown
    assert any(line.startswith("Whom to contact: ") for line in shown)
    assert not at.metric
    assert [b.label for b in at.button] == ["Sign out"]


def test_the_exempt_executive_sees_a_friendly_page(open_page, demo_users):
    at = open_page(signed_in_claims(demo_users["executive, exempt from collection"]))
    assert at.title[0].value.startswith("Welcome")
    assert "You are exempt from monitoring" in at.info[0].value
    other = open_page(signed_in_claims(demo_users["employee, median data"]))
    assert not any("exempt" in i.value for i in other.info)


@pytest.mark.parametrize("spec", PAGES, ids=lambda s: s.path)
@pytest.mark.parametrize("label", ["employee, median data", "works-council member", "HR privacy officer"])
def test_every_page_runs_for_every_role_and_refuses_the_others(open_page, demo_users, backend, spec, label):
    user = demo_users[label]
    # Home links to other pages, which only resolves inside the app's navigation; it is the app's default page.
    at = open_page(signed_in_claims(user), "app.py" if spec.path == "pages/home.py" else spec.path)
    employee = backend.directory.by_id(user["employee_id"])
    roles = {"employees": Role.EMPLOYEE, "works-council": Role.WORKS_COUNCIL, "hr-privacy": Role.HR}
    principal = Principal(employee.employee_id, employee.name, employee.email, employee.department,
                          frozenset(roles[g] for g in user["claims"]["groups"]))
    if spec in visible_pages(principal):
        assert at.title and not at.error
    else:
        assert "You do not have access to this page" in at.error[0].value
        assert len(at.title) == 0


def test_navigation_follows_the_roles(demo_users):
    def pages(*roles):
        return {s.title for s in visible_pages(Principal("E1", "A", "a@x", "D", frozenset(roles)))}

    assert pages(Role.EMPLOYEE) == {"Home", "My data", "SQL console", "Who accessed my data", "Deletion requests"}
    assert pages(Role.EMPLOYEE, Role.WORKS_COUNCIL) == pages(Role.EMPLOYEE) | {"Oversight"}
    assert pages(Role.EMPLOYEE, Role.HR) == pages(Role.EMPLOYEE) | {"Deletion queue"}
    assert pages() == {"Home"}


def test_a_broken_configuration_shows_a_plain_message(tmp_path, monkeypatch, sample, demo_users):
    config = write_config(tmp_path, sample)
    config.write_text(config.read_text().replace(str(sample / "warehouse"), str(tmp_path / "gone")))
    monkeypatch.setenv("PORTAL_CONFIG", str(config))
    at = AppTest.from_file(str(PORTAL / "app.py"), default_timeout=60)
    at.user = signed_in_claims(demo_users["employee, median data"])
    at.run()
    assert not at.exception
    assert "cannot open its data" in at.error[0].value
    assert str(tmp_path) not in page_text(at), "no paths or internals on screen"


def test_a_missing_configuration_file_shows_a_plain_message(tmp_path, monkeypatch, demo_users):
    monkeypatch.setenv("PORTAL_CONFIG", str(tmp_path / "missing.toml"))
    at = AppTest.from_file(str(PORTAL / "app.py"), default_timeout=60)
    at.user = signed_in_claims(demo_users["employee, median data"])
    at.run()
    assert not at.exception
    assert "cannot open its data" in at.error[0].value


def test_each_script_run_logs_its_page_session_generation_and_seconds_without_naming_the_person(
        open_page, demo_users, caplog):
    """What the load benchmark reads to tell the server's time from the browser's."""
    timing = logging.getLogger("daylight.portal.timing")
    timing.addHandler(caplog.handler)
    try:
        user = demo_users["employee, median data"]
        open_page(signed_in_claims(user))
        open_page(signed_in_claims(user), "app.py")
        AppTest.from_file(str(PORTAL / "app.py"), default_timeout=60).run()
    finally:
        timing.removeHandler(caplog.handler)
    runs = [re.fullmatch(r"script run page='(.+)' session=([0-9a-f]{12}) generation=(\d+) seconds=(\d+\.\d{3})",
                         r.getMessage())
            for r in caplog.records if r.name == "daylight.portal.timing"]
    assert len(runs) == 3 and all(runs)
    assert [m[1] for m in runs] == ["Home", "Home", "signed out"]
    assert len({m[2] for m in runs}) == 3, "one tag per browser session"
    assert float(runs[0][4]) > 0 and int(runs[0][3]) >= 1, "the data generation the run saw"
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert user["email"] not in logged and user["employee_id"] not in logged and user["name"] not in logged

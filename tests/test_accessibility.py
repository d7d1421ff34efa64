"""axe-core over every page: signed out, as the employees at either end of
what a page holds, and the pages of the works council and HR (see
tests/accessibility.py)."""

from __future__ import annotations

import pytest

from tests.accessibility import EMPLOYEE_PAGES, EMPLOYEES, ROLE_PAGES, STAFF, signed_out_violations, violations_of
from tests.test_browser import browser, portal_url  # noqa: F401 (fixtures)


def test_every_kind_of_demo_user_with_a_directory_entry_is_checked(demo_users):
    """Both ends of the data a page may hold, and every set of groups (which decides the pages)."""
    checked = set(EMPLOYEES) | set(STAFF)
    assert checked <= set(demo_users)
    assert {"employee, heavy data", "employee, light data", "executive, exempt from collection"} <= checked
    groups = {frozenset(demo_users[label]["claims"]["groups"]) for label in checked}
    for label, user in demo_users.items():
        if label not in checked and label != "contractor with no directory entry":
            assert frozenset(user["claims"]["groups"]) in groups, f"{label}: no checked user has their groups"


def test_the_signed_out_page_passes_axe(browser, portal_url):  # noqa: F811
    assert not signed_out_violations(browser, portal_url)


@pytest.mark.parametrize("label", EMPLOYEES)
def test_every_page_of_an_employee_passes_axe(browser, portal_url, demo_users, label):  # noqa: F811
    visited, found = violations_of(browser, portal_url, label, demo_users[label], EMPLOYEE_PAGES)
    assert visited == len(EMPLOYEE_PAGES), "home, my data, console, access history and deletion requests"
    assert not found, "\n".join(found)


@pytest.mark.parametrize("label", STAFF)
def test_the_pages_of_council_and_hr_pass_axe(browser, portal_url, demo_users, label):  # noqa: F811
    visited, found = violations_of(browser, portal_url, label, demo_users[label], ROLE_PAGES)
    assert visited >= 1, "at least one page of their role"
    assert not found, "\n".join(found)

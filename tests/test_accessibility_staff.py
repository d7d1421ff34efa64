"""axe-core over every page of the works council and HR (see tests/accessibility.py)."""

from __future__ import annotations

import pytest

from tests.accessibility import EMPLOYEES, STAFF, violations_of
from tests.test_browser import browser, portal_url  # noqa: F401 (fixtures)


def test_every_kind_of_demo_user_with_a_directory_entry_is_checked(demo_users):
    """Every tier of data, and every set of groups (which decides the pages)."""
    checked = set(EMPLOYEES) | set(STAFF)
    assert checked <= set(demo_users)
    groups = {frozenset(demo_users[label]["claims"]["groups"]) for label in checked}
    for label, user in demo_users.items():
        if label in checked or label == "contractor with no directory entry":
            continue
        assert "employee" not in label, f"{label}: employees differ by their data, so each one is checked"
        assert frozenset(user["claims"]["groups"]) in groups, f"{label}: no checked user has their groups"


@pytest.mark.parametrize("label", STAFF)
def test_every_page_of_council_and_hr_passes_axe(browser, portal_url, demo_users, label):  # noqa: F811
    visited, found = violations_of(browser, portal_url, label, demo_users[label])
    assert visited >= 6, "an employee's five pages and at least one of their role's"
    assert not found, "\n".join(found)

"""axe-core over every page of the works council and HR (see tests/accessibility.py)."""

from __future__ import annotations

import pytest

from tests.accessibility import EMPLOYEES, STAFF, violations_of
from tests.test_browser import browser, portal_url  # noqa: F401 (fixtures)


def test_every_demo_user_with_a_directory_entry_is_checked(demo_users):
    assert set(EMPLOYEES) | set(STAFF) == set(demo_users) - {"contractor with no directory entry"}


@pytest.mark.parametrize("label", STAFF)
def test_every_page_of_council_and_hr_passes_axe(browser, portal_url, demo_users, label):  # noqa: F811
    visited, found = violations_of(browser, portal_url, label, demo_users[label])
    assert visited >= 6, "an employee's five pages and at least one of their role's"
    assert not found, "\n".join(found)

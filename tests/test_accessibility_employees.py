"""axe-core over every page an employee sees, signed out included (see tests/accessibility.py)."""

from __future__ import annotations

import pytest

from tests.accessibility import EMPLOYEES, signed_out_violations, violations_of
from tests.test_browser import browser, portal_url  # noqa: F401 (fixtures)


def test_the_signed_out_page_passes_axe(browser, portal_url):  # noqa: F811
    assert not signed_out_violations(browser, portal_url)


@pytest.mark.parametrize("label", EMPLOYEES)
def test_every_page_of_an_employee_passes_axe(browser, portal_url, demo_users, label):  # noqa: F811
    visited, found = violations_of(browser, portal_url, label, demo_users[label])
    assert visited >= 5, "home, my data, console, access history and deletion requests"
    assert not found, "\n".join(found)

"""From ID-token claims to a principal: expiry, directory matching, roles."""

from __future__ import annotations

from datetime import UTC, datetime
from types import MappingProxyType

import pytest

from auth.principal import Role, SignInStatus, sign_in
from queries.discovery.directory import Directory, Employee
from settings import IdentitySettings

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
ANNA = Employee("E00001", "Anna Berg", "anna.berg@acme.example", "Sales", None, "Berlin", "L3", "2020-01-01", False)
DIRECTORY = Directory([ANNA])
IDENTITY = IdentitySettings()


def claims(**overrides) -> dict:
    base = {"is_logged_in": True, "sub": "anna", "email": "anna.berg@acme.example", "email_verified": True,
            "name": "Anna Berg", "groups": ["employees"], "exp": NOW.timestamp() + 600}
    return {**base, **overrides}


def test_a_directory_match_with_a_group_signs_in():
    result = sign_in(claims(), DIRECTORY, IDENTITY, NOW)
    assert result.status is SignInStatus.SIGNED_IN
    assert result.principal.employee_id == "E00001"
    assert result.principal.roles == {Role.EMPLOYEE}


@pytest.mark.parametrize("given, status", [
    ({"is_logged_in": False}, SignInStatus.SIGNED_OUT),
    ({}, SignInStatus.SIGNED_OUT),
    (claims(exp=NOW.timestamp() - 1), SignInStatus.EXPIRED),
    (claims(exp=NOW.timestamp()), SignInStatus.EXPIRED),
    (claims(exp=None), SignInStatus.EXPIRED),
    (claims(exp="tomorrow"), SignInStatus.EXPIRED),
    (claims(exp=True), SignInStatus.EXPIRED),
    (claims(email="someone.else@acme.example"), SignInStatus.NO_DIRECTORY_ENTRY),
    (claims(email=None), SignInStatus.NO_DIRECTORY_ENTRY),
    (claims(email=["anna.berg@acme.example"]), SignInStatus.NO_DIRECTORY_ENTRY),
    (claims(groups=[]), SignInStatus.NO_ROLE),
    (claims(groups=["contractors"]), SignInStatus.NO_ROLE),
    (claims(groups={"employees": True}), SignInStatus.NO_ROLE),
])
def test_refusals(given, status):
    result = sign_in(given, DIRECTORY, IDENTITY, NOW)
    assert result.status is status
    assert result.principal is None
    assert result.message


def test_an_expired_token_wins_over_everything_else():
    """However valid the rest, a token past `exp` yields no principal."""
    result = sign_in(claims(exp=NOW.timestamp() - 3600, groups=["employees", "hr-privacy"]), DIRECTORY, IDENTITY, NOW)
    assert result.status is SignInStatus.EXPIRED


def test_email_matching_ignores_case():
    assert sign_in(claims(email="Anna.Berg@ACME.example"), DIRECTORY, IDENTITY, NOW).principal.employee_id == "E00001"


def test_roles_come_from_groups_and_add_up():
    result = sign_in(claims(groups=["employees", "works-council", "hr-privacy", "unrelated"]), DIRECTORY, IDENTITY, NOW)
    assert result.principal.roles == {Role.EMPLOYEE, Role.WORKS_COUNCIL, Role.HR}


def test_a_single_group_as_text_is_accepted():
    assert sign_in(claims(groups="employees"), DIRECTORY, IDENTITY, NOW).principal.roles == {Role.EMPLOYEE}


def test_claim_and_group_mapping_follow_the_settings():
    entra = IdentitySettings(directory_claim="preferred_username", directory_field="email", groups_claim="roles",
                             role_groups=MappingProxyType({"Daylight.Employee": "employee"}))
    result = sign_in(claims(preferred_username="anna.berg@acme.example", email=None, roles=["Daylight.Employee"]),
                     DIRECTORY, entra, NOW)
    assert result.principal.roles == {Role.EMPLOYEE}


def test_matching_by_employee_id():
    by_id = IdentitySettings(directory_claim="employee_number", directory_field="employee_id")
    assert sign_in(claims(employee_number="E00001"), DIRECTORY, by_id, NOW).principal.name == "Anna Berg"
    assert sign_in(claims(employee_number="E99999"), DIRECTORY, by_id, NOW).principal is None

"""The whole access matrix: every combination of roles, every action, and
every kind of subject (own, another employee's, none)."""

from __future__ import annotations

from itertools import combinations

import pytest

from auth import policy
from auth.principal import Principal, Role

ME, COLLEAGUE = "E00010", "E00020"

# Written out by hand, independently of policy.ROLE_ACTIONS: which role
# grants which action, and to which subject each action may apply.
GRANTED_BY = {
    "view-own-telemetry": {Role.EMPLOYEE},
    "query-own-telemetry": {Role.EMPLOYEE},
    "export-own-data": {Role.EMPLOYEE},
    "request-deletion": {Role.EMPLOYEE},
    "view-own-access-log": {Role.EMPLOYEE},
    "audit-aggregates": {Role.WORKS_COUNCIL, Role.ADMINISTRATOR},
    "verify-ledger": {Role.WORKS_COUNCIL, Role.HR, Role.ADMINISTRATOR},
    "view-deletion-queue": {Role.HR},
    "process-deletion": {Role.HR},
    "place-legal-hold": {Role.HR},
    "administer-inventory": {Role.ADMINISTRATOR},
    "administer-console": {Role.ADMINISTRATOR},
}
ALLOWED_SUBJECTS = {
    "view-own-telemetry": {"own"}, "query-own-telemetry": {"own"}, "export-own-data": {"own"},
    "request-deletion": {"own"}, "view-own-access-log": {"own"},
    "audit-aggregates": {"none"}, "verify-ledger": {"none"}, "view-deletion-queue": {"none"},
    "process-deletion": {"other"}, "place-legal-hold": {"other"}, "administer-inventory": {"other"},
    "administer-console": {"other"},
}
SUBJECTS = {"own": policy.Resource.about(ME), "other": policy.Resource.about(COLLEAGUE), "none": policy.NO_SUBJECT}
ROLE_SETS = [frozenset(c) for n in range(len(Role) + 1) for c in combinations(Role, n)]


def principal(roles) -> Principal:
    return Principal(ME, "Mia Muster", "mia@acme.example", "Sales", frozenset(roles))


def test_the_expected_table_names_every_action():
    assert set(GRANTED_BY) == {a.name for a in policy.ACTIONS} == set(ALLOWED_SUBJECTS)


@pytest.mark.parametrize("roles", ROLE_SETS, ids=lambda r: "+".join(sorted(r)) or "no-role")
@pytest.mark.parametrize("action", policy.ACTIONS, ids=lambda a: a.name)
@pytest.mark.parametrize("subject", sorted(SUBJECTS))
def test_matrix(roles, action, subject):
    expected = bool(GRANTED_BY[action.name] & roles) and subject in ALLOWED_SUBJECTS[action.name]
    decision = policy.decide(principal(roles), action, SUBJECTS[subject])
    assert decision.allowed is expected, decision.reason
    assert decision.reason


def test_roles_add_up():
    council_member = principal({Role.EMPLOYEE, Role.WORKS_COUNCIL})
    assert policy.allowed(council_member, policy.VIEW_OWN_TELEMETRY, SUBJECTS["own"])
    assert policy.allowed(council_member, policy.AUDIT_AGGREGATES)


def test_nobody_signed_in_is_denied_everything():
    for action in policy.ACTIONS:
        for resource in SUBJECTS.values():
            assert policy.decide(None, action, resource) == policy.Decision(False, "not signed in")


def test_an_action_not_in_the_list_is_denied_even_with_every_role():
    forged = policy.Action("read-everything", "not a real action", policy.Scope.AGGREGATE)
    assert not policy.allowed(principal(set(Role)), forged)


def test_an_officer_cannot_decide_about_themselves():
    officer = principal({Role.EMPLOYEE, Role.HR})
    decision = policy.decide(officer, policy.PROCESS_DELETION, SUBJECTS["own"])
    assert not decision.allowed and "four-eyes" in decision.reason


def test_ensure_raises_with_the_reason():
    with pytest.raises(policy.AccessDenied, match="only to your own data"):
        policy.ensure(principal({Role.EMPLOYEE}), policy.VIEW_OWN_TELEMETRY, SUBJECTS["other"])

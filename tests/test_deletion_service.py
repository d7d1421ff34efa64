"""The deletion services decide who may do what themselves: a page that
forgot to ask the policy still could not show the queue or move a request."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from auth.policy import AccessDenied
from auth.principal import Role
from queries.erasure.requests import Move, RequestError, Scope, State
from queries.erasure import service as deletions
from tests.test_my_data import principal_for

NOW = datetime.now(UTC)


@pytest.fixture
def people(backend, demo_users):
    employee = backend.directory.by_id(demo_users["employee, median data"]["employee_id"])
    officer = backend.directory.by_id(demo_users["HR privacy officer"]["employee_id"])
    return principal_for(employee), principal_for(officer, Role.HR, Role.EMPLOYEE)


@pytest.mark.parametrize("call", [
    lambda b, p, r: deletions.queue(b, p),
    lambda b, p, r: deletions.request_in_queue(b, p, r.request_id),
    lambda b, p, r: deletions.erasure_progress(b, p, r.request_id),
    lambda b, p, r: deletions.legal_holds(b, p, NOW),
    lambda b, p, r: deletions.decide(b, p, r.request_id, Move.APPROVE, "self-service"),
    lambda b, p, r: deletions.begin_erasure(b, p, r.request_id),
    lambda b, p, r: deletions.resume_erasure(b, p, r.request_id),
    lambda b, p, r: deletions.place_hold(b, p, p.employee_id, None, "case 12", NOW + timedelta(days=30)),
], ids=["queue", "one request", "progress", "holds", "decide", "begin erasure", "resume erasure", "place hold"])
def test_an_employee_gets_none_of_the_officers_services(backend, people, call):
    employee, _ = people
    request = deletions.ask_for_deletion(backend, employee, Scope(True), "leaving")
    with pytest.raises((AccessDenied, RequestError)) as refused:
        call(backend, employee, request)
    assert str(refused.value)
    assert backend.requests.get(request.request_id).state is State.SUBMITTED
    assert backend.holds.in_force(employee.employee_id, NOW) == []


def test_an_officer_sees_the_queue_but_not_another_employees_requests_as_their_own(backend, people):
    employee, officer = people
    request = deletions.ask_for_deletion(backend, employee, Scope(True), "leaving")
    assert [r.request_id for r in deletions.queue(backend, officer)] == [request.request_id]
    assert deletions.my_requests(backend, officer) == []
    assert [r.request_id for r in deletions.my_requests(backend, employee)] == [request.request_id]


def test_an_officer_cannot_resume_an_erasure_of_their_own_data(backend, people):
    _, officer = people
    own = deletions.ask_for_deletion(backend, officer, Scope(True), "leaving too")
    with pytest.raises(AccessDenied, match="four-eyes"):
        deletions.resume_erasure(backend, officer, own.request_id)


def test_an_erasure_starts_only_through_begin_erasure(backend, people):
    employee, officer = people
    request = deletions.ask_for_deletion(backend, employee, Scope(True), "leaving")
    deletions.decide(backend, officer, request.request_id, Move.APPROVE, "granted")
    with pytest.raises(RequestError, match="begin_erasure"):
        deletions.decide(backend, officer, request.request_id, Move.EXECUTE, "go")
    assert backend.requests.get(request.request_id).state is State.APPROVED


def test_holds_are_placed_on_known_employees_and_lifted_by_id(backend, people):
    employee, officer = people
    with pytest.raises(RequestError, match="no such employee"):
        deletions.place_hold(backend, officer, "E99999", None, "case 12", NOW + timedelta(days=30))
    hold = deletions.place_hold(backend, officer, employee.employee_id, None, "case 12", NOW + timedelta(days=30))
    assert [h.hold_id for h in deletions.legal_holds(backend, officer, NOW)] == [hold.hold_id]
    with pytest.raises(RequestError, match="no legal hold"):
        deletions.lift_hold(backend, officer, "LH-NOPE", NOW)
    deletions.lift_hold(backend, officer, hold.hold_id, NOW)
    assert deletions.legal_holds(backend, officer, NOW) == []

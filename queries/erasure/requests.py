"""Deletion requests: an explicit state machine over a durable store.

Every change of state goes through `transition`, which refuses a move the
machine does not allow (with a message saying what is possible instead),
checks the policy for who may make it, and records who made it and when in
the same transaction. The deadline is one month from receipt; an officer
may extend it by up to two more months, with a reason the employee sees,
only while the first month runs (GDPR Art. 12(3)).
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path

from auth.policy import PROCESS_DELETION, REQUEST_DELETION, Resource, ensure
from auth.principal import Principal
from queries.state import store as state_store
from queries.state.store import StateStoreError

DELETION_FILE = "deletion.sqlite"
SYSTEM = "daylight-executor"
MAIL_CLAIM_STALE = timedelta(minutes=10)  # well past an SMTP session's timeouts


class RequestError(Exception):
    """The request cannot do what was asked; the message says why, in plain words."""


class State(StrEnum):
    SUBMITTED = "submitted"
    EXTENDED = "extended"
    APPROVED = "approved"
    PARTIALLY_APPROVED = "partially approved"
    DENIED = "denied"
    WITHDRAWN = "withdrawn"
    EXECUTING = "executing"
    FAILED = "failed"
    COMPLETED = "completed"


class Move(StrEnum):
    WITHDRAW = "withdraw"
    EXTEND = "extend"
    APPROVE = "approve"
    APPROVE_IN_PART = "approve in part"
    DENY = "deny"
    EXECUTE = "execute"
    FAIL = "fail"
    COMPLETE = "complete"


TRANSITIONS: dict[State, dict[Move, State]] = {
    State.SUBMITTED: {Move.WITHDRAW: State.WITHDRAWN, Move.EXTEND: State.EXTENDED, Move.APPROVE: State.APPROVED,
                      Move.APPROVE_IN_PART: State.PARTIALLY_APPROVED, Move.DENY: State.DENIED},
    State.EXTENDED: {Move.WITHDRAW: State.WITHDRAWN, Move.APPROVE: State.APPROVED,
                     Move.APPROVE_IN_PART: State.PARTIALLY_APPROVED, Move.DENY: State.DENIED},
    State.APPROVED: {Move.WITHDRAW: State.WITHDRAWN, Move.EXECUTE: State.EXECUTING},
    State.PARTIALLY_APPROVED: {Move.WITHDRAW: State.WITHDRAWN, Move.EXECUTE: State.EXECUTING},
    State.EXECUTING: {Move.FAIL: State.FAILED, Move.COMPLETE: State.COMPLETED},
    State.FAILED: {Move.EXECUTE: State.EXECUTING},
    State.DENIED: {}, State.WITHDRAWN: {}, State.COMPLETED: {},
}
OPEN_STATES = (State.SUBMITTED, State.EXTENDED)
EMPLOYEE_MOVES = {Move.WITHDRAW}
SYSTEM_MOVES = {Move.FAIL, Move.COMPLETE}
MAX_EXTENSION_MONTHS = 2


def add_months(moment: datetime, months: int) -> datetime:
    """The same day `months` later, or the month's last day if it has fewer."""
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    for day in range(moment.day, 27, -1):
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    return moment.replace(year=year, month=month, day=min(moment.day, 28))


@dataclass(frozen=True)
class Scope:
    """What the employee asked to delete: everything, or chosen categories and tables."""

    everything: bool
    categories: tuple[str, ...] = ()
    tables: tuple[str, ...] = ()

    def covers(self, table: str, kinds: set[str]) -> bool:
        """Whether it asks for `table`, which holds these kinds of data (`plan.kinds_of_data`)."""
        return self.everything or bool(kinds & set(self.categories)) or table in self.tables

    def overlaps(self, other: Scope) -> bool:
        """Whether both ask for some of the same data, as far as their words tell."""
        return (self.everything or other.everything or bool(set(self.categories) & set(other.categories))
                or bool(set(self.tables) & set(other.tables)))

    def to_json(self) -> str:
        return json.dumps({"all": self.everything, "categories": list(self.categories), "tables": list(self.tables)})

    @staticmethod
    def from_json(text: str) -> Scope:
        raw = json.loads(text)
        return Scope(bool(raw["all"]), tuple(raw["categories"]), tuple(raw["tables"]))

    def describe(self) -> str:
        if self.everything:
            return "all my data"
        return ", ".join([f"category {c}" for c in self.categories] + list(self.tables))


@dataclass(frozen=True)
class Notification:
    request_id: str
    at: datetime
    state: State
    read: bool


@dataclass(frozen=True)
class Transition:
    at: datetime
    actor_id: str
    from_state: str | None
    to_state: str
    note: str | None


@dataclass(frozen=True)
class Request:
    request_id: str
    subject_id: str
    scope: Scope
    reason: str | None
    state: State
    received_at: datetime
    deadline: datetime
    extension_reason: str | None
    approved_tables: tuple[str, ...] | None
    decision_reason: str | None
    receipt: dict | None
    history: tuple[Transition, ...]

    def days_left(self, now: datetime) -> float:
        return (self.deadline - now).total_seconds() / 86400

    @property
    def open(self) -> bool:
        return self.state in OPEN_STATES

    def moves(self) -> list[Move]:
        return list(TRANSITIONS[self.state])

    @property
    def approved_by(self) -> str | None:
        """Who made the latest decision to approve it (wholly or in part)."""
        return next((t.actor_id for t in reversed(self.history)
                     if t.to_state in (State.APPROVED, State.PARTIALLY_APPROVED)), None)


def utc_now() -> datetime:
    return datetime.now(UTC)


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


class DeletionRequests:
    def __init__(self, state_dir: Path, on_change: Callable[[], None] = lambda: None):
        """`on_change` runs after each committed change of state (the mailer sends what it notified)."""
        self._on_change = on_change
        try:
            self.connection = state_store.connect(Path(state_dir) / DELETION_FILE, "deletion/schema")
        except StateStoreError as problem:
            raise RequestError(f"the deletion requests cannot be opened: {problem}") from None

    def submit(self, principal: Principal, scope: Scope, reason: str | None, now: datetime | None = None) -> Request:
        ensure(principal, REQUEST_DELETION, Resource.about(principal.employee_id))
        if not scope.everything and not scope.categories and not scope.tables:
            raise RequestError("Choose what to delete: all your data, or at least one category or table.")
        now = now or utc_now()
        request_id = f"DR-{now:%Y%m%d}-{secrets.token_hex(3).upper()}"
        with state_store.transaction(self.connection) as db:
            for earlier, earlier_scope in state_store.run(db, "deletion/unfinished_of",
                                                          {"subject_id": principal.employee_id}):
                if scope.overlaps(Scope.from_json(earlier_scope)):
                    raise RequestError(f"You already have a request for this data that is not finished "
                                       f"({earlier}). Follow it under your requests, or withdraw it before "
                                       "asking again.")
            state_store.run(db, "deletion/add_request", {
                "request_id": request_id, "subject_id": principal.employee_id, "scope": scope.to_json(),
                "reason": (reason or "").strip() or None, "state": State.SUBMITTED, "received_at": stamp(now),
                "deadline": stamp(add_months(now, 1))})
            self._log(db, request_id, principal.employee_id, principal.employee_id, None, State.SUBMITTED,
                      scope.describe(), now)
        self._on_change()
        return self.get(request_id)

    def get(self, request_id: str) -> Request:
        rows = state_store.run(self.connection, "deletion/request", {"request_id": request_id})
        if not rows:
            raise RequestError(f"There is no deletion request {request_id}.")
        (rid, subject, scope, reason, state, received, deadline, extension, approved, decision, receipt) = rows[0]
        history = tuple(Transition(datetime.fromisoformat(at), actor, before, after, note) for at, actor, before, after, note
                        in state_store.run(self.connection, "deletion/history", {"request_id": rid}))
        return Request(rid, subject, Scope.from_json(scope), reason, State(state), datetime.fromisoformat(received),
                       datetime.fromisoformat(deadline), extension,
                       tuple(json.loads(approved)) if approved is not None else None, decision,
                       json.loads(receipt) if receipt else None, history)

    def of(self, subject_id: str) -> list[Request]:
        return [self.get(rid) for (rid,) in state_store.run(self.connection, "deletion/requests_of",
                                                             {"subject_id": subject_id})]

    def all(self) -> list[Request]:
        return [self.get(rid) for (rid,) in state_store.run(self.connection, "deletion/all_requests")]

    def executing(self) -> list[str]:
        return [rid for (rid,) in state_store.run(self.connection, "deletion/unfinished")]

    def transition(self, actor: Principal | None, request_id: str, move: Move, note: str | None = None,
                   approved_tables: list[str] | None = None, now: datetime | None = None) -> Request:
        """Applies `move`; `actor` None is the executor itself (fail, complete)."""
        now = now or utc_now()
        request = self.get(request_id)
        self._authorize(actor, request, move)
        target = TRANSITIONS[request.state].get(move)
        if target is None:
            possible = ", ".join(m.value for m in request.moves()) or "nothing: it is final"
            raise RequestError(f"A request that is {request.state.value} cannot be {_past(move)}; "
                               f"what it allows now: {possible}.")
        note = (note or "").strip() or None
        if move in (Move.DENY, Move.APPROVE_IN_PART, Move.EXTEND) and not note:
            raise RequestError(f"Give a reason to {move.value}: the employee is told it.")
        if move is Move.APPROVE_IN_PART and not approved_tables:
            raise RequestError("Choose the tables that will be deleted, or deny the request.")
        extended_deadline = None
        if move is Move.EXTEND:
            if now > request.deadline:
                raise RequestError("The deadline can only be extended within the first month, and it has passed.")
            extended_deadline = add_months(request.received_at, 1 + MAX_EXTENSION_MONTHS)
        with state_store.transaction(self.connection) as db:
            changed = state_store.stream(db, "deletion/set_state", {
                "state": target, "request_id": request_id, "from_state": request.state}).rowcount
            if changed != 1:
                raise RequestError("The request was changed by someone else meanwhile; reload and try again.")
            if extended_deadline:
                state_store.run(db, "deletion/set_extension", {
                    "request_id": request_id, "deadline": stamp(extended_deadline), "extension_reason": note})
            if move in (Move.APPROVE, Move.APPROVE_IN_PART, Move.DENY):
                state_store.run(db, "deletion/set_decision", {
                    "request_id": request_id, "decision_reason": note,
                    "approved_tables": json.dumps(approved_tables) if move is Move.APPROVE_IN_PART else None})
            self._log(db, request_id, request.subject_id, actor.employee_id if actor else SYSTEM, request.state, target,
                      note, now)
        self._on_change()
        return self.get(request_id)

    def save_receipt(self, request_id: str, receipt: dict) -> None:
        with state_store.transaction(self.connection) as db:
            state_store.run(db, "deletion/set_receipt", {"request_id": request_id, "receipt": json.dumps(receipt)})

    @staticmethod
    def _authorize(actor: Principal | None, request: Request, move: Move) -> None:
        if move in SYSTEM_MOVES:
            if actor is not None:
                raise RequestError(f"Only the executor can mark a request as {_past(move)}.")
            return
        if actor is None:
            raise RequestError("A person must make this decision.")
        if move in EMPLOYEE_MOVES:
            if actor.employee_id != request.subject_id:
                raise RequestError("Only the employee who asked can withdraw a request.")
            ensure(actor, REQUEST_DELETION, Resource.about(actor.employee_id))
            return
        ensure(actor, PROCESS_DELETION, Resource.about(request.subject_id))
        if move is Move.EXECUTE and actor.employee_id == request.approved_by:
            raise RequestError("You approved this request, so another HR privacy officer must execute it "
                               "(four-eyes rule).")

    @staticmethod
    def _log(db: sqlite3.Connection, request_id: str, subject_id: str, actor_id: str, before: str | None,
             after: str, note: str | None, now: datetime) -> None:
        """Records the transition and, in the same transaction, the employee's notification of it."""
        state_store.run(db, "deletion/add_transition", {"request_id": request_id, "at": stamp(now),
                                                         "actor_id": actor_id, "from_state": before,
                                                         "to_state": after, "note": note})
        state_store.run(db, "deletion/add_notification", {"request_id": request_id, "employee_id": subject_id,
                                                           "at": stamp(now), "state": after})

    def notifications(self, employee_id: str) -> list[Notification]:
        return [Notification(rid, datetime.fromisoformat(at), State(state), read is not None)
                for rid, at, state, read in state_store.run(self.connection, "deletion/notifications_of",
                                                            {"employee_id": employee_id})]

    def mark_read(self, employee_id: str, now: datetime | None = None) -> None:
        with state_store.transaction(self.connection) as db:
            state_store.run(db, "deletion/mark_read", {"employee_id": employee_id, "read_at": stamp(now or utc_now())})

    def unmailed(self) -> list[tuple[str, str, datetime, State]]:
        """(request, employee, when, state) of every notification not yet mailed, oldest first."""
        return _waiting(state_store.run(self.connection, "deletion/unmailed"))

    def claim_unmailed(self, sender: str, now: datetime | None = None) -> list[tuple[str, str, datetime, State]]:
        """As `unmailed`, but only the notifications no other sender is
        mailing, now claimed for `sender`: every portal process has a
        mailer, and without a claim two of them mailed the same change.
        A claim older than `MAIL_CLAIM_STALE` (its sender stopped) is taken over."""
        now = now or utc_now()
        with state_store.transaction(self.connection) as db:
            state_store.run(db, "deletion/drop_stale_mail_claims", {"stale_before": stamp(now - MAIL_CLAIM_STALE)})
            state_store.run(db, "deletion/claim_unmailed", {"sender": sender, "claimed_at": stamp(now)})
            claimed = state_store.run(db, "deletion/claimed_by", {"sender": sender})
        return _waiting(claimed)

    def release_mail_claims(self, sender: str) -> None:
        """Gives back what `sender` claimed and did not mail, for the next try."""
        with state_store.transaction(self.connection) as db:
            state_store.run(db, "deletion/release_mail_claims", {"sender": sender})

    def mark_mailed(self, request_id: str, at: datetime, state: State, now: datetime | None = None) -> None:
        key = {"request_id": request_id, "at": stamp(at), "state": state}
        with state_store.transaction(self.connection) as db:
            state_store.run(db, "deletion/mark_mailed", {**key, "mailed_at": stamp(now or utc_now())})
            state_store.run(db, "deletion/drop_mail_claim", key)

    def close(self) -> None:
        self.connection.close()


def _waiting(rows: list[tuple]) -> list[tuple[str, str, datetime, State]]:
    """(request, employee, when, state) of stored notifications."""
    return [(rid, employee, datetime.fromisoformat(at), State(state)) for rid, employee, at, state in rows]


def _past(move: Move) -> str:
    return {Move.WITHDRAW: "withdrawn", Move.EXTEND: "extended", Move.APPROVE: "approved",
            Move.APPROVE_IN_PART: "approved in part", Move.DENY: "denied", Move.EXECUTE: "executed",
            Move.FAIL: "failed", Move.COMPLETE: "completed"}[move]

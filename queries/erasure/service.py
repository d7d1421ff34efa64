"""Deletion requests as each audience may use them. The pages call these,
never the request store or the erasure run: every function takes the
principal and the policy decides here, so a page that forgets to ask
cannot show a queue or move a request.

An employee asks, follows and withdraws their own requests; an HR privacy
officer sees the queue, decides, starts (or resumes) an erasure and keeps
legal holds. `begin_erasure` moves the request and starts the run in one
call, so a request is never left "executing" with nothing running.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from auth.policy import PLACE_LEGAL_HOLD, PROCESS_DELETION, REQUEST_DELETION, VIEW_DELETION_QUEUE, Resource, ensure
from auth.principal import Principal
from queries.access.reads import personal_read
from queries.backend import Backend
from queries.erasure import run as erasure
from queries.discovery.relations import UNREGISTERED
from queries.erasure.plan import kinds_of_data, preview
from queries.erasure.holds import Hold
from queries.erasure.requests import Move, Notification, Request, RequestError, Scope
# The pages' words for a plan and a receipt.
from queries.erasure.wording import counted, erasure_summary as erasure_summary, \
    notification_text as notification_text, request_timeline as request_timeline, \
    verification_in_words as verification_in_words, where_it_stands as where_it_stands
from settings import ErasureSettings


@dataclass(frozen=True)
class ErasureProgress:
    files: int
    swapped: int
    running: bool  # False while the request is executing: the run was interrupted and can be resumed


def my_requests(backend: Backend, principal: Principal) -> list[Request]:
    ensure(principal, REQUEST_DELETION, Resource.about(principal.employee_id))
    return backend.requests.of(principal.employee_id)


def my_requests_under_way(backend: Backend, principal: Principal) -> list[Request]:
    """Requests still waiting for a decision or for their deletion to finish."""
    return [request for request in my_requests(backend, principal) if request.moves()]


def request_summary(backend: Backend, principal: Principal, scope: Scope, now: datetime | None = None) -> str:
    """What a request for `scope` would delete of the employee's data, and
    what a legal hold keeps: said before they confirm it."""
    ensure(principal, REQUEST_DELETION, Resource.about(principal.employee_id))
    now = now or datetime.now(UTC)
    holds = backend.holds.in_force(principal.employee_id, now)
    chosen = [data for data in kinds_of_data(backend, principal.employee_id, now.date())
              if scope.covers(data.postings.table, data.kinds)]
    held = {data.postings.table: hold for data in chosen for hold in holds if hold.covers(data.kinds, data.origins)}
    gone = [data.postings for data in chosen if data.postings.table not in held]
    said = f"{counted(sum(p.rows for p in gone), 'row')} in {counted(len(gone), 'table')} will be deleted"
    for hold in {h.hold_id: h for h in held.values()}.values():
        said += (f"; {hold.keeps or 'all your data'} is kept under a legal hold until "
                 f"{hold.expires_at:%d %b %Y} ({hold.reason})")
    return said + "."


def my_notifications(backend: Backend, principal: Principal) -> list[Notification]:
    """What changed in the employee's requests, newest first; unread ones are `read=False`."""
    ensure(principal, REQUEST_DELETION, Resource.about(principal.employee_id))
    return backend.requests.notifications(principal.employee_id)


def notifications_seen(backend: Backend, principal: Principal) -> None:
    """The employee has read their requests' page: nothing is new any more."""
    ensure(principal, REQUEST_DELETION, Resource.about(principal.employee_id))
    backend.requests.mark_read(principal.employee_id)


def my_holds(backend: Backend, principal: Principal) -> list[Hold]:
    """The legal holds on the employee's own data, with their reasons: they
    are told what is kept and why before they ask."""
    ensure(principal, REQUEST_DELETION, Resource.about(principal.employee_id))
    return backend.holds.in_force(principal.employee_id)


def held_tables(backend: Backend, principal: Principal, now: datetime | None = None) -> dict[str, Hold]:
    """The employee's tables a legal hold keeps, with the hold, to mark them where their data is listed."""
    holds = my_holds(backend, principal)
    if not holds:
        return {}
    now = now or datetime.now(UTC)
    return {data.postings.table: hold for data in kinds_of_data(backend, principal.employee_id, now.date())
            for hold in holds if hold.covers(data.kinds, data.origins)}


def contest_details(backend: Backend) -> ErasureSettings:
    """Whom to contact to contest a decision, and where to complain."""
    return backend.settings.erasure


def time_zone(name: str | None) -> tzinfo:
    """The browser's time zone, when it says a known one; else UTC."""
    try:
        return ZoneInfo(name) if name else UTC
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def ask_for_deletion(backend: Backend, principal: Principal, scope: Scope, reason: str | None) -> Request:
    return backend.requests.submit(principal, scope, reason)


def withdraw(backend: Backend, principal: Principal, request_id: str) -> Request:
    return backend.requests.transition(principal, request_id, Move.WITHDRAW, "withdrawn by the employee")


def queue(backend: Backend, officer: Principal) -> list[Request]:
    ensure(officer, VIEW_DELETION_QUEUE)
    return backend.requests.all()


def names(backend: Backend, officer: Principal, employee_ids: list[str]) -> dict[str, str]:
    """People as officers know them, name and id, for the queue and the holds."""
    ensure(officer, VIEW_DELETION_QUEUE)
    found = {e: backend.directory.by_id(e) for e in employee_ids}
    return {e: f"{p.name} ({e})" if p else f"{e} (no longer in the directory)" for e, p in found.items()}


def people(backend: Backend, officer: Principal) -> dict[str, str]:
    """Everyone in the directory, by name, to pick whom a hold is on."""
    return names(backend, officer, [p.employee_id for p in sorted(backend.directory, key=lambda p: p.name)])


def request_in_queue(backend: Backend, officer: Principal, request_id: str) -> Request:
    ensure(officer, VIEW_DELETION_QUEUE)
    return backend.requests.get(request_id)


def erasure_preview(backend: Backend, officer: Principal, request: Request) -> list[dict]:
    """What erasure would do, per table (recorded in the ledger as the officer's read)."""
    return preview(backend, officer, request)


def plan_totals(plan_rows: list[dict]) -> dict:
    """The preview's last line: every count summed."""
    return {key: ("total" if key == "table" else sum(row[key] for row in plan_rows)
                  if isinstance(plan_rows[0][key], int) else "") for key in plan_rows[0]}


def decide(backend: Backend, officer: Principal, request_id: str, move: Move, note: str | None,
           approved_tables: list[str] | None = None) -> Request:
    """Approves (wholly or in part), denies or extends; the request store
    checks the move against the state machine and the four-eyes rule."""
    if move is Move.EXECUTE:
        raise RequestError("Start an erasure with begin_erasure, which also runs it.")
    return backend.requests.transition(officer, request_id, move, note, approved_tables=approved_tables)


def begin_erasure(backend: Backend, officer: Principal, request_id: str) -> Request:
    request = backend.requests.transition(officer, request_id, Move.EXECUTE, "started from the HR screen")
    erasure.start(backend, request_id)
    return request


def resume_erasure(backend: Backend, officer: Principal, request_id: str) -> bool:
    """Runs an interrupted erasure again; False when it is already running."""
    ensure(officer, PROCESS_DELETION, Resource.about(backend.requests.get(request_id).subject_id))
    return erasure.start(backend, request_id)


def erasure_progress(backend: Backend, officer: Principal, request_id: str) -> ErasureProgress:
    ensure(officer, VIEW_DELETION_QUEUE)
    steps = [entry.step for entry in backend.journal.entries(request_id)]
    return ErasureProgress(len(steps), steps.count("swapped"),
                           erasure.under_way(backend, backend.requests.get(request_id)))


def legal_holds(backend: Backend, officer: Principal, now: datetime) -> list[Hold]:
    ensure(officer, VIEW_DELETION_QUEUE)
    return backend.holds.in_force(None, now)


@dataclass(frozen=True)
class Holdable:
    """What a hold on one employee can keep, each choice with the tables it
    covers and the rows about them: what the officer chooses from and sees
    before saving."""

    kinds: dict[str, list[tuple[str, int]]]  # kind of data → its registered tables and their unregistered copies
    tables: dict[str, list[tuple[str, int]]]  # table → it and its unregistered copies

    def covered(self, kind: str | None, tables: tuple[str, ...]) -> list[tuple[str, int]]:
        """The tables (with rows) a hold on `kind`, on `tables`, or (neither) on everything keeps."""
        chosen = (self.kinds.get(kind, []) if kind else [row for t in tables for row in self.tables.get(t, [])]
                  if tables else [row for rows in self.tables.values() for row in rows])
        return sorted(set(chosen))


def holdable(backend: Backend, officer: Principal, subject_id: str, now: datetime | None = None) -> Holdable:
    """The kinds of data and the tables a hold on the employee can keep."""
    kinds: dict[str, list] = {}
    tables: dict[str, list] = {}
    with personal_read(backend.ledger, officer, PLACE_LEGAL_HOLD, [subject_id]) as read:
        found = kinds_of_data(backend, subject_id, (now or datetime.now(UTC)).date())
        for data in found:
            for kind in data.kinds - {UNREGISTERED}:
                kinds.setdefault(kind, []).append((data.postings.table, data.postings.rows))
            for origin in data.origins:
                tables.setdefault(origin, []).append((data.postings.table, data.postings.rows))
        read.took([d.postings.table for d in found], sum(d.postings.rows for d in found))
    about = {data.postings.table for data in found}
    return Holdable(dict(sorted(kinds.items())), {t: rows for t, rows in sorted(tables.items()) if t in about})


def place_hold(backend: Backend, officer: Principal, subject_id: str, category: str | None, reason: str,
               expires_at: datetime, tables: tuple[str, ...] = ()) -> Hold:
    """A hold on all of the employee's data (no `category`, no `tables`), on
    one kind of data Daylight holds about them, or on chosen tables of theirs:
    anything else would keep nothing."""
    if backend.directory.by_id(subject_id) is None:
        raise RequestError("There is no such employee in the directory.")
    if category is not None and tables:
        raise RequestError("A hold keeps either a kind of data or chosen tables, not both.")
    choices = holdable(backend, officer, subject_id) if category is not None or tables else None
    if category is not None and category not in choices.kinds:
        raise RequestError(f"Daylight holds no data of the kind {category!r} about this employee, so the hold "
                           "would keep nothing. Choose one of their kinds of data, or all of it.")
    if unknown := sorted(set(tables) - set(choices.tables if choices else ())):
        raise RequestError(f"Daylight finds nothing about this employee in {', '.join(unknown)}, so the hold "
                           "would keep nothing there. Choose among their tables.")
    return backend.holds.place(officer, subject_id, category, reason, expires_at, tables=tuple(tables))


def lift_hold(backend: Backend, officer: Principal, hold_id: str, now: datetime) -> None:
    hold = next((h for h in legal_holds(backend, officer, now) if h.hold_id == hold_id), None)
    if hold is None:
        raise RequestError(f"There is no legal hold {hold_id} in force.")
    backend.holds.lift(officer, hold)

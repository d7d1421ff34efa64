"""The SQL console's one entry point: run one statement for one employee.

Isolation is physical. This, the trusted side, checks the statement's parse
tree (`statement`), selects only the signed-in employee's rows
(bound parameters, colleagues pseudonymized, as everywhere) and hands them
as Arrow to a confined worker process (`process`,
`worker.py`) that never sees anything else. At most
`console.max_concurrent_per_person` statements of one person, and
`console.max_concurrent` in all, run at once; a statement waits for a slot
at most as long as one statement may run.

Every statement the console receives is recorded in the access ledger —
accepted or refused, with the SHA-256 of its text, its outcome and its
time — before its answer is returned.
"""

from __future__ import annotations

import difflib
import hashlib
import logging
import re
import time
from collections import Counter
from dataclasses import dataclass
from threading import Condition

import pyarrow as pa

from auth.policy import ADMINISTER_CONSOLE, QUERY_OWN_TELEMETRY
from auth.principal import Principal
from queries.access.reads import Read, personal_read
from queries.backend import Backend
from queries.console.process import ConsoleLimits, run_in_sandbox
from queries.console.statement import check_statement
from queries.mydata.inventory import inventory_of

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ConsoleResult:
    statement_sha256: str
    rows: pa.Table | None = None
    cut: str | None = None  # "rows" or "bytes": the result was cut at that limit
    error: str | None = None
    seconds: float = 0.0
    tables: tuple[str, ...] = ()
    rows_loaded: int = 0
    outcome: str = "ok"

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def truncated(self) -> bool:
        return self.cut is not None


class ConsoleSlots:
    """How many statements run at once, per person and in all. A person
    over their own limit is answered "busy" at once. A statement over the
    limit for everyone waits for a slot, at most `wait_s`: most statements
    take under a second, and when eight people pressed Run together in the
    load case, 9 of their 24 statements were refused and pressed again."""

    def __init__(self):
        self._freed = Condition()
        self._running: Counter[str] = Counter()

    def take(self, person: str, per_person: int, in_all: int, wait_s: float = 0.0) -> bool:
        deadline = time.monotonic() + wait_s
        with self._freed:
            while self._running[person] < per_person:
                if sum(self._running.values()) < in_all:
                    self._running[person] += 1
                    return True
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._freed.wait(left)
            return False

    def give_back(self, person: str) -> None:
        with self._freed:
            self._running[person] -= 1
            if self._running[person] <= 0:
                del self._running[person]
            self._freed.notify_all()


SLOTS = ConsoleSlots()
BUSY = "The console is busy with other queries right now; try again in a moment."


def _unknown_tables(unknown: set[str], tables: tuple[str, ...]) -> str:
    parts = []
    for name in sorted(unknown):
        close = difflib.get_close_matches(name, tables, n=1)
        parts.append(f"{name} is not one of your tables." + (f" Did you mean {close[0]}?" if close else ""))
    return " ".join(parts) + (" Your tables are named as in the warehouse, database.table: "
                              + ", ".join(tables[:6]) + (" …" if len(tables) > 6 else "") + ".")


def _explain(kind: str, message: str, tables: tuple[str, ...], unknown: set[str]) -> str:
    """DuckDB's message, in plain words where we can say it better."""
    lines = message.splitlines() or [kind]
    first = re.sub(r"^[A-Za-z ]*(Error|Exception): ", "", lines[0])
    if kind in ("syntax", "ParserException"):
        caret = next((line for line in lines if line.startswith("LINE ")), "")
        return f"Syntax error: {first}" + (f" ({caret.strip()})" if caret else "")
    if kind == "CatalogException" and first.startswith("Table with name"):
        if unknown:
            return _unknown_tables(unknown, tables)
        hint = next((line.strip() for line in lines if line.strip().startswith("Did you mean")), "")
        return f"{first} {hint}".strip()
    if kind == "OutOfMemoryException":
        return "The query needs more memory than the console allows; narrow it down (fewer rows, fewer joins)."
    return first


def _worker_error(reply: dict, limits: ConsoleLimits, mine: tuple[str, ...], unknown: set[str]) -> str:
    kind = reply["error"]
    if kind == "timeout":
        return f"Time limit reached: the query ran for more than {limits.timeout_s:g} seconds and was stopped."
    if kind == "too_large":
        return (f"The result is larger than {limits.max_result_mb} MB and was not kept. Select fewer columns or "
                "rows, or aggregate.")
    if kind == "crashed":
        return "The query stopped unexpectedly (it may have needed too much memory). Try a smaller query."
    if kind == "sandbox":
        log.error("console sandbox unavailable: %s", reply["message"])
        return ("The console is switched off on this server: its sandbox cannot be applied here. The operators "
                "have the details in the server log.")
    if kind == "not_a_query":
        return "Only queries are allowed here: a single SELECT over your own tables."
    return _explain(kind, reply["message"], mine, unknown)


class _Answer:
    """One statement's answer in the making: whatever happens, `result`
    fills in the read, which `personal_read` records as one ledger entry."""

    def __init__(self, read: Read, statement: str):
        self.read = read
        self.digest = read.sql_sha256 = hashlib.sha256(statement.encode()).hexdigest()
        self.started = time.perf_counter()

    def result(self, outcome: str, **fields) -> ConsoleResult:
        self.read.outcome = outcome
        self.read.seconds = round(time.perf_counter() - self.started, 3)
        return ConsoleResult(self.digest, seconds=self.read.seconds, tables=tuple(self.read.tables),
                             rows_loaded=self.read.rows, outcome=outcome, **fields)


def console_limits(backend: Backend) -> ConsoleLimits:
    """The limits every statement runs under, as configured (for telling the user)."""
    return ConsoleLimits.from_settings(backend.settings.console)


def run_statement(backend: Backend, principal: Principal, statement: str,
                  limits: ConsoleLimits | None = None, subject_id: str | None = None) -> ConsoleResult:
    """Runs one statement over one employee's rows and nothing else: the
    principal's own, or — for an administrator's audit (`daylight console`),
    recorded as such — `subject_id`'s. `limits` default to the configured ones."""
    limits = limits or console_limits(backend)
    subject = subject_id or principal.employee_id
    action = QUERY_OWN_TELEMETRY if subject == principal.employee_id else ADMINISTER_CONSOLE
    with personal_read(backend.ledger, principal, action, [subject]) as read:
        return _answer(backend, principal.employee_id, subject, _Answer(read, statement), statement, limits)


def _answer(backend: Backend, asker: str, subject: str, answer: _Answer, statement: str,
            limits: ConsoleLimits) -> ConsoleResult:
    checked = check_statement(statement)
    if checked.refusal:
        return answer.result(f"refused: {checked.kind}", error=checked.refusal)
    settings = backend.settings.console
    if not SLOTS.take(asker, settings.max_concurrent_per_person, settings.max_concurrent, limits.timeout_s):
        return answer.result("refused: busy", error=BUSY)
    try:
        inventory = inventory_of(backend, subject)
        entries = [e for e in inventory.entries if e.name in checked.tables]
        slices = {r.entry.name: r.rows
                  for r in backend.rows.within(answer.read, subject, entries) if r.rows is not None}
        reply, rows = run_in_sandbox(statement, slices, limits)
    finally:
        SLOTS.give_back(asker)
    if reply["error"]:
        mine = tuple(e.name for e in inventory.entries)
        return answer.result(f"error: {reply['error']}",
                             error=_worker_error(reply, limits, mine, set(checked.tables) - set(mine)))
    return answer.result("ok" if not reply["cut"] else f"ok, cut at {reply['cut']}", rows=rows, cut=reply["cut"])

"""Reading one employee's own rows: the only way rows leave the warehouse.

Every entry point takes the principal and asks the policy; the subject is
the principal's own employee id, bound as a parameter; only the files the
subject index names are read; colleagues' identifiers are pseudonymized
and the read is recorded in the access ledger before anything is returned.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass

import pyarrow as pa

from auth.policy import QUERY_OWN_TELEMETRY, Action, Decision, Resource, ensure
from auth.principal import Principal
from queries import access_events, sql
from queries.backend import Backend
from queries.directory import Employee
from queries.inventory import InventoryEntry
from queries.pseudonyms import Pseudonymizer
from queries.subject_rows import event_time_fragment, names_subject, token_bindings
from queries.warehouse import WarehouseError

log = logging.getLogger(__name__)

ALL_ROWS = 2**62


@dataclass(frozen=True)
class MyRows:
    entry: InventoryEntry
    rows: pa.Table | None
    error: str | None = None


@dataclass(frozen=True)
class _Reader:
    backend: Backend
    principal: Principal
    decision: Decision
    action: Action
    employee: Employee


def _fetch(reader: _Reader, entry: InventoryEntry, limit: int) -> MyRows:
    backend, employee = reader.backend, reader.employee
    finding = entry.finding
    statement = sql.render("read_subject_rows", fragments={
        "names_subject": names_subject(finding), "event_time": event_time_fragment(finding)})
    try:
        rows = backend.warehouse.query_arrow(statement, {
            "files": list(entry.postings.files), "row_limit": limit,
            **token_bindings(backend.directory, backend.settings.discovery.plus_tags, employee)})
    except WarehouseError as problem:
        log.warning("reading %s for %s failed: %s", entry.name, employee.employee_id, problem)
        return MyRows(entry, None, "this table cannot be read right now; the operators have been told")
    pseudonymizer = Pseudonymizer(backend.pseudonym_key, employee, backend.directory)
    return MyRows(entry, pseudonymizer.apply(rows))


def _read(reader: _Reader, entry: InventoryEntry, limit: int) -> MyRows:
    fetched = _fetch(reader, entry, limit)
    if fetched.rows is not None:
        access_events.record(reader.backend.ledger, reader.principal, reader.decision, reader.action,
                             [reader.employee.employee_id], [entry.name], fetched.rows.num_rows)
    return fetched


def _reader(backend: Backend, principal: Principal, action: Action) -> _Reader:
    decision = ensure(principal, action, Resource.about(principal.employee_id))
    return _Reader(backend, principal, decision, action, backend.directory.by_id(principal.employee_id))


def my_rows(backend: Backend, principal: Principal, action: Action, entries: list[InventoryEntry],
            limit: int = ALL_ROWS) -> Iterator[MyRows]:
    """The principal's rows in each of `entries` (from their own inventory),
    for `action`: viewing or exporting one's own data. Each table's read is
    one ledger entry."""
    reader = _reader(backend, principal, action)
    return (_read(reader, entry, limit) for entry in entries)


def my_slices(backend: Backend, principal: Principal, entries: list[InventoryEntry]) -> Iterator[MyRows]:
    """The principal's whole rows of `entries` for the SQL console, which
    records the statement they serve as one ledger entry (tables, rows,
    outcome) before it answers."""
    reader = _reader(backend, principal, QUERY_OWN_TELEMETRY)
    return (_fetch(reader, entry, ALL_ROWS) for entry in entries)

"""Reading one employee's own rows: the only way rows leave the warehouse.

Every entry point takes the principal and asks the policy; the subject is
the principal's own employee id, bound as a parameter; only the files the
subject index names are read; colleagues' identifiers are pseudonymized
before anything is returned.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass

import pyarrow as pa

from auth.policy import Action, Resource, ensure
from auth.principal import Principal
from queries import sql
from queries.backend import Backend
from queries.directory import Employee
from queries.inventory import InventoryEntry
from queries.pseudonyms import Pseudonymizer
from queries.subject_rows import event_time_fragment, subject_match, subject_params
from queries.warehouse import WarehouseError

log = logging.getLogger(__name__)

ALL_ROWS = 2**62


@dataclass(frozen=True)
class MyRows:
    entry: InventoryEntry
    rows: pa.Table | None
    error: str | None = None


def _read(backend: Backend, employee: Employee, entry: InventoryEntry, limit: int) -> MyRows:
    finding = entry.finding
    statement = sql.render("read_subject_rows", fragments={
        "subject_match": subject_match(finding.identifiers), "event_time": event_time_fragment(finding)})
    try:
        rows = backend.warehouse.query_arrow(statement, {
            "files": list(entry.postings.files), "row_limit": limit, **subject_params(employee)})
    except WarehouseError as problem:
        log.warning("reading %s for %s failed: %s", entry.name, employee.employee_id, problem)
        return MyRows(entry, None, "this table cannot be read right now; the operators have been told")
    pseudonymizer = Pseudonymizer(backend.pseudonym_key, employee, backend.directory)
    return MyRows(entry, pseudonymizer.apply(rows, finding.identifiers))


def my_rows(backend: Backend, principal: Principal, action: Action, entries: list[InventoryEntry],
            limit: int = ALL_ROWS) -> Iterator[MyRows]:
    """The principal's rows in each of `entries` (from their own inventory),
    for `action`: viewing, exporting or querying one's own data."""
    ensure(principal, action, Resource.about(principal.employee_id))
    employee = backend.directory.by_id(principal.employee_id)
    return (_read(backend, employee, entry, limit) for entry in entries)

"""Reading one employee's own rows: the only way rows leave the warehouse.

Every entry point reads inside a `personal_read` (which asks the policy
and records the read before anything is returned): `my_rows` opens one,
`rows_within` joins one its caller opened. The subject's keys are
bound as parameters; only the files the subject index names are read;
colleagues' identifiers are pseudonymized.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pyarrow as pa

from auth.policy import Action
from auth.principal import Principal
from queries import sql
from queries.access.reads import Read, personal_read
from queries.backend import Backend
from queries.discovery.directory import Employee
from queries.discovery.subject_rows import event_time_fragment, names_subject, token_bindings
from queries.mydata.inventory import InventoryEntry
from queries.mydata.pseudonyms import Pseudonymizer
from queries.warehouse.engine import WarehouseError

log = logging.getLogger(__name__)

ALL_ROWS = 2**62


@dataclass(frozen=True)
class MyRows:
    entry: InventoryEntry
    rows: pa.Table | None
    error: str | None = None


def _fetch(backend: Backend, employee: Employee, entry: InventoryEntry, limit: int) -> MyRows:
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


def rows_within(read: Read, backend: Backend, employee_id: str, entries: list[InventoryEntry],
                limit: int = ALL_ROWS) -> list[MyRows]:
    """One employee's rows in each of `entries`, as part of a read the
    caller holds open (`personal_read`), which records them all as one entry."""
    employee = backend.directory.by_id(employee_id)
    fetched = [_fetch(backend, employee, entry, limit) for entry in entries]
    read.took([f.entry.name for f in fetched if f.rows is not None],
              sum(f.rows.num_rows for f in fetched if f.rows is not None))
    return fetched


def my_rows(backend: Backend, principal: Principal, action: Action, entries: list[InventoryEntry],
            limit: int = ALL_ROWS) -> list[MyRows]:
    """The principal's rows in each of `entries` (from their own inventory),
    for `action`: viewing one's own data. One ledger entry, appended before
    the rows are handed over."""
    with personal_read(backend.ledger, principal, action, [principal.employee_id]) as read:
        return rows_within(read, backend, principal.employee_id, entries, limit)

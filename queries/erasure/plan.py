"""What erasing one employee would do, decided before anything is touched.

Which rows go and how the others are kept is `queries/erasure/redact.py`'s
rule: the subject's own rows are deleted; someone else's rows that name
them are kept without them. Per table, the plan says whether it is erased
or kept and why (a legal hold, outside the request, not approved); the
preview counts the rows for the officer's review and is recorded in the
ledger.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import NamedTuple

import pyarrow as pa

from auth.policy import PROCESS_DELETION
from auth.principal import Principal
from queries.access.reads import personal_read
from queries.backend import Backend
from queries.discovery.catalog import TableFinding
from queries.discovery.directory import Employee
from queries.discovery.index_lookups import TablePostings
from queries.discovery.relations import Relations
from queries.erasure.holds import Hold
from queries.erasure.redact import RowFinder, classify
from queries.erasure.requests import Request
from queries.warehouse.storage import Storage

NOT_ASKED = "not part of the request"


class ErasureError(Exception):
    """The erasure cannot proceed; the message says why."""


@dataclass(frozen=True)
class TablePlan:
    table: str
    category: str
    files: tuple[str, ...]
    rows: int
    erase: bool
    kept_because: str | None
    erasure: str = "files"  # how: each file rewritten ("files"), or through the table's format ("iceberg", "delta")

    @property
    def whole_table(self) -> bool:
        return self.erasure != "files"


@dataclass(frozen=True)
class FilePreview:
    deleted: int
    redacted: int
    total: int


class HeldData(NamedTuple):
    postings: TablePostings
    kinds: set[str]  # its registered category, or those of the registered tables it is a copy of
    origins: frozenset[str]  # the table, and the registered tables it is a copy of


def kinds_of_data(backend: Backend, employee_id: str, today: date) -> list[HeldData]:
    """Each table holding the employee, with the kinds of data it holds and
    whose copy it is: for an unregistered table, the registered tables it is
    a copy of (`queries/discovery/relations.py`, where the names do not
    tell, by a row about the employee in both). Holds and requests on a kind
    of data or on a table reach the copies this way."""
    catalog = backend.catalog()
    found = [p for p in backend.index.tables_about(employee_id, backend.register, today)
             if p.rows and catalog.get(p.table) is not None]
    files = {p.table: p.files for p in found}
    employee = backend.directory.by_id(employee_id)
    relations, rows = Relations(catalog, backend.register), {}

    def rows_about(table: str) -> set[str]:
        if table not in rows:
            rows[table] = _rows_about(backend.finder, catalog.get(table), files.get(table, ()), employee)
        return rows[table]

    def shares_rows(table: str, other: str) -> bool:
        return employee is not None and bool(rows_about(table) & rows_about(other))
    return [HeldData(p, relations.categories(p.table, shares_rows), frozenset({p.table}) if backend.register.get(p.table)
                     else frozenset({p.table, *relations.related(p.table, shares_rows)})) for p in found]


def _rows_about(finder: RowFinder, finding: TableFinding, files: tuple[str, ...], employee: Employee) -> set[str]:
    """The rows of `files` naming the employee, each as canonical JSON."""
    about = set()
    for file in files:
        [rows] = finder.warehouse.format_of(finding.table).read(finding.table, [file])
        positions = finder.rows_naming_in(finding, rows, employee)
        about |= {json.dumps(row, sort_keys=True, default=str)
                  for row in rows.take(pa.array(positions, pa.int64())).to_pylist()}
    return about


def plan(backend: Backend, request: Request, now: datetime | None = None) -> list[TablePlan]:
    """Per table holding the subject: erase it, or keep it and why."""
    catalog = backend.catalog()
    holds = backend.holds.in_force(request.subject_id, now)
    plans = []
    for postings, kinds, origins in kinds_of_data(backend, request.subject_id, (now or datetime.now(UTC)).date()):
        finding = catalog.get(postings.table)
        reason = _kept_because(request, postings.table, kinds, origins, holds) or _cannot_erase(finding)
        plans.append(TablePlan(postings.table, ", ".join(sorted(kinds)), postings.files, postings.rows,
                               reason is None, reason, finding.erasure))
    return plans


def _kept_because(request: Request, table: str, kinds: set[str], origins: frozenset[str],
                  holds: list[Hold]) -> str | None:
    hold = next((h for h in holds if h.covers(kinds, origins)), None)
    if hold:
        return f"legal hold {hold.hold_id} until {hold.expires_at:%d %b %Y}: {hold.reason}"
    if not request.scope.covers(table, kinds):
        return NOT_ASKED
    if request.approved_tables is not None and table not in request.approved_tables:
        return f"not approved: {request.decision_reason}"
    return None


def _cannot_erase(finding: TableFinding) -> str | None:
    if finding.erasure:
        return None
    return (f"{finding.storage or 'its storage'}: Daylight cannot rewrite these files, so an operator must erase "
            "this table with the engine that wrote it")


def file_preview(finder: RowFinder, finding: TableFinding, file: str, employee: Employee) -> FilePreview:
    """A Hive folder's file is counted as its rewrite will read it; a file of
    a table erased through its format, as the format reads it."""
    try:
        if finding.erasure == "files":
            positions = finder.rows_naming(finding, file, employee)
            table = finder.warehouse.hive_folders.read_file(finding.table, file)
        else:
            [table] = finder.warehouse.format_of(finding.table).read(finding.table, [file])
            positions = finder.rows_naming_in(finding, table, employee)
        owned = classify(table.take(pa.array(positions, pa.int64())), finder.subject(employee))
    except (OSError, IndexError, ValueError, pa.ArrowException) as problem:
        raise ErasureError(f"{Storage.name(file)} changed while it was read; try the preview again "
                           f"({problem})") from None
    return FilePreview(sum(owned), len(owned) - sum(owned), table.num_rows)


def preview(backend: Backend, officer: Principal, request: Request) -> list[dict]:
    """What erasure would do, per table, for the officer's review; recorded in the ledger."""
    rows = []
    with personal_read(backend.ledger, officer, PROCESS_DELETION, [request.subject_id],
                       justification=f"deletion request {request.request_id}") as read:
        employee = backend.directory.by_id(request.subject_id)
        if employee is None:
            raise ErasureError(f"{request.subject_id} is no longer in the directory")
        catalog = backend.catalog()
        for table in plan(backend, request):
            counts = [file_preview(backend.finder, catalog.get(table.table), f, employee) for f in table.files] \
                if table.erase else []
            rows.append({"table": table.table, "category": table.category, "rows about the employee": table.rows,
                         "rows deleted": sum(c.deleted for c in counts),
                         "rows kept, identifier removed": sum(c.redacted for c in counts),
                         "rows kept": 0 if table.erase else table.rows, "kept because": table.kept_because or ""})
        read.took([r["table"] for r in rows], sum(r["rows about the employee"] for r in rows))
    return rows

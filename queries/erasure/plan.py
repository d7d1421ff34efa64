"""What erasing one employee would do, decided before anything is touched.

Which rows go and how the others are kept is `queries/erasure/redact.py`'s
rule: the subject's own rows are deleted; someone else's rows that name
them are kept without them. Per table, the plan says whether it is erased
or kept and why (a legal hold, outside the request, not approved); the
preview counts the rows for the officer's review and is recorded in the
ledger.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pyarrow as pa

from auth.policy import PROCESS_DELETION
from auth.principal import Principal
from queries.access.reads import personal_read
from queries.backend import Backend
from queries.discovery.catalog import TableFinding
from queries.discovery.directory import Employee
from queries.erasure.redact import RowFinder, classify
from queries.erasure.holds import Hold
from queries.erasure.requests import Request
from queries.warehouse.storage import Storage


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


def plan(backend: Backend, request: Request, now: datetime | None = None) -> list[TablePlan]:
    """Per table holding the subject: erase it, or keep it and why."""
    catalog = backend.catalog()
    holds = backend.holds.in_force(request.subject_id, now)
    plans = []
    for postings in backend.index.tables_about(request.subject_id, backend.register, (now or datetime.now(UTC)).date()):
        finding = catalog.get(postings.table)
        if finding is None or not postings.rows:
            continue
        registered = backend.register.get(postings.table)
        category = registered.category if registered else "unregistered"
        reason = _kept_because(request, postings.table, category, holds) or _cannot_erase(finding)
        plans.append(TablePlan(postings.table, category, postings.files, postings.rows, reason is None, reason,
                               finding.erasure))
    return plans


def _kept_because(request: Request, table: str, category: str, holds: list[Hold]) -> str | None:
    hold = next((h for h in holds if h.covers(category)), None)
    if hold:
        return f"legal hold {hold.hold_id} until {hold.expires_at:%d %b %Y}: {hold.reason}"
    if not request.scope.covers(table, category):
        return "not part of the request"
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
        raise ErasureError(f"{Storage.name(file)} changed while it was read; try the preview again ({problem})") from None
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

"""What erasing one employee would do, decided before anything is touched.

Which rows go: a row is the subject's own when a scalar or JSON identifier
names them and no other scalar identifier names somebody else — the chat
message they sent, their keystrokes — and is deleted. A row that is
someone else's but mentions the subject — a message they received, a
meeting they attended, a review they wrote about a colleague — is kept for
its owner, with the subject's identifier removed from the list or blanked
in the column. Per table, the plan says whether it is erased or kept and
why (a legal hold, outside the request, not approved); the preview counts
the rows for the officer's review and is recorded in the ledger.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from auth.policy import PROCESS_DELETION, Resource, ensure
from auth.principal import Principal
from queries import access_events, sql
from queries.backend import Backend
from queries.deletion_requests import DeletionRequests, Hold, Request
from queries.directory import Employee
from queries.discovery import FoundIdentifier, TableFinding
from queries.subject_rows import identifier_fragment, subject_match, subject_params


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


@dataclass(frozen=True)
class FilePreview:
    deleted: int
    redacted: int
    total: int


def _match(identifier: FoundIdentifier, suffix: str) -> sql.Fragment:
    return identifier_fragment(f"match/{identifier.shape}_{identifier.holds}", identifier, suffix)


def owned_predicate(finding: TableFinding) -> sql.Fragment:
    """True for the rows that are the subject's own (see the module's docstring)."""
    parts = []
    json_ids = [i for i in finding.identifiers if i.shape == "json"]
    parts += [_match(i, f"_json{n}") for n, i in enumerate(json_ids)]
    scalars = [i for i in finding.identifiers if i.shape == "scalar"]
    if scalars:
        matches = [_match(i, f"_scalar{n}") for n, i in enumerate(scalars)]
        others = [sql.render("erasure/someone_else", identifiers={"column": i.column},
                             fragments={"match": _match(i, f"_other{n}")}) for n, i in enumerate(scalars)]
        parts.append(sql.render("erasure/scalar_owned", fragments={
            "scalar_match": sql.Fragment.join(matches, "OR"), "someone_else": sql.Fragment.join(others, "OR")}))
    return sql.Fragment.join(parts, "OR") if parts else sql.render("erasure/never")


def projection(finding: TableFinding) -> sql.Fragment:
    """Kept rows with the subject's identifier removed from lists and blanked in scalar columns."""
    by_column: dict[tuple[str, str], list[FoundIdentifier]] = {}
    for identifier in finding.identifiers:
        if identifier.shape in ("list", "scalar"):
            by_column.setdefault((identifier.column, identifier.shape), []).append(identifier)
    replacements = []
    for n, ((column, shape), identifiers) in enumerate(sorted(by_column.items())):
        if shape == "list":
            expression = sql.render(f"erasure/remove_from_list_{identifiers[0].holds}", identifiers={"column": column})
            for extra in identifiers[1:]:
                expression = sql.render(f"erasure/remove_from_list_{extra.holds}", fragments={"column": expression})
        else:
            expression = sql.render("erasure/blank_scalar", identifiers={"column": column}, fragments={
                "match": sql.Fragment.join([_match(i, f"_blank{n}_{k}") for k, i in enumerate(identifiers)], "OR")})
        replacements.append(sql.render("erasure/replacement", identifiers={"column": column},
                                       fragments={"expression": expression}))
    if not replacements:
        return sql.render("erasure/projection_star")
    return sql.render("erasure/projection_replace", fragments={"replacements": sql.Fragment.listed(replacements)})


def plan(backend: Backend, requests: DeletionRequests, request: Request, now: datetime | None = None) -> list[TablePlan]:
    """Per table holding the subject: erase it, or keep it and why."""
    catalog = backend.catalog()
    holds = requests.holds(request.subject_id, now)
    plans = []
    for postings in backend.index.tables_about(request.subject_id, backend.register, (now or datetime.now(UTC)).date()):
        finding = catalog.get(postings.table)
        if finding is None or not postings.rows:
            continue
        registered = backend.register.get(postings.table)
        category = registered.category if registered else "unregistered"
        reason = _kept_because(request, postings.table, category, holds)
        plans.append(TablePlan(postings.table, category, postings.files, postings.rows, reason is None, reason))
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


def file_preview(backend: Backend, finding: TableFinding, file: str, employee: Employee) -> FilePreview:
    statement = sql.render("erasure/count_file", fragments={
        "owned": owned_predicate(finding), "subject_match": subject_match(finding.identifiers)})
    [(deleted, redacted, total)] = backend.warehouse.query(statement, {"file": file, **subject_params(employee)})
    return FilePreview(int(deleted), int(redacted), int(total))


def preview(backend: Backend, requests: DeletionRequests, officer: Principal, request: Request) -> list[dict]:
    """What erasure would do, per table, for the officer's review; recorded in the ledger."""
    decision = ensure(officer, PROCESS_DELETION, Resource.about(request.subject_id))
    employee = backend.directory.by_id(request.subject_id)
    if employee is None:
        raise ErasureError(f"{request.subject_id} is no longer in the directory")
    catalog = backend.catalog()
    rows = []
    for table in plan(backend, requests, request):
        counts = [file_preview(backend, catalog.get(table.table), f, employee) for f in table.files] if table.erase \
            else []
        rows.append({"table": table.table, "category": table.category, "rows about the employee": table.rows,
                     "rows deleted": sum(c.deleted for c in counts),
                     "rows kept, identifier removed": sum(c.redacted for c in counts),
                     "rows kept": 0 if table.erase else table.rows, "kept because": table.kept_because or ""})
    access_events.record(backend.ledger, officer, decision, PROCESS_DELETION, [request.subject_id],
                         [r["table"] for r in rows], sum(r["rows about the employee"] for r in rows),
                         justification=f"deletion request {request.request_id}")
    return rows

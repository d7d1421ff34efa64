"""Finding one employee's rows by scanning a table, wherever their
identifiers sit.

The predicate is built from `queries/sql/match/*.sql` for each identifier
column discovery found; the employee's id and email are bound, never
written into the statement. The inventory uses the subject index instead;
this scan is the benchmark baseline and the tests' independent check.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from queries import sql
from queries.directory import Employee
from queries.discovery import FoundIdentifier, TableFinding
from queries.warehouse import TableRef, Warehouse


@dataclass(frozen=True)
class TableScan:
    table: TableRef
    rows: int
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    error: str | None = None


def subject_params(employee: Employee) -> dict:
    return {"employee_id": employee.employee_id, "email": employee.email.casefold()}


def identifier_fragment(template: str, identifier: FoundIdentifier, suffix: str) -> sql.Fragment:
    """`template` filled in for one identifier column, its own parameters
    (the JSON path) renamed with `suffix` and bound."""
    part = sql.render(template, identifiers={"column": identifier.column}, param_suffix=suffix)
    if identifier.json_path:
        part = sql.Fragment(part.text, {**part.params, f"json_path{suffix}": identifier.json_path})
    return part


def subject_match(identifiers: tuple[FoundIdentifier, ...], suffix: str = "") -> sql.Fragment:
    """One predicate matching a row if any identifier column names the
    subject; `suffix` keeps its parameter names apart from other tables'
    in a statement that reads several."""
    return sql.Fragment.join([identifier_fragment(f"match/{i.shape}_{i.holds}", i, f"{suffix}_{n}")
                              for n, i in enumerate(identifiers)], "OR")


def event_time_fragment(finding: TableFinding) -> sql.Fragment:
    """The row's capture time, or NULL for tables that do not say."""
    if finding.time_column:
        return sql.render("event_time/column", identifiers={"column": finding.time_column})
    return sql.render("event_time/none")


def scan_rows_about(warehouse: Warehouse, finding: TableFinding, employee: Employee) -> TableScan:
    if finding.error:
        return TableScan(finding.table, 0, error=finding.error)
    statement = sql.render("scan_subject_rows", fragments={
        "subject_match": subject_match(finding.identifiers), "event_time": event_time_fragment(finding)})
    [(rows, first, last)] = warehouse.query(statement, {"files": list(finding.files), **subject_params(employee)})
    return TableScan(finding.table, int(rows), first, last)

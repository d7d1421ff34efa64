"""Finding one employee's rows, wherever their identifiers sit.

The predicate is built from `queries/sql/match/*.sql` for each identifier
column discovery found; the employee's id and email are bound, never
written into the statement.
"""

from __future__ import annotations

from dataclasses import dataclass

from queries import sql
from queries.directory import Employee
from queries.discovery import FoundIdentifier, TableFinding
from queries.warehouse import TableRef, Warehouse


@dataclass(frozen=True)
class TableCount:
    table: TableRef
    rows: int
    error: str | None = None


def subject_params(employee: Employee) -> dict:
    return {"employee_id": employee.employee_id, "email": employee.email.casefold()}


def subject_match(identifiers: tuple[FoundIdentifier, ...]) -> sql.Fragment:
    """One predicate matching a row if any identifier column names the subject."""
    parts = []
    for n, identifier in enumerate(identifiers):
        part = sql.render(f"match/{identifier.shape}_{identifier.holds}", identifiers={"column": identifier.column},
                          param_suffix=f"_{n}")
        if identifier.json_path:
            part = sql.Fragment(part.text, {**part.params, f"json_path_{n}": identifier.json_path})
        parts.append(part)
    return sql.Fragment.join(parts, "OR")


def count_rows_about(warehouse: Warehouse, finding: TableFinding, employee: Employee) -> TableCount:
    if finding.error:
        return TableCount(finding.table, 0, finding.error)
    statement = sql.render("count_subject_rows", fragments={"subject_match": subject_match(finding.identifiers)})
    rows = warehouse.query(statement, {"files": list(finding.files), **subject_params(employee)})
    return TableCount(finding.table, int(rows[0][0]))

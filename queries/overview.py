"""The home page's figures about the signed-in employee."""

from __future__ import annotations

from dataclasses import dataclass

from auth.policy import VIEW_OWN_TELEMETRY, Resource, ensure
from auth.principal import Principal
from queries.backend import Backend
from queries.subject_rows import count_rows_about


@dataclass(frozen=True)
class Overview:
    name: str
    department: str
    tables_with_rows: int
    databases_with_rows: int
    rows: int
    unregistered_tables_with_rows: int
    unreadable_tables: int
    tables_in_warehouse: int


def overview_for(backend: Backend, principal: Principal) -> Overview:
    ensure(principal, VIEW_OWN_TELEMETRY, Resource.about(principal.employee_id))
    employee = backend.directory.by_id(principal.employee_id)
    catalog = backend.catalog()
    counts = [count_rows_about(backend.warehouse, finding, employee) for finding in catalog.with_people()]
    holding = [c for c in counts if c.rows > 0]
    return Overview(
        name=employee.name,
        department=employee.department,
        tables_with_rows=len(holding),
        databases_with_rows=len({c.table.database for c in holding}),
        rows=sum(c.rows for c in holding),
        unregistered_tables_with_rows=sum(backend.register.get(c.table.qualified_name) is None for c in holding),
        unreadable_tables=len(catalog.unreadable()),
        tables_in_warehouse=len(catalog.findings),
    )

"""The inventory: every table holding rows about one employee, with what
the register says about it (or that it says nothing).

Computed from the subject index, so its cost follows the employee's own
data rather than the size of the warehouse.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import NamedTuple

from auth.policy import VIEW_OWN_TELEMETRY
from auth.principal import Principal
from queries.access.reads import personal_read
from queries.backend import Backend
from queries.discovery.catalog import TableFinding
from queries.discovery.index_lookups import Mention, TablePostings
from queries.warehouse.glossary import UNREGISTERED
from queries.warehouse.register import RegisterEntry


class InventoryEntry(NamedTuple):
    """One table of an inventory. A named tuple, as the index's
    `TablePostings`: an inventory at L makes a thousand."""

    finding: TableFinding
    postings: TablePostings
    register: RegisterEntry | None
    found: tuple[Mention, ...] = ()

    @property
    def name(self) -> str:
        return self.finding.table.qualified_name

    @property
    def registered(self) -> bool:
        return self.register is not None

    @property
    def category(self) -> str:
        return self.register.category if self.register else UNREGISTERED


def capture_span(entries: list[InventoryEntry]) -> tuple[datetime | None, datetime | None]:
    """The first and last capture over some tables (None where none was dated)."""
    return (min((e.postings.first_seen for e in entries if e.postings.first_seen), default=None),
            max((e.postings.last_seen for e in entries if e.postings.last_seen), default=None))


@dataclass(frozen=True)
class Inventory:
    employee_id: str
    name: str
    department: str
    entries: tuple[InventoryEntry, ...]
    unreadable_tables: tuple[str, ...]
    tables_in_warehouse: int
    unread_files: tuple[tuple[str, str, str], ...] = ()  # (table, file, why): the tables' other files were searched

    @property
    def rows(self) -> int:
        return sum(e.postings.rows for e in self.entries)

    @property
    def databases(self) -> int:
        return len({e.finding.table.database for e in self.entries})

    @property
    def unregistered(self) -> list[InventoryEntry]:
        return [e for e in self.entries if not e.registered]

    @property
    def with_overdue_rows(self) -> list[InventoryEntry]:
        return [e for e in self.entries if e.postings.overdue_rows]

    @property
    def categories(self) -> set[str]:
        return {e.category for e in self.entries}

    @property
    def first_seen(self) -> datetime | None:
        return capture_span(self.entries)[0]

    @property
    def last_seen(self) -> datetime | None:
        return capture_span(self.entries)[1]

    def rows_for_display(self) -> list[dict]:
        """One plain record per table, as the inventory's table shows it."""
        records = []
        for e in self.entries:
            r = e.register
            records.append({
                "table": e.name,
                "registered": "yes" if r else "NO — not in the register",
                "category": e.category,
                "my rows": e.postings.rows,
                "found": "; ".join(m.describe() for m in e.found),
                "first captured": e.postings.first_seen,
                "last captured": e.postings.last_seen,
                "kept too long": (f"{e.postings.overdue_rows:,} rows since {e.postings.overdue_since}"
                                  if e.postings.overdue_rows else ""),
                "purpose": ", ".join(r.purposes) if r else "undeclared",
                "legal basis": r.legal_basis if r else "undeclared",
                "retention": f"{r.retention_days} days" if r else "undeclared",
                "source system": r.source_system if r else "unknown",
                "stored as": e.finding.storage,
                "works agreement": (r.works_agreement_clause or "none") if r else "unknown",
                "description": r.description if r else "Nobody has declared what this table is for.",
            })
        return records


def inventory_of(backend: Backend, employee_id: str, today: date | None = None) -> Inventory:
    """The inventory of one employee, unchecked and unrecorded: callers ask
    the policy (or act as an administrator) and record the read."""
    catalog = backend.catalog()
    employee = backend.directory.by_id(employee_id)
    postings = backend.index.tables_about(employee.employee_id, backend.register, today or datetime.now(UTC).date())
    found = backend.index.mentions_of(employee.employee_id)
    entries = []
    for table in postings:
        finding = catalog.get(table.table)
        if finding is not None and table.rows:
            entries.append(InventoryEntry(finding, table, backend.register.get(table.table), found.get(table.table, ())))
    return Inventory(employee.employee_id, employee.name, employee.department, tuple(entries),
                     tuple(f.table.qualified_name for f in catalog.unreadable()) +
                     tuple(f"every {kind} table (its catalog cannot be read)" for kind, _ in catalog.unlisted),
                     len(catalog.findings),
                     tuple(catalog.unread_files()))


def inventory_for(backend: Backend, principal: Principal, today: date | None = None) -> Inventory:
    with personal_read(backend.ledger, principal, VIEW_OWN_TELEMETRY, [principal.employee_id]) as read:
        inventory = inventory_of(backend, principal.employee_id, today)
        read.took([e.name for e in inventory.entries], inventory.rows)
    return inventory


def exempt_from_collection(backend: Backend, principal: Principal) -> bool:
    """Whether the directory exempts the person from monitoring: they are
    told so, and that whatever was found anyway is listed all the same."""
    person = backend.directory.by_id(principal.employee_id)
    return bool(person and person.exempt_from_collection)

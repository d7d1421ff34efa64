"""`daylight refresh` and `daylight inventory`: discovery, the subject index
and what it holds about one employee."""

from __future__ import annotations

from auth.policy import ADMINISTER_INVENTORY
from queries.access.reads import personal_read
from queries.backend import Backend
from queries.cli.common import CommandError, opened, operator, printed
from queries.discovery.subject_keys import KIND_LABELS
from queries.mydata.inventory import Inventory, inventory_of


def _inventory_json(inventory: Inventory, backend: Backend) -> dict:
    tables = []
    for entry in inventory.entries:
        tables.append({
            "table": entry.name, "registered": entry.registered, "category": entry.category,
            "rows": entry.postings.rows,
            "first_seen": entry.postings.first_seen.isoformat() if entry.postings.first_seen else None,
            "last_seen": entry.postings.last_seen.isoformat() if entry.postings.last_seen else None,
            "found": [{**m._asdict(), "form_label": KIND_LABELS.get(m.form, m.form)} for m in entry.found],
        })
    not_searched = [{"table": f.table.qualified_name, "column": column, "type": kind,
                     "why": "a value of this type cannot hold an identifier"}
                    for f in backend.catalog().findings for column, kind in f.skipped]
    return {"employee_id": inventory.employee_id, "name": inventory.name,
            "tables_in_warehouse": inventory.tables_in_warehouse, "tables_holding_rows": len(tables),
            "rows": inventory.rows, "tables": tables, "unreadable_tables": list(inventory.unreadable_tables),
            "unread_files": [{"table": table, "file": file, "why": why} for table, file, why in inventory.unread_files],
            "not_searched": not_searched}


def _refresh(args) -> int:
    with opened(args.config) as backend:
        report = backend.refresh()
        catalog = backend.catalog()
        result = {"indexed": list(report.indexed), "forgotten": list(report.forgotten), "failed": list(report.failed),
                  "unreadable_tables": [f.table.qualified_name for f in catalog.unreadable()],
                  "unread_files": [{"table": table, "file": file, "why": why}
                                   for table, file, why in catalog.unread_files()],
                  "unlisted_formats": [{"format": kind, "why": why} for kind, why in catalog.unlisted]}
    printed(result, args.json, f"indexed {len(report.indexed)} table(s), forgot {len(report.forgotten)}, failed "
                               f"{len(report.failed)}" + (f": {', '.join(report.failed)}" if report.failed else ""))
    return 1 if report.failed or result["unreadable_tables"] or result["unread_files"] or result["unlisted_formats"] \
        else 0


def _plain_inventory(result: dict) -> str:
    lines = [f"{result['name']} ({result['employee_id']}): {result['rows']:,} rows in "
             f"{result['tables_holding_rows']} of {result['tables_in_warehouse']} tables"]
    for table in result["tables"]:
        where = "; ".join(f"{m['finding']} in {m['column']} by {m['form']} ({m['rows']:,})" for m in table["found"])
        lines.append(f"  {table['table']:<55} {table['rows']:>9,}  "
                     f"{'' if table['registered'] else 'UNREGISTERED  '}{where}")
    if result["unreadable_tables"]:
        lines.append("not searched, unreadable: " + ", ".join(result["unreadable_tables"]))
    lines += [f"not searched, unreadable file of {u['table']}: {u['file']} ({u['why']})" for u in result["unread_files"]]
    return "\n".join(lines)


def _inventory(args) -> int:
    with opened(args.config) as backend:
        if backend.directory.by_id(args.employee) is None:
            raise CommandError(f"no employee {args.employee!r} in the directory", 3)
        with personal_read(backend.ledger, operator(), ADMINISTER_INVENTORY, [args.employee]) as read:
            inventory = inventory_of(backend, args.employee)
            read.took([e.name for e in inventory.entries], inventory.rows)
        result = _inventory_json(inventory, backend)
    printed(result, args.json, _plain_inventory(result))
    return 1 if result["unreadable_tables"] else 0


def add_commands(commands, common) -> None:
    refresh = commands.add_parser("refresh", parents=[common],
                                  help="discover changed tables and bring the subject index up to date")
    refresh.add_argument("--json", action="store_true", help="print the result as JSON")
    refresh.set_defaults(run=_refresh)
    inventory = commands.add_parser("inventory", parents=[common],
                                    help="every table holding rows about one employee, and where")
    inventory.add_argument("employee", metavar="EMPLOYEE_ID")
    inventory.add_argument("--json", action="store_true", help="print the inventory as JSON")
    inventory.set_defaults(run=_inventory)

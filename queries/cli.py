"""`daylight`: the administrator's command line over the portal's services.

    daylight refresh [--json]                   discover changed tables, bring the subject index up to date
    daylight inventory EMPLOYEE_ID [--json]     every table holding rows about one employee, and where

Every command takes `--config FILE` (default: $PORTAL_CONFIG or ./portal.toml)
and `--help`.
DuckDB lets one process write the subject index, so run these with the
portal stopped. An administrator's read of someone's inventory is recorded
in the access ledger like any other read of personal data.

Exit codes: 0 done; 1 done, but part of the warehouse could not be read (the
output says which); 2 the configuration or the portal's data cannot be
opened; 3 no such employee.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from dataclasses import asdict

from queries.backend import Backend, BackendError
from queries.inventory import Inventory, inventory_of
from queries.ledger import Access, LedgerError
from queries.subject_index import SubjectIndexError
from queries.subject_keys import KIND_LABELS

ADMIN_INVENTORY_PURPOSE = "administrator audit of an employee's inventory (daylight inventory)"


def _open(config: str | None) -> Backend:
    return Backend.open(config)


def _inventory_json(inventory: Inventory, backend: Backend) -> dict:
    tables = []
    for entry in inventory.entries:
        tables.append({
            "table": entry.name, "registered": entry.registered, "category": entry.category,
            "rows": entry.postings.rows,
            "first_seen": entry.postings.first_seen.isoformat() if entry.postings.first_seen else None,
            "last_seen": entry.postings.last_seen.isoformat() if entry.postings.last_seen else None,
            "found": [{**asdict(m), "form_label": KIND_LABELS.get(m.form, m.form)} for m in entry.found],
        })
    catalog = backend.catalog()
    not_searched = [{"table": f.table.qualified_name, "column": column, "type": kind,
                     "why": "a value of this type cannot hold an identifier"}
                    for f in catalog.findings for column, kind in f.skipped]
    return {"employee_id": inventory.employee_id, "name": inventory.name,
            "tables_in_warehouse": inventory.tables_in_warehouse, "tables_holding_rows": len(tables),
            "rows": inventory.rows, "tables": tables, "unreadable_tables": list(inventory.unreadable_tables),
            "not_searched": not_searched}


def _refresh(args) -> int:
    backend = _open(args.config)
    report = backend.refresh()
    result = {"indexed": list(report.indexed), "forgotten": list(report.forgotten), "failed": list(report.failed),
              "unreadable_tables": [f.table.qualified_name for f in backend.catalog().unreadable()]}
    backend.close()
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"indexed {len(report.indexed)} table(s), forgot {len(report.forgotten)}, failed {len(report.failed)}"
              + (f": {', '.join(report.failed)}" if report.failed else ""))
    return 1 if report.failed or result["unreadable_tables"] else 0


def _inventory(args) -> int:
    backend = _open(args.config)
    try:
        if backend.directory.by_id(args.employee) is None:
            print(f"error: no employee {args.employee!r} in the directory", file=sys.stderr)
            return 3
        inventory = inventory_of(backend, args.employee)
        backend.ledger.append(Access(f"cli:{getpass.getuser()}", "administrator", "administer-inventory",
                                     (inventory.employee_id,), tuple(e.name for e in inventory.entries),
                                     inventory.rows, ADMIN_INVENTORY_PURPOSE))
        result = _inventory_json(inventory, backend)
    finally:
        backend.close()
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"{result['name']} ({result['employee_id']}): {result['rows']:,} rows in "
              f"{result['tables_holding_rows']} of {result['tables_in_warehouse']} tables")
        for table in result["tables"]:
            where = "; ".join(f"{m['finding']} in {m['column']} by {m['form']} ({m['rows']:,})" for m in table["found"])
            print(f"  {table['table']:<55} {table['rows']:>9,}  {'' if table['registered'] else 'UNREGISTERED  '}{where}")
        if result["unreadable_tables"]:
            print("not searched, unreadable: " + ", ".join(result["unreadable_tables"]))
    return 1 if result["unreadable_tables"] else 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="daylight", description=__doc__.split("\n\n")[0],
                                  epilog=__doc__.split("\n\n", 1)[1], formatter_class=argparse.RawDescriptionHelpFormatter)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", help="portal.toml to use (default: $PORTAL_CONFIG or ./portal.toml)")
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    refresh = commands.add_parser("refresh", parents=[common],
                                  help="discover changed tables and bring the subject index up to date")
    refresh.add_argument("--json", action="store_true", help="print the result as JSON")
    refresh.set_defaults(run=_refresh)
    inventory = commands.add_parser("inventory", parents=[common],
                                    help="every table holding rows about one employee, and where")
    inventory.add_argument("employee", metavar="EMPLOYEE_ID")
    inventory.add_argument("--json", action="store_true", help="print the inventory as JSON")
    inventory.set_defaults(run=_inventory)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except (BackendError, SubjectIndexError, LedgerError) as problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

"""`daylight console`: one SQL statement over one employee's rows, for an
audit, through the same checks, sandbox and limits as the portal's console,
recorded in the ledger as the administrator's read (the employee sees it in
"Who accessed my data")."""

from __future__ import annotations

import json

from queries.cli.common import CommandError, opened, operator
from queries.console.run import run_statement


def _console(args) -> int:
    with opened(args.config) as backend:
        if backend.directory.by_id(args.employee) is None:
            raise CommandError(f"no employee {args.employee!r} in the directory", 3)
        result = run_statement(backend, operator(), args.sql, subject_id=args.employee)
    if args.json:
        rows = result.rows.to_pylist() if result.rows is not None else None
        print(json.dumps({"outcome": result.outcome, "error": result.error, "cut": result.cut,
                          "tables": list(result.tables), "rows_loaded": result.rows_loaded,
                          "statement_sha256": result.statement_sha256, "rows": rows}, indent=2, default=str))
    elif result.ok:
        print(result.rows.to_pandas().to_string(index=False))
        if result.cut:
            print(f"(cut at the {result.cut} limit)")
    else:
        print(f"error: {result.error}")
    return 0 if result.ok else 1


def add_commands(commands, common) -> None:
    console = commands.add_parser("console", parents=[common],
                                  help="one SQL statement over one employee's rows, for an audit (recorded)")
    console.add_argument("employee", metavar="EMPLOYEE_ID")
    console.add_argument("--sql", required=True, help="one SELECT over the employee's tables, as in the portal")
    console.add_argument("--json", action="store_true", help="print the outcome and rows as JSON")
    console.set_defaults(run=_console)

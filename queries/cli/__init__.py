"""`daylight`: the administrator's command line over the portal's services.

    daylight refresh [--json]                       discover changed tables, bring the subject index up to date
    daylight inventory EMPLOYEE_ID [--json]         every table holding rows about one employee, and where
    daylight console EMPLOYEE_ID --sql SQL [--json] one statement over one employee's rows, in the sandbox
    daylight ledger verify [--public-key KEY] [--ledger FILE] [--anchor FILE] [--json]
    daylight ledger public-key                      print the key that verifies the ledger's checkpoints
    daylight erasure run|status DR-… [--json]       finish (or resume) an approved erasure; show where one stands
    daylight audit import [--json]                  read new events from the warehouse's audit log
    daylight council report --out FILE [--json]     the works council's report (HTML), aggregates only

Every command takes `--config FILE` (default: $PORTAL_CONFIG or
./portal.toml) and `--help`. DuckDB lets one process write the subject
index, so run them with the portal stopped. The operator acts as the
`administrator` role, which the identity provider's groups can never grant:
reads of personal data and figures are recorded in the access ledger as
`cli:<operating-system user>`.

Exit codes: 0 done; 1 done, but with a finding the output names (part of
the warehouse unreadable, a statement refused or failed, a broken ledger, a
failed verification); 2 the
configuration, the portal's data or an input file cannot be used; 3 no such
employee or request.
"""

from __future__ import annotations

import argparse
import sys

from queries.cli import audit, console, council, erasure, index, ledger
from queries.cli.common import CommandError


def parser() -> argparse.ArgumentParser:
    head, tail = __doc__.split("\n\n", 1)
    top = argparse.ArgumentParser(prog="daylight", description=head, epilog=tail,
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", help="portal.toml to use (default: $PORTAL_CONFIG or ./portal.toml)")
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (index, console, ledger, erasure, audit, council):
        module.add_commands(commands, common)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except CommandError as problem:
        print(f"error: {problem}", file=sys.stderr)
        return problem.exit_code

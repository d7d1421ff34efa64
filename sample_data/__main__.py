"""Command line: `python -m sample_data --out data [--scale demo|S|L] ...`."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from sample_data.generate import PRESETS, generate, options_for
from sample_data.progress import progress_bar


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sample_data", description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("data"), help="folder to create (must not exist)")
    parser.add_argument("--scale", choices=sorted(PRESETS), default="demo",
                        help="size preset: demo (quick), S (~200 tables, 10M rows), L (1,000 tables, 100M rows)")
    parser.add_argument("--seed", type=int, help="random seed; the same seed gives the same sample")
    parser.add_argument("--employees", type=int, help="number of employees in the directory")
    parser.add_argument("--days", type=int, help="days of telemetry, ending at --end-date")
    parser.add_argument("--tables", type=int, help="number of warehouse tables")
    parser.add_argument("--rows", type=int, help="total number of telemetry rows, spread over the tables")
    parser.add_argument("--audit-events", type=int, help="number of warehouse audit events")
    parser.add_argument("--end-date", type=date.fromisoformat, help="last day of telemetry (YYYY-MM-DD)")
    args = parser.parse_args(argv)
    try:
        options = options_for(args.scale, seed=args.seed, employees=args.employees, days=args.days,
                              tables=args.tables, rows=args.rows, audit_events=args.audit_events,
                              end_date=args.end_date)
        print(f"Generating the {args.scale} sample into {args.out} ...", file=sys.stderr)
        manifest = generate(options, args.out, progress_bar)
    except (FileExistsError, ValueError) as problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    print(f"Wrote {manifest['tables']} tables in {manifest['databases']} databases "
          f"({manifest['unregistered_tables']} unregistered), {manifest['rows']:,} rows, "
          f"{manifest['audit_events']:,} audit events to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

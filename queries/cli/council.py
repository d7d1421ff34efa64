"""`daylight council report`: the works council's report, the same HTML the
council page offers for download, for a meeting's papers or an archive.
Aggregates only, released under the minimum group size; the figures are
recorded in the ledger like the page's."""

from __future__ import annotations

from pathlib import Path

from portal.council_views import report_html
from queries.cli.common import CommandError, opened, operator, printed
from queries.council.figures import oversight


def _report(args) -> int:
    with opened(args.config) as backend:
        figures = oversight(backend, operator())
    try:
        args.out.write_text(report_html(figures), encoding="utf-8")
    except OSError as problem:
        raise CommandError(f"cannot write {args.out}: {problem.strerror}") from None
    result = {"report": str(args.out), "computed_at": figures.computed_at.isoformat(),
              "min_group_size": figures.min_group_size, "problems": list(figures.problems)}
    printed(result, args.json, f"wrote {args.out} (figures of {figures.computed_at:%Y-%m-%d %H:%M} UTC, groups "
                               f"of at least {figures.min_group_size})")
    return 1 if figures.problems else 0


def add_commands(commands, common) -> None:
    council = commands.add_parser("council", help="the works council's report")
    actions = council.add_subparsers(dest="council_command", required=True, metavar="ACTION")
    report = actions.add_parser("report", parents=[common], help="write the works council's report (HTML)")
    report.add_argument("--out", type=Path, required=True, metavar="FILE", help="where to write the report")
    report.add_argument("--json", action="store_true", help="print what was written as JSON")
    report.set_defaults(run=_report)

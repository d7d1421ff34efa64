"""`daylight council report`: the works council's report of one ended
month, the same HTML the council page offers for download, for a
meeting's papers or an archive. Aggregates only, released under the
minimum group size; the month is published if it was not yet, and the
figures are recorded in the ledger like the page's."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from queries.cli.common import CommandError, opened, operator, printed
from queries.council.figures import NoPeriodError, oversight
from queries.council.releases import Oversight


def _published(args) -> Oversight:
    """The month's figures, published now if they were not yet."""
    with opened(args.config) as backend:
        try:
            return oversight(backend, operator(), args.period)
        except NoPeriodError as problem:
            raise CommandError(str(problem)) from None


def _report(args) -> int:
    from portal.council_views import report_html  # plotly: only this command of all `daylight` ones draws

    figures = _published(args)
    try:
        args.out.write_text(report_html(figures), encoding="utf-8")
    except OSError as problem:
        raise CommandError(f"cannot write {args.out}: {problem.strerror}") from None
    result = {"report": str(args.out), "period": figures.period, "published_at": figures.published_at.isoformat(),
              "min_group_size": figures.min_group_size, "problems": list(figures.problems)}
    printed(result, args.json, f"wrote {args.out} (figures of {figures.period}, published "
                               f"{figures.published_at:%Y-%m-%d %H:%M} UTC, groups of at least "
                               f"{figures.min_group_size})")
    return 1 if figures.problems else 0


def _publish(args) -> int:
    figures = _published(args)
    result = {"period": figures.period, "published_at": figures.published_at.isoformat()}
    printed(result, args.json, f"the figures of {figures.period} are published (since "
                               f"{figures.published_at:%Y-%m-%d %H:%M} UTC)")
    return 0


def _month(text: str) -> str:
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a month written YYYY-MM")
    return text


def add_commands(commands, common) -> None:
    council = commands.add_parser("council", help="the works council's monthly figures and report")
    actions = council.add_subparsers(dest="council_command", required=True, metavar="ACTION")
    report = actions.add_parser("report", parents=[common], help="write the works council's report (HTML)")
    report.add_argument("--out", type=Path, required=True, metavar="FILE", help="where to write the report")
    report.add_argument("--period", type=_month, metavar="YYYY-MM",
                        help="the month (default: the last one that has ended)")
    report.add_argument("--json", action="store_true", help="print what was written as JSON")
    report.set_defaults(run=_report)
    publish = actions.add_parser("publish", parents=[common],
                                 help="publish an ended month's figures now (say, from a job on the 1st of each "
                                      "month), so that no one waits for them on the page")
    publish.add_argument("--period", type=_month, metavar="YYYY-MM",
                         help="the month (default: the last one that has ended)")
    publish.add_argument("--json", action="store_true", help="print the result as JSON")
    publish.set_defaults(run=_publish)

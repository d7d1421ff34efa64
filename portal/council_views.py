"""The works council's figures as frames and charts, shared by the page and
the downloadable report. Only released figures arrive here; a withheld one
is empty, and a sum over a selection adds released cells only."""

from __future__ import annotations

import html
from dataclasses import asdict

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from portal.plain import chart_frame, chart_label
from queries.council.disclosure import Table
from queries.council.figures import Oversight

WITHHELD_NOTE = ("Empty cells are withheld: they would describe fewer than {k} employees, or let such a figure be "
                 "worked out from the others.")


def cells(tables: dict[str, Table], columns: list[str]) -> pd.DataFrame:
    """One row per released or withheld cell: month, the cell's key, accesses."""
    rows = [{"month": month, **dict(zip(columns, figure.key)), "accesses": figure.value}
            for month, table in tables.items() for figure in table.figures]
    return pd.DataFrame(rows, columns=["month", *columns, "accesses"])


def selected(frame: pd.DataFrame, months: list[str], by: list[str]) -> pd.DataFrame:
    """Sums over the chosen months of the released cells only (rule 3)."""
    chosen = frame[frame["month"].isin(months)]
    return (chosen.groupby(by, as_index=False)["accesses"].sum(min_count=1)
            .sort_values("accesses", ascending=False, na_position="last"))


def table_frame(table: Table, columns: list[str], value: str) -> pd.DataFrame:
    return pd.DataFrame([{**dict(zip(columns, f.key)), value: f.value, "note": f.why or ""} for f in table.figures])


def collected_frame(figures: Oversight) -> pd.DataFrame:
    frame = pd.DataFrame([asdict(t) for t in figures.collected])
    return frame.rename(columns={"employees": "employees covered", "rows": "rows held",
                                 "retention_days": "retention (days)", "legal_basis": "legal basis",
                                 "works_agreement_clause": "works agreement clause"})


def exposure_frame(figures: Oversight) -> pd.DataFrame:
    return pd.DataFrame([{"grant": e.grant, "readable by group": e.group, "from": e.start, "until": e.end or "still open",
                          "tables": e.tables, "employees exposed": e.employees_exposed,
                          "people who could read beyond the purpose": e.could_read,
                          "of them, people who read": e.did_read, "reads": e.reads} for e in figures.exposures])


def accesses_chart(frame: pd.DataFrame) -> go.Figure:
    by_month = frame.groupby(["month", "accessor group"], as_index=False)["accesses"].sum(min_count=1)
    return px.bar(chart_frame(by_month.dropna()), x="month", y="accesses", color="accessor group",
                  title="Accesses per month and accessor group (released cells)")


def exemptions_chart(table: Table, column: str) -> go.Figure:
    frame = table_frame(table, [column], "exempt").dropna(subset=["exempt"])
    return px.bar(chart_frame(frame), x=column, y="exempt",
                  title=f"Employees exempt from collection, by {chart_label(column)}")


def report_html(figures: Oversight) -> str:
    """A self-contained page for a council meeting: every view, with charts."""
    usage = cells(figures.by_group, ["source", "accessor group"])
    purposes = selected(cells(figures.by_purpose, ["purpose", "register"]), list(figures.months),
                        ["purpose", "register"])
    parts = [f"<h1>Daylight: works council report</h1><p>Computed {figures.computed_at:%Y-%m-%d %H:%M} UTC. "
             f"Aggregates only. {html.escape(WITHHELD_NOTE.format(k=figures.min_group_size))}</p>"]
    for problem in figures.problems:
        parts.append(f"<p><strong>Note:</strong> {html.escape(problem)}</p>")
    charts = [accesses_chart(usage) if not usage.empty else None,
              exemptions_chart(figures.exempt_by_level, "level"),
              exemptions_chart(figures.exempt_by_department, "department")]
    sections = [("What is collected", collected_frame(figures)),
                ("Who uses the data: accesses per purpose", purposes),
                ("Exposure beyond purpose", exposure_frame(figures)),
                ("Deletion requests by state", table_frame(figures.requests_by_state, ["state"], "requests")),
                ("Denied deletion requests by reason", table_frame(figures.denials, ["reason"], "requests")),
                ("Exemptions by level", table_frame(figures.exempt_by_level, ["level"], "exempt")),
                ("Exemptions by department", table_frame(figures.exempt_by_department, ["department"], "exempt"))]
    parts.append(f"<p>Median days from request to completed deletion: {shown(figures.median_days_to_complete)}; "
                 f"deadline breaches: {shown(figures.deadline_breaches)}.</p>")
    first = True
    for chart in charts:
        if chart is not None:
            parts.append(chart.to_html(full_html=False, include_plotlyjs="inline" if first else False))
            first = False
    for title, frame in sections:
        parts.append(f"<h2>{html.escape(title)}</h2>" + frame.to_html(index=False, na_rep="withheld", escape=True))
    return ("<!doctype html><html><head><meta charset='utf-8'><title>Daylight works council report</title></head>"
            f"<body>{''.join(parts)}</body></html>")


def shown(value) -> str:
    return "withheld" if value is None else str(value)

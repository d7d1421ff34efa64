"""The works council's figures as frames and charts, shared by the page and
the downloadable report. Only released figures arrive here; a withheld one
is empty."""

from __future__ import annotations

import html
from dataclasses import asdict, fields

import pandas as pd
import plotly.graph_objects as go

from portal import figures
from portal.svg_charts import stacked_bars
from queries.council.disclosure import WITHHELD, Table
from queries.council.releases import CollectedTable, Oversight

WITHHELD_NOTE = ("A figure reading \"withheld\" would describe fewer than {k} people — whose data was read, or "
                 "who read it — or let such a figure be worked out from the others (which of the two is not said). "
                 "Counts of people are rounded to the nearest multiple of {k}.")
NOT_REGISTERED = "— (not in the register)"
REPORT_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 72rem; margin: 2rem auto; padding: 0 1rem; color: #111;
       line-height: 1.5; }
h2 { margin-top: 2rem; border-bottom: 1px solid #ddd; } svg { max-width: 100%; height: auto; margin: 1rem 0; }
table { border-collapse: collapse; font-size: .9rem; } th, td { border: 1px solid #ccc; padding: .25rem .5rem; }
th { text-align: left; background: #f3f3f3; } td { vertical-align: top; }
"""
PERIOD_NOTE = ("The figures of {period}, published {published:%d %b %Y %H:%M} UTC. A month's figures are published "
               "once it has ended and never change afterwards.")


def readable(frame: pd.DataFrame) -> pd.DataFrame:
    """As people read figures: "withheld" where a figure is withheld, yes or
    no for true and false, whole numbers without a decimal point."""
    shown = frame.copy()
    for column in shown.columns:
        values = shown[column]
        if values.dtype == bool:
            shown[column] = values.map({True: "yes", False: "no"})
        elif pd.api.types.is_numeric_dtype(values) or values.map(lambda v: v is None).any():
            shown[column] = [WITHHELD if v is None or (isinstance(v, float) and pd.isna(v))
                             else f"{int(v):,}" if isinstance(v, (int, float)) and float(v).is_integer()
                             else v for v in values]
    return shown


def cells(table: Table, columns: list[str], value: str = "accesses") -> pd.DataFrame:
    """One row per released or withheld cell (withheld: empty)."""
    return pd.DataFrame([{**dict(zip(columns, figure.key)), value: figure.value} for figure in table.figures],
                        columns=[*columns, value])


def table_frame(table: Table, columns: list[str], value: str) -> pd.DataFrame:
    """The cells and the total, as rows."""
    frame = cells(table, columns, value)
    return pd.concat([frame, pd.DataFrame([{columns[0]: "total", value: table.total}])], ignore_index=True)


def collected_frame(figures: Oversight) -> pd.DataFrame:
    frame = pd.DataFrame([asdict(t) for t in figures.collected], columns=[f.name for f in fields(CollectedTable)])
    # One type per column (Arrow needs it): a number of days as text, beside the text for tables nobody registered.
    frame["retention_days"] = [NOT_REGISTERED if pd.isna(days) else str(int(days)) for days in frame["retention_days"]]
    return frame.rename(columns={"employees": "employees covered", "rows": "rows held",
                                 "retention_days": "retention (days)", "legal_basis": "legal basis",
                                 "works_agreement_clause": "works agreement clause"})


def exposure_frame(figures: Oversight) -> pd.DataFrame:
    return pd.DataFrame([{"grant": e.grant, "readable by group": e.group, "from": e.start, "until": e.end or "still open",
                          "tables": e.tables, "employees exposed": e.employees_exposed,
                          "people who could read beyond the purpose": e.could_read,
                          "of them, people who read": e.did_read, "reads": e.reads} for e in figures.exposures])


def accesses_chart(frame: pd.DataFrame) -> go.Figure:
    return figures.bars(frame.dropna(subset=["accesses"]), "accessor group", "accesses", color="source",
                        title="Accesses per accessor group (released cells)")


def exemptions_text(figures: Oversight) -> str:
    policy = figures.exemption_policy or "No exemption policy is configured."
    levels = f" Levels exempt by this policy: {', '.join(figures.exempt_levels)}." if figures.exempt_levels else ""
    beyond = ("withheld (fewer than the minimum group size, or none)" if figures.exceptions_beyond_policy is None
              else f"{figures.exceptions_beyond_policy}")
    return f"{policy}{levels} People exempt beyond this policy: {beyond}."


def report_html(figures: Oversight) -> str:
    """A self-contained page for a council meeting: every view of one month,
    with charts drawn in SVG (no script) above the tables they picture."""
    usage = cells(figures.accesses["by_group"], ["source", "accessor group"])
    note = PERIOD_NOTE.format(period=figures.period, published=figures.published_at)
    parts = [f"<h1>Daylight: works council report, {html.escape(figures.period)}</h1><p>{html.escape(note)} "
             f"Aggregates only. {html.escape(WITHHELD_NOTE.format(k=figures.min_group_size))}</p>"]
    for problem in figures.problems:
        parts.append(f"<p><strong>Note:</strong> {html.escape(problem)}</p>")
    by_purpose = cells(figures.accesses["by_purpose"], ["purpose", "register"])
    charts = {"Who uses the data: accesses per accessor group": stacked_bars(
                  usage, "accessor group", "source", "accesses", "Accesses per accessor group, by source"),
              "Accesses per purpose": stacked_bars(
                  by_purpose, "purpose", "register", "accesses", "Accesses per purpose, declared or not")}
    sections = [("What is collected", collected_frame(figures)),
                ("Who uses the data: accesses per accessor group", usage),
                ("Accesses per purpose", by_purpose),
                ("Accesses without a justification", cells(figures.accesses["unjustified"],
                                                           ["source", "accessor group"])),
                ("Warehouse reads per table", cells(figures.accesses["by_table"], ["table"])),
                ("Exposure beyond purpose", exposure_frame(figures)),
                ("Deletion requests received, by state", table_frame(figures.requests_by_state, ["state"],
                                                                     "requests")),
                ("Denied deletion requests by reason", table_frame(figures.denials, ["reason"], "requests"))]
    parts.append(f"<p>Median days from request to completed deletion: {shown(figures.median_days_to_complete)}; "
                 f"people whose request missed its deadline: {shown(figures.deadline_breaches)}.</p>"
                 f"<p>Exemptions: {html.escape(exemptions_text(figures))}</p>")
    for title, frame in sections:
        parts.append(f"<h2>{html.escape(title)}</h2>" + charts.get(title, "")
                     + readable(frame).to_html(index=False, escape=True, na_rep=WITHHELD))
    return ("<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Daylight works council report</title>"
            f"<style>{REPORT_STYLE}</style></head><body>{''.join(parts)}</body></html>")


def shown(value) -> str:
    return "withheld" if value is None else str(value)

"""What the charts on "My data" show: when I was captured, and what my
data reveals about me. Plain data for the page to draw."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

import pyarrow as pa
import pyarrow.compute as pc

from auth.policy import VIEW_OWN_TELEMETRY
from auth.principal import Principal
from queries.access.reads import personal_read
from queries.backend import Backend
from queries.mydata.inventory import UNREGISTERED, Inventory
from queries.mydata.row_reader import MyRows


def daily_activity(backend: Backend, principal: Principal, inventory: Inventory) -> list[tuple[str, date, int]]:
    """(category, day, rows): my captured rows per day, per category of data."""
    categories = {e.name: e.category for e in inventory.entries}
    totals: Counter = Counter()
    with personal_read(backend.ledger, principal, VIEW_OWN_TELEMETRY, [principal.employee_id]) as read:
        daily = backend.index.daily_rows(principal.employee_id)
        read.took(sorted({table for table, _, _ in daily}), sum(rows for _, _, rows in daily))
    for table, day, rows in daily:
        totals[(categories.get(table, UNREGISTERED), day)] += rows
    return sorted((category, day, rows) for (category, day), rows in totals.items())


def weekday_hour_activity(backend: Backend, principal: Principal, inventory: Inventory) -> dict[tuple[int, int], int]:
    """{(ISO weekday, hour): rows} over every table that records a capture time."""
    timed = [e for e in inventory.entries
             if dict(e.finding.columns).get(e.finding.time_column or "", "").startswith("TIMESTAMP")]
    counts: Counter = Counter()
    with personal_read(backend.ledger, principal, VIEW_OWN_TELEMETRY, [principal.employee_id]) as read:
        for weekday, hour, count in backend.rows.weekday_hours(read, principal.employee_id, timed) if timed else []:
            counts[(int(weekday), int(hour))] += int(count)
        read.took([e.name for e in timed], sum(counts.values()))
    return dict(counts)


@dataclass(frozen=True)
class Insight:
    """One plain-words finding about what a category of data reveals."""

    category: str
    title: str
    finding: str
    values: dict[str, float]  # a small series to chart: label -> value


def _rows_of(results: list[MyRows], category: str) -> list[pa.Table]:
    return [r.rows for r in results if r.rows is not None and r.entry.category == category and r.rows.num_rows]


def _typing(tables: list[pa.Table]) -> Insight | None:
    timed = [t for t in tables if {"dwell_ms", "flight_ms"} <= set(t.column_names)]
    if not timed:
        return None
    dwell = pa.chunked_array([c for t in timed for c in t["dwell_ms"].chunks])
    flight = pa.chunked_array([c for t in timed for c in t["flight_ms"].chunks])
    quantiles = {f"{int(q * 100)}th percentile": q for q in (0.1, 0.5, 0.9)}
    values = {f"hold {label}": round(pc.quantile(dwell, q=q)[0].as_py(), 1) for label, q in quantiles.items()}
    values |= {f"gap {label}": round(pc.quantile(flight, q=q)[0].as_py(), 1) for label, q in quantiles.items()}
    return Insight("keystrokes", "Your typing rhythm",
                   f"From {len(dwell):,} key presses: you hold a key for {values['hold 50th percentile']:.0f} ms and "
                   f"pause {values['gap 50th percentile']:.0f} ms between keys (medians). Timings like these are "
                   f"distinctive enough to recognise a person, and can hint at fatigue or stress.", values)


def _apps(tables: list[pa.Table]) -> Insight | None:
    names = [name for t in tables if "app" in t.column_names for name in t["app"].to_pylist() if name]
    if not names:
        return None
    top = dict(Counter(names).most_common(8))
    first = next(iter(top))
    return Insight("app_usage", "The applications you used most",
                   f"{first} appears most often in what was recorded about your screen time "
                   f"({top[first]:,} of {len(names):,} records).", {k: float(v) for k, v in top.items()})


def _screens(tables: list[pa.Table]) -> Insight | None:
    captured = [t for t in tables if "ocr_text" in t.column_names]
    total = sum(t.num_rows for t in captured)
    if not total:
        return None
    with_text = sum(t.num_rows - t["ocr_text"].null_count for t in captured)
    share = with_text / total
    return Insight("screen", "What was read off your screen",
                   f"{share:.0%} of your {total:,} screen captures had their visible text extracted (OCR): "
                   f"whatever was on screen, including private messages, became searchable text.",
                   {"with extracted text": float(with_text), "image only": float(total - with_text)})


INSIGHTS = {"keystrokes": _typing, "app_usage": _apps, "screen": _screens}


def insights(backend: Backend, principal: Principal, inventory: Inventory) -> list[Insight]:
    """What my keystrokes, app usage and screen captures reveal, in plain words."""
    entries = [e for e in inventory.entries if e.category in INSIGHTS]
    with personal_read(backend.ledger, principal, VIEW_OWN_TELEMETRY, [principal.employee_id]) as read:
        results = backend.rows.within(read, principal.employee_id, entries)
    found = [make(_rows_of(results, category)) for category, make in INSIGHTS.items()]
    return [insight for insight in found if insight]

"""What the charts on "My data" show: when I was captured, and what my
data reveals about me. Plain data for the page to draw."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from auth.policy import VIEW_OWN_TELEMETRY
from auth.principal import Principal
from queries.access.reads import personal_read
from queries.backend import Backend
from queries.mydata.inventory import UNREGISTERED, Inventory, InventoryEntry
from queries.mydata.row_reader import Summary


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
    """{(ISO weekday, hour): rows} over every table that records a capture
    time, from the subject index's counts: the chart never reads the rows."""
    timed = [e for e in inventory.entries
             if dict(e.finding.columns).get(e.finding.time_column or "", "").startswith("TIMESTAMP")]
    with personal_read(backend.ledger, principal, VIEW_OWN_TELEMETRY, [principal.employee_id]) as read:
        counts = backend.index.weekday_hours(principal.employee_id, [e.name for e in timed]) if timed else {}
        read.took([e.name for e in timed], sum(counts.values()))
    return counts


@dataclass(frozen=True)
class Insight:
    """One plain-words finding about what a category of data reveals."""

    category: str
    title: str
    finding: str
    values: dict[str, float]  # a small series to chart: label -> value


def _typing(summary: tuple) -> Insight | None:
    presses, dwell, flight = summary
    if not presses or dwell is None or flight is None:
        return None
    labels = ("10th percentile", "50th percentile", "90th percentile")
    values = {f"hold {label}": round(value, 1) for label, value in zip(labels, dwell, strict=True)}
    values |= {f"gap {label}": round(value, 1) for label, value in zip(labels, flight, strict=True)}
    return Insight("keystrokes", "Your typing rhythm",
                   f"From {presses:,} key presses: you hold a key for {values['hold 50th percentile']:.0f} ms and "
                   f"pause {values['gap 50th percentile']:.0f} ms between keys (medians). Timings like these are "
                   f"distinctive enough to recognise a person, and can hint at fatigue or stress.", values)


def _apps(summary: tuple, shown: Callable[[str], str]) -> Insight | None:
    named, apps, records = summary
    if not named or not apps:
        return None
    top: Counter = Counter()
    for app, count in zip(apps, records, strict=True):
        top[shown(app)] += count
    first = next(iter(top))
    return Insight("app_usage", "The applications you used most",
                   f"{first} appears most often in what was recorded about your screen time "
                   f"({top[first]:,} of {named:,} records).", {k: float(v) for k, v in top.items()})


def _screens(summary: tuple) -> Insight | None:
    total, with_text = summary
    if not total:
        return None
    return Insight("screen", "What was read off your screen",
                   f"{with_text / total:.0%} of your {total:,} screen captures had their visible text extracted (OCR): "
                   f"whatever was on screen, including private messages, became searchable text.",
                   {"with extracted text": float(with_text), "image only": float(total - with_text)})


def insights(backend: Backend, principal: Principal, inventory: Inventory) -> list[Insight]:
    """What my keystrokes, app usage and screen captures reveal, in plain
    words. Each is computed in the warehouse over the few columns it needs,
    so no keystroke row leaves it; an application's name is shown with the
    colleagues it may name pseudonymized."""
    me = principal.employee_id

    def shown(text: str) -> str:
        return backend.rows.hiding_colleagues(me, text)

    def of(category: str) -> list[InventoryEntry]:
        return [entry for entry in inventory.entries if entry.category == category]

    wanted = [(Summary(of("keystrokes"), ("dwell_ms", "flight_ms"), "insights/typing"), _typing),
              (Summary(of("app_usage"), ("app",), "insights/apps"), lambda summary: _apps(summary, shown)),
              (Summary(of("screen"), ("ocr_text",), "insights/screens"), _screens)]
    wanted = [(ask, make) for ask, make in wanted if ask.entries]
    with personal_read(backend.ledger, principal, VIEW_OWN_TELEMETRY, [me]) as read:
        summaries = backend.rows.summaries(read, me, [ask for ask, _ in wanted])
    found = [make(summary) for (_, make), summary in zip(wanted, summaries, strict=True) if summary]
    return [insight for insight in found if insight]

"""The targets the figures are held to, and each target's figure before and
after a run.

A target reads one figure of a report (`bench/results.json`): a case's
median, a case over its same-run baseline, a tier's L median over its S
median, or a figure of the load case. After a run, each target whose figure
was measured again keeps the figure it replaces as "before"; one the run
did not measure keeps its earlier before and after. So the report, and the
README written from it, always show a change as a before and an after,
each with its date and commit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

LOAD_LIMITS = {"server_p95_s": 2.0, "browser_p95_s": 5.0, "peak_memory_mb": 2048,
               "first_sign_in_s": 3.0, "my_data_first_s": 1.5}
Figure = tuple[float | None, dict | None]  # the value, and when and on what it was measured


@dataclass(frozen=True)
class Target:
    name: str
    limit: float
    unit: str
    figure: Callable[[dict], Figure]
    when_set: str = "—"  # the figure when the target was set (issue #20), where one was measured


def _size(report: dict, size: str) -> dict:
    return next((s for s in report.get("sizes", []) if s["size"] == size), {})


def _result(report: dict, size: str, case: str) -> dict:
    return next((r for r in _size(report, size).get("results", []) if r["case"] == case), {})


def median(size: str, case: str) -> Callable[[dict], Figure]:
    def figure(report: dict) -> Figure:
        found = _result(report, size, case)
        return found.get("median_ms"), found.get("measured")
    return figure


def over_baseline(size: str, case: str) -> Callable[[dict], Figure]:
    """The case's median over its baseline's, measured in the same run."""
    def figure(report: dict) -> Figure:
        found = _result(report, size, case)
        if not found.get("median_ms") or not found.get("baseline_median_ms"):
            return None, found.get("measured")
        return round(found["median_ms"] / found["baseline_median_ms"], 2), found.get("measured")
    return figure


def l_over_s(case: str, tier: str) -> Callable[[dict], Figure]:
    """One tier's L median over its S median; measured when the later of the two was."""
    def figure(report: dict) -> Figure:
        small, large = _result(report, "S", case), _result(report, "L", case)
        s_ms, l_ms = (small.get("median_ms_by_tier") or {}).get(tier), (large.get("median_ms_by_tier") or {}).get(tier)
        stamps = [r["measured"] for r in (small, large) if r.get("measured")]
        latest = max(stamps, key=lambda stamp: stamp["date"], default=None)
        return (round(l_ms / s_ms, 2) if s_ms and l_ms else None), latest
    return figure


def of_load(size: str, read: Callable[[dict], float | None]) -> Callable[[dict], Figure]:
    def figure(report: dict) -> Figure:
        load = _size(report, size).get("load")
        return (read(load), load.get("measured")) if load else (None, None)
    return figure


def _worst(key: str) -> Callable[[dict], float | None]:
    return lambda load: max((p[key] for p in load["pages"] if p[key] is not None), default=None)


def _first_sign_in(load: dict) -> float | None:
    first = (load.get("alone") or {}).get("first_sign_in")
    return first and first["seconds"]


def _my_data_first(load: dict) -> float | None:
    visits = (load.get("alone") or {}).get("pages", {}).get("My data", [])
    return max((visit["seconds"] for visit in visits), default=None)


def _ledger_gap(load: dict) -> float:
    """Entries missing or extra, and one more if the chain is broken."""
    ledger = load["ledger"]
    return abs(ledger["expected"] - ledger["appended"]) + (0 if ledger["intact"] else 1)


TARGETS = (
    Target("council page, L median", 1_000, "ms", median("L", "council page"), "4,121 ms (first view after a change)"),
    Target("charts (daily, weekday × hour, insights), L median", 300, "ms", median("L", "charts"), "1,956 ms"),
    Target("export of one employee, L median", 3_000, "ms", median("L", "export"), "8,283 ms"),
    *(Target(f"inventory, L over S, {tier} tier", 1.5, "×", l_over_s("inventory", tier), "1.85–1.94 × by tier")
      for tier in ("light", "median", "heavy")),
    Target("erasure over its floor, S", 1.5, "×", over_baseline("S", "erasure")),
    Target("erasure over its floor, L", 1.5, "×", over_baseline("L", "erasure")),
    Target("first sign-in after the portal is ready, alone, S", LOAD_LIMITS["first_sign_in_s"], "s",
           of_load("S", _first_sign_in), "17.7 s (demo size)"),
    Target("My data's first visit, alone, slowest person, S", LOAD_LIMITS["my_data_first_s"], "s",
           of_load("S", _my_data_first), "6.1 s (heaviest demo employee)"),
    Target("8 people at once, S: server p95, slowest page", LOAD_LIMITS["server_p95_s"], "s",
           of_load("S", _worst("server_p95_s"))),
    Target("8 people at once, S: browser p95, slowest page", LOAD_LIMITS["browser_p95_s"], "s",
           of_load("S", _worst("browser_p95_s"))),
    Target("8 people at once, S: errors", 0, "", of_load("S", lambda load: len(load["errors"]))),
    Target("8 people at once, S: portal peak memory", LOAD_LIMITS["peak_memory_mb"], "MB",
           of_load("S", lambda load: load["peak_memory_mb"])),
    Target("8 people at once, S: ledger entries off the expected count", 0, "", of_load("S", _ledger_gap)),
)


def assess(report: dict, earlier: dict | None) -> list[dict]:
    """Each target with its figure now (from `report`) and before: the
    figure `earlier` held if this one was measured since, else the before
    `earlier` already kept."""
    kept = {entry["target"]: entry for entry in (earlier or {}).get("targets", [])}
    assessed = []
    for target in TARGETS:
        now, now_measured = target.figure(report)
        was, was_measured = target.figure(earlier or {})
        if now_measured == was_measured and target.name in kept:
            before, before_measured = kept[target.name]["before"], kept[target.name]["before_measured"]
        elif now_measured == was_measured:
            before, before_measured = None, None
        else:
            before, before_measured = was, was_measured
        assessed.append({"target": target.name, "limit": target.limit, "unit": target.unit, "when_set": target.when_set,
                         "before": before, "before_measured": before_measured,
                         "now": now, "now_measured": now_measured,
                         "met": now is not None and now <= target.limit})
    return assessed


def _value(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    shown = f"{value:,.0f}" if unit in ("ms", "MB", "") else f"{value:,.2f}"
    return f"{shown} {unit}".strip()


def _stamp(measured: dict | None) -> str:
    return f"{measured['date'][:10]}, `{measured['commit']}`" if measured else "—"


def lines(assessed: list[dict]) -> list[str]:
    """For the terminal: one line per target."""
    def said(entry: dict) -> str:
        parts = [f"now {_value(entry['now'], entry['unit'])} ({_stamp(entry['now_measured'])})"]
        if entry["before"] is not None:
            parts.append(f"before {_value(entry['before'], entry['unit'])} ({_stamp(entry['before_measured'])})")
        if entry.get("when_set", "—") != "—":
            parts.append(f"when set {entry['when_set']}")
        return "; ".join(parts).replace("`", "")
    return [f"  {'met   ' if entry['met'] else 'MISSED'} {entry['target']} ≤ {_value(entry['limit'], entry['unit'])}: "
            f"{said(entry)}" for entry in assessed]


def markdown(assessed: list[dict]) -> str:
    rows = ["| target | limit | when it was set | before | measured | now | measured | |",
            "| --- | ---: | ---: | ---: | --- | ---: | --- | --- |"]
    rows += [f"| {entry['target']} | ≤ {_value(entry['limit'], entry['unit'])} | {entry.get('when_set', '—')} | "
             f"{_value(entry['before'], entry['unit'])} | {_stamp(entry['before_measured'])} | "
             f"{_value(entry['now'], entry['unit'])} | {_stamp(entry['now_measured'])} | "
             f"{'met' if entry['met'] else '**missed**'} |" for entry in assessed]
    return "\n".join(rows)

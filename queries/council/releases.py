"""What one month's release of the works council's figures holds, and
where releases are kept once published (`state/council.sqlite`).

A release is published once, the first time the ended month's figures
are asked for, and read back unchanged ever after: the attack that
compares a figure with its value a refresh later (a count going from 10
to 11 tells of one new request) finds nothing to compare.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from queries.council.disclosure import Figure, Table
from queries.state import store as state_store

RELEASES_FILE = "council.sqlite"


@dataclass(frozen=True)
class CollectedTable:
    table: str
    category: str
    registered: bool
    purposes: str
    legal_basis: str
    retention_days: int | None
    works_agreement_clause: str
    employees: int | None
    rows: float | None


@dataclass(frozen=True)
class Exposure:
    grant: str
    group: str
    start: datetime
    end: datetime | None
    tables: int
    employees_exposed: int | None
    could_read: int | None
    did_read: int | None
    reads: int | None


@dataclass(frozen=True)
class Oversight:
    period: str  # the calendar month, "2026-10"
    published_at: datetime
    min_group_size: int
    collected: tuple[CollectedTable, ...]
    category_employees: dict[str, int | None]
    category_rows: dict[str, Table]
    accesses: dict[str, Table]  # by_group, by_purpose, by_table, unjustified
    exposures: tuple[Exposure, ...]
    requests_by_state: Table
    denials: Table
    median_days_to_complete: float | None
    deadline_breaches: int | None
    exemption_policy: str
    exempt_levels: tuple[str, ...]
    exceptions_beyond_policy: int | None
    problems: tuple[str, ...] = field(default=())


def _table(raw: dict) -> Table:
    return Table(tuple(Figure(tuple(f["key"]), f["value"], f["why"]) for f in raw["figures"]), raw["total"])


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def to_json(release: Oversight) -> str:
    return json.dumps(asdict(release), default=lambda value: value.isoformat(), sort_keys=True)


def from_json(text: str) -> Oversight:
    raw = json.loads(text)
    return Oversight(
        raw["period"], _moment(raw["published_at"]), raw["min_group_size"],
        tuple(CollectedTable(**c) for c in raw["collected"]), raw["category_employees"],
        {name: _table(t) for name, t in raw["category_rows"].items()},
        {name: _table(t) for name, t in raw["accesses"].items()},
        tuple(Exposure(**{**e, "start": _moment(e["start"]), "end": _moment(e["end"])}) for e in raw["exposures"]),
        _table(raw["requests_by_state"]), _table(raw["denials"]), raw["median_days_to_complete"],
        raw["deadline_breaches"], raw["exemption_policy"], tuple(raw["exempt_levels"]),
        raw["exceptions_beyond_policy"], tuple(raw["problems"]))


class CouncilReleases:
    def __init__(self, state_dir: Path):
        self.connection = state_store.connect(Path(state_dir) / RELEASES_FILE, "council/schema")

    def get(self, period: str) -> Oversight | None:
        rows = state_store.run(self.connection, "council/release", {"period": period})
        return from_json(rows[0][0]) if rows else None

    def publish(self, release: Oversight) -> Oversight:
        """Keeps `release` unless the period was published meanwhile; returns what is kept."""
        with state_store.transaction(self.connection) as db:
            state_store.run(db, "council/publish", {"period": release.period,
                                                     "published_at": release.published_at.isoformat(),
                                                     "body": to_json(release)})
        return self.get(release.period)

    def periods(self) -> list[str]:
        return [period for (period,) in state_store.run(self.connection, "council/periods")]

    def close(self) -> None:
        self.connection.close()


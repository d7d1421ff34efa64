"""Random draws shared by every table builder.

A builder asks for "n rows about weighted employees at plausible times";
this module answers consistently, so that all tables agree on who is heavy,
who is exempt and when people work.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import numpy as np
import pyarrow as pa

from sample_data.people import Workforce

# Captures cluster in working hours, with a tail into the evening: the
# weekday x hour heatmap on "My data" should look like a real working week.
_HOUR_WEIGHTS = np.array(
    [0.2, 0.1, 0.1, 0.1, 0.1, 0.3, 0.8, 2.0, 5.0, 8.0, 9.0, 9.0, 6.0, 8.0, 9.0, 8.5, 7.0, 5.0, 3.0, 2.0, 1.5, 1.2, 0.8, 0.4]
)


@dataclass(frozen=True)
class Rows:
    """A built table and, per row, the directory index of its main subject
    (used to sort files by subject and to pick demo users by volume)."""

    table: pa.Table
    subject: np.ndarray


class Draw:
    def __init__(self, rng: np.random.Generator, workforce: Workforce, start: date, days: int):
        self.rng = rng
        self.workforce = workforce
        self.start = start
        self.days = days
        self._ids = workforce.ids
        self._emails = workforce.emails
        self._collected = workforce.collected
        self._weights = workforce.sampling_weights()
        day_weights = np.array(
            [0.15 if (start + timedelta(days=d)).weekday() >= 5 else 1.0 for d in range(days)]
        )
        self._day_p = day_weights / day_weights.sum()
        self._hour_p = _HOUR_WEIGHTS / _HOUR_WEIGHTS.sum()
        self._epoch_us = int(datetime.combine(start, time()).timestamp() * 1_000_000)

    def subjects(self, n: int) -> np.ndarray:
        """Directory indices of n row subjects, weighted by activity."""
        return self.rng.choice(self._collected, size=n, p=self._weights)

    def anyone(self, n: int) -> np.ndarray:
        """Directory indices of anybody, exempt or not (a chat recipient)."""
        return self.rng.integers(0, len(self._ids), size=n)

    def ids(self, index: np.ndarray) -> pa.Array:
        return pa.array(self._ids[index], type=pa.string())

    def emails(self, index: np.ndarray) -> pa.Array:
        return pa.array(self._emails[index], type=pa.string())

    def column(self, name: str, index: np.ndarray) -> np.ndarray:
        """One directory column for the people `index` (logins, badges, hostnames)."""
        return np.asarray(self.workforce.column(name), dtype=object)[index]

    def timestamps(self, n: int) -> pa.Array:
        day = self.rng.choice(self.days, size=n, p=self._day_p)
        hour = self.rng.choice(24, size=n, p=self._hour_p)
        second = self.rng.integers(0, 3600, size=n)
        offset = ((day * 24 + hour) * 3600 + second) * 1_000_000
        return pa.array(self._epoch_us + offset, type=pa.timestamp("us"))

    def days_of(self, n: int) -> pa.Array:
        offsets = self.rng.integers(0, self.days, size=n)
        return pa.array([self.start + timedelta(days=int(d)) for d in offsets], type=pa.date32())

    def pick(self, values: tuple, n: int) -> pa.Array:
        return pa.array(np.asarray(values, dtype=object)[self.rng.integers(0, len(values), size=n)])

    def maybe(self, values: pa.Array, share_null: float) -> pa.Array:
        mask = self.rng.random(len(values)) < share_null
        return pa.compute.if_else(pa.array(mask), pa.nulls(len(values), values.type), values)

    def integers(self, low: int, high: int, n: int) -> pa.Array:
        return pa.array(self.rng.integers(low, high, size=n))

    def normal(self, mean: float, sd: float, n: int, low: float = 0.0) -> pa.Array:
        return pa.array(np.round(np.maximum(self.rng.normal(mean, sd, size=n), low), 2))

    def others(self, subject: np.ndarray, most: int, emails: bool) -> pa.Array:
        """Per row, 1..most people other than the subject (chat recipients,
        meeting participants): these rows concern several employees."""
        counts = self.rng.integers(1, most + 1, size=len(subject))
        names = self._emails if emails else self._ids
        pool = self.anyone(int(counts.sum()))
        lists, cursor = [], 0
        for row, count in enumerate(counts):
            chosen = pool[cursor:cursor + count]
            cursor += count
            lists.append([names[i] for i in chosen if i != subject[row]] or [names[(subject[row] + 1) % len(names)]])
        return pa.array(lists, type=pa.list_(pa.string()))

    def json_payloads(self, fields: dict[str, object], n: int) -> pa.Array:
        """JSON documents built row by row from column-like values: the
        shape ML pipelines dump into training snapshots."""
        columns = {key: (value.to_pylist() if isinstance(value, pa.Array) else [value] * n) for key, value in fields.items()}
        return pa.array([json.dumps(_nest({key: column[row] for key, column in columns.items()})) for row in range(n)])


def _nest(flat: dict[str, object]) -> dict:
    """Turns {"meta.author.id": x} into {"meta": {"author": {"id": x}}}."""
    nested: dict = {}
    for dotted, value in flat.items():
        node = nested
        *parents, leaf = dotted.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value.isoformat() if hasattr(value, "isoformat") else value
    return nested

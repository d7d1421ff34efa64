"""The warehouse's full reads, held once in memory by table and time.

A full read of a table touched everyone the table held at that moment, so
it belongs to the history of thousands of people; storing it once per
person would take one row per (person, read) — about 900 million at the
benchmark's L size. It is stored once instead, and a person's share of
the full reads is, for each table they are in, the reads from the first
day the table held their rows: a binary search per table over these
arrays, and no per-read work in Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

COLUMNS = ["event_id", "at", "user", "user_type", "table", "rows_returned", "purpose", "justification"]
TEXT = {"event_id": "str", "user": "str", "user_type": "str", "table": "str", "purpose": "str", "justification": "str"}


def event_frame(rows: list[tuple]) -> pd.DataFrame:
    """Audit event rows as read from the store, with the times in UTC (a
    time logged without an offset is taken as UTC)."""
    frame = pd.DataFrame.from_records(rows, columns=COLUMNS).astype({**TEXT, "rows_returned": "float"})
    frame["at"] = pd.to_datetime(frame["at"], format="ISO8601", utc=True)
    return frame


@dataclass(frozen=True)
class FullReads:
    version: int  # the store's latest event when these were read
    events: pd.DataFrame  # sorted by table, then time
    times: np.ndarray  # events["at"] in UTC without the zone, for searching
    spans: dict[str, tuple[int, int]]  # table → its rows in `events`

    @staticmethod
    def of(version: int, rows: list[tuple]) -> FullReads:
        events = event_frame(rows).sort_values(["table", "at"], kind="stable", ignore_index=True)
        tables = events["table"].to_numpy()
        starts = np.flatnonzero(np.r_[True, tables[1:] != tables[:-1]]) if len(tables) else np.empty(0, int)
        stops = np.r_[starts[1:], len(tables)]
        return FullReads(version, events, events["at"].dt.tz_convert(None).to_numpy(),
                         {tables[a]: (int(a), int(b)) for a, b in zip(starts, stops)})

    def since(self, first_day: dict[str, date]) -> pd.DataFrame:
        """The full reads of each table in `first_day` from that day on (UTC)."""
        pieces = []
        for table, day in first_day.items():
            if span := self.spans.get(table):
                start, stop = span
                first = np.searchsorted(self.times[start:stop], np.datetime64(day, "ns"))
                pieces.append(np.arange(start + first, stop))
        return self.events.iloc[np.concatenate(pieces) if pieces else np.empty(0, int)]

"""Previews read as a person reads them: words for column names, nested and
JSON fields apart, ids as text, "—" for nothing, times in the person's zone."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.readable_rows import NOTHING, column_words, readable_rows


def test_a_row_of_every_shape_reads_plainly():
    rows = pa.table({
        "event_id": pa.array([2**60 + 1, None], pa.int64()),
        "ts": pa.array([datetime(2026, 10, 2, 12, 0), None], pa.timestamp("us")),
        "at_utc": pa.array([datetime(2026, 1, 2, 12, 0, tzinfo=UTC), None], pa.timestamp("us", tz="UTC")),
        "payload": pa.array(['{"window_title": "Inbox", "keys": 12}', None]),
        "ctx": pa.array([{"app_name": "Slack", "inner": {"pid": 3}}, None]),
        "tags": pa.array([["a", "b"], None]),
        "attrs": pa.array([[("k", "v")], None], pa.map_(pa.string(), pa.string())),
        "count": pa.array([3, 4], pa.int64()),
    })
    shown = readable_rows(rows, ZoneInfo("Europe/Berlin")).to_dict("list")
    assert shown == {
        "Event id": ["1152921504606846977", NOTHING],
        "Ts": ["02 Oct 2026, 14:00:00 CEST", NOTHING],
        "At utc": ["02 Jan 2026, 13:00:00 CET", NOTHING],
        "Payload › window title": ["Inbox", NOTHING], "Payload › keys": ["12", NOTHING],
        "Ctx › app name": ["Slack", NOTHING], "Ctx › inner › pid": ["3", NOTHING],
        "Tags": ["a, b", NOTHING], "Attrs": ["k: v", NOTHING],
        "Count": [3, 4],
    }


def test_text_that_only_looks_like_json_stays_text_and_names_stay_apart():
    rows = pa.table({"note": ["{not json", '{"a": 1}'], "a_b": [1, 2], "a.b": [3, 4]})
    shown = readable_rows(rows, UTC)
    assert shown["Note"].tolist() == ["{not json", '{"a": 1}']
    assert list(shown.columns) == ["Note", "A b", "A › b"]
    assert column_words("a_b") != column_words("a.b")
    planted = "{" + ", ".join(f'"k{n}": {n}' for n in range(500)) + "}"
    assert readable_rows(pa.table({"note": [planted]}), UTC).shape == (1, 1), "a planted JSON adds no 500 columns"


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(min_value=-2**63, max_value=2**63 - 1)), min_size=1, max_size=20))
def test_no_integer_loses_a_digit(values):
    shown = readable_rows(pa.table({"id": pa.array(values, pa.int64())}), UTC)["Id"].tolist()
    for value, cell in zip(values, shown):
        if value is None:
            assert cell == NOTHING
        elif isinstance(cell, str):
            assert int(cell) == value
        else:
            assert cell == value and abs(value) < 2**53 and not math.isnan(cell)

"""Rows as a person reads them, for the previews of My data.

A preview is the employee's own rows, shown to someone who is not
technical: column names in words, nested records and text holding JSON
objects as separate fields, lists and maps as text, identifiers as text (a 64-bit id is not a number to do sums with,
and the grid flags large ones as out of range), "—" where there is no
value, and times in the person's time zone with the zone named. Nothing
is dropped or rounded; the values are those of the export.
"""

from __future__ import annotations

import json
from datetime import tzinfo

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

NOTHING = "—"
SAFE_INTEGER = 2**53  # beyond this a browser's numbers lose digits
MAX_FIELDS = 50  # text holding JSON with more fields than this stays text: anyone can write such JSON


def column_words(name: str) -> str:
    """`app_name` → "App name", `payload.window_title` → "Payload › window title"."""
    parts = [part.replace("_", " ").strip() for part in name.split(".")]
    text = " › ".join(part for part in parts if part) or name
    return text[:1].upper() + text[1:]


def _json_objects(column: pa.ChunkedArray) -> list[dict | None] | None:
    """The column's values as JSON objects, if every value is one (or empty)."""
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        return None
    parsed = []
    for value in column.to_pylist():
        if value is None:
            parsed.append(None)
            continue
        try:
            found = json.loads(value) if value.lstrip().startswith("{") else None
        except ValueError:
            found = None
        if not isinstance(found, dict):
            return None
        parsed.append(found)
    fields = {key for found in parsed if found for key in found}
    return parsed if fields and len(fields) <= MAX_FIELDS else None


def _flattened(rows: pa.Table) -> pa.Table:
    """Nested records, and text holding JSON objects, become one column per
    field, however deep."""
    while True:
        for index, field in enumerate(rows.schema):
            objects = _json_objects(rows.column(index))
            if objects is not None:
                rows = rows.set_column(index, field.name, pa.array(objects))
        if not any(pa.types.is_struct(field.type) for field in rows.schema):
            return rows
        rows = rows.flatten()


def _as_text(value: object) -> str:
    if value is None:
        return NOTHING
    if isinstance(value, (list, tuple)):
        return ", ".join(_as_text(v) for v in value) or NOTHING
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def _shown(column: pa.ChunkedArray, zone: tzinfo) -> list:
    kind = column.type
    if pa.types.is_timestamp(kind):
        moments = pd.Series(column.to_pandas())
        moments = moments.dt.tz_localize("UTC") if moments.dt.tz is None else moments
        return [NOTHING if pd.isna(t) else t.tz_convert(zone).strftime("%d %b %Y, %H:%M:%S %Z") for t in moments]
    if pa.types.is_integer(kind):
        ends = pc.min_max(column).as_py()  # not pc.abs: it wraps the smallest int64 round to itself
        if ends["min"] is not None and max(-ends["min"], ends["max"]) >= SAFE_INTEGER:
            return [_as_text(v) for v in column.to_pylist()]
    if pa.types.is_map(kind):
        return [NOTHING if v is None else ", ".join(f"{_as_text(k)}: {_as_text(x)}" for k, x in v) or NOTHING
                for v in column.to_pylist()]
    if pa.types.is_nested(kind) or pa.types.is_binary(kind) or pa.types.is_large_binary(kind):
        return [_as_text(v) for v in column.to_pylist()]
    values = column.to_pylist()
    if any(v is None for v in values):  # one type per column: the grid cannot mix "—" with numbers
        return [NOTHING if v is None else v if isinstance(v, str) else str(v) for v in values]
    return values


def readable_rows(rows: pa.Table, zone: tzinfo) -> pd.DataFrame:
    """The rows as a frame to show: see the module's docstring."""
    rows = _flattened(rows)
    frame = pd.DataFrame({f"#{n}": _shown(rows.column(n), zone) for n in range(rows.num_columns)})
    names, seen = [], {}
    for name in rows.column_names:
        words = column_words(name)
        seen[words] = seen.get(words, 0) + 1
        names.append(words if seen[words] == 1 else f"{words} ({seen[words]})")
    frame.columns = names
    return frame

"""CSV that a spreadsheet cannot be made to run.

Any colleague can plant `=HYPERLINK(…)` in my data by messaging me; a
spreadsheet opening my export would evaluate it. As OWASP recommends
against CSV injection, a text cell beginning with `=`, `+`, `-`, `@`, a tab
or a carriage return is written with a leading apostrophe, which
spreadsheets show as text. Numbers, times and every other typed value are
left alone; so are the Parquet and JSON copies, which no spreadsheet
evaluates. What was neutralized is counted per column, for the manifest.
"""

from __future__ import annotations

import io
import json

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

FORMULA_START = r"^[=+\-@\t\r]"
WHY = ("Text cells that began with =, +, -, @, a tab or a carriage return were prefixed with an apostrophe (') in "
       "the CSV files so that a spreadsheet shows them as text instead of running them as formulas (OWASP: CSV "
       "injection). The Parquet and JSON files hold the values unchanged.")


def _as_text(rows: pa.Table) -> pa.Table:
    """CSV has no lists or structs: such columns are written as JSON text;
    dictionary-encoded and view text becomes plain text, so that no text
    cell escapes the check."""
    for index, field in enumerate(rows.schema):
        if pa.types.is_dictionary(field.type) or pa.types.is_string_view(field.type):
            rows = rows.set_column(index, field.name, pc.cast(rows.column(index), pa.string()))
        elif pa.types.is_nested(field.type):
            as_json = pa.array([None if v is None else json.dumps(v, default=str) for v in rows[field.name].to_pylist()],
                               type=pa.string())
            rows = rows.set_column(index, field.name, as_json)
    return rows


def neutralize(rows: pa.Table) -> tuple[pa.Table, dict[str, int]]:
    """The table with formula-like text cells prefixed, and how many per column."""
    rows = _as_text(rows)
    counts = {}
    for index, field in enumerate(rows.schema):
        if not (pa.types.is_string(field.type) or pa.types.is_large_string(field.type)):
            continue
        column = rows.column(index)
        risky = pc.fill_null(pc.match_substring_regex(column, FORMULA_START), False)
        count = pc.sum(risky).as_py() or 0
        if count:
            prefixed = pc.binary_join_element_wise(pa.scalar("'", field.type), column, pa.scalar("", field.type))
            rows = rows.set_column(index, field.name, pc.if_else(risky, prefixed, column))
            counts[field.name] = count
    return rows, counts


def csv_bytes(rows: pa.Table) -> tuple[bytes, dict[str, int]]:
    safe, counts = neutralize(rows)
    buffer = io.BytesIO()
    pacsv.write_csv(safe, buffer)
    return buffer.getvalue(), counts

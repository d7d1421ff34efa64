"""Hive text files, read as Hive wrote them.

Hive's default text format (LazySimpleSerDe) separates fields with `\\x01`,
the items of an array or struct with `\\x02`, a map's key from its value
with `\\x03`, writes NULL as `\\N` and quotes nothing; files are often
gzip-compressed and carry no header. A text file says nothing of its
columns, so a table folder describes them in a `.schema` sidecar (JSON):

    {"format": "hive",            # or "csv", "tsv", "jsonl"
     "columns": [{"name": "employee_id", "type": "string"},
                 {"name": "ts", "type": "timestamp"},
                 {"name": "tags", "type": "array<string>"}],
     "header": false}              # csv/tsv: whether the first line names the columns

Nothing is lost to a schema that does not fit: a column whose values do not
all parse as the declared type is kept as text, a line with too few or too
many fields or a table without a sidecar is read line by line as text
(`line`), so every value is still searched for people.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.json as pa_json

SCHEMA_FILE = ".schema"
GZIP_MAGIC = b"\x1f\x8b"
LINE_COLUMN = "line"
_SCALARS = {"string": pa.string(), "varchar": pa.string(), "char": pa.string(), "tinyint": pa.int8(),
            "smallint": pa.int16(), "int": pa.int32(), "integer": pa.int32(), "bigint": pa.int64(),
            "float": pa.float32(), "double": pa.float64(), "boolean": pa.bool_(), "date": pa.date32(),
            "timestamp": pa.timestamp("us")}
_FORMATS = {"hive": ("\x01", False), "csv": (",", '"'), "tsv": ("\t", False)}


class TextLayoutError(Exception):
    """The `.schema` sidecar cannot be used; the message says why."""


@dataclass(frozen=True)
class TextLayout:
    format: str
    columns: tuple[tuple[str, str], ...]
    header: bool = False

    @staticmethod
    def parse(sidecar: bytes | None) -> TextLayout | None:
        """The layout a table's sidecar describes, or None when it has none (its text is read line by line)."""
        if sidecar is None:
            return None
        try:
            raw = json.loads(sidecar.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as problem:
            raise TextLayoutError(f"{SCHEMA_FILE} is not readable JSON: {problem}") from None
        try:
            layout = TextLayout(raw.get("format", "hive"),
                                tuple((str(c["name"]), str(c.get("type", "string")).lower()) for c in raw["columns"]),
                                bool(raw.get("header", False)))
        except (KeyError, TypeError, AttributeError) as problem:
            raise TextLayoutError(f"{SCHEMA_FILE} has no usable column list: {problem!r}") from None
        if layout.format not in (*_FORMATS, "jsonl") or not layout.columns:
            raise TextLayoutError(f"{SCHEMA_FILE}: format must be hive, csv, tsv or jsonl, with columns")
        return layout


def read_text(data: bytes, layout: TextLayout | None) -> pa.Table:
    """One text file's bytes (gzip-compressed or not) as Arrow, typed by `layout`."""
    if data[:2] == GZIP_MAGIC:
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as problem:
            raise ValueError(f"not valid gzip: {problem}") from None
    if layout is None:
        return _lines(data)
    if layout.format == "jsonl":
        return _json_lines(data, layout)
    delimiter, quote = _FORMATS[layout.format]
    names = [name for name, _ in layout.columns]
    try:
        raw = pa_csv.read_csv(
            pa.py_buffer(data),
            read_options=pa_csv.ReadOptions(column_names=names, skip_rows=1 if layout.header else 0),
            parse_options=pa_csv.ParseOptions(delimiter=delimiter, quote_char=quote, newlines_in_values=False),
            convert_options=pa_csv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                  null_values=["\\N"] if layout.format == "hive" else [""],
                                                  strings_can_be_null=True, quoted_strings_can_be_null=False))
    except pa.ArrowInvalid:
        return _lines(data)
    return pa.table({name: _typed(raw[name], kind) for name, kind in layout.columns})


def _lines(data: bytes) -> pa.Table:
    """Every line as text: non-UTF-8 bytes cannot be part of an identifier."""
    text = data.decode("utf-8", errors="replace")
    return pa.table({LINE_COLUMN: pa.array([line for line in text.splitlines() if line], pa.string())})


def _json_lines(data: bytes, layout: TextLayout) -> pa.Table:
    try:
        table = pa_json.read_json(pa.py_buffer(data))
    except pa.ArrowInvalid:
        return _lines(data)
    wanted = [name for name, _ in layout.columns if name in table.column_names]
    rest = [name for name in table.column_names if name not in wanted]
    return table.select(wanted + rest)


def _typed(column: pa.ChunkedArray, kind: str) -> pa.ChunkedArray:
    """A text column as its declared type, if every value parses; else kept as text."""
    try:
        if kind in _SCALARS:
            return pc.cast(column, _SCALARS[kind]) if _SCALARS[kind] != pa.string() else column
        if kind.startswith("array<"):
            return pc.split_pattern(column, "\x02")
        if kind.startswith("map<"):
            return _map(column)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    return column


def _map(column: pa.ChunkedArray) -> pa.ChunkedArray:
    entries = [None if text is None else [tuple((item.split("\x03", 1) + [None])[:2]) for item in text.split("\x02")]
               for text in column.to_pylist()]
    return pa.chunked_array([pa.array(entries, pa.map_(pa.string(), pa.string()))])


def text_bytes(rows: pa.Table, layout: TextLayout | None, compressed: bool) -> bytes:
    """`rows`, read from a text file by `read_text`, as the file's bytes the
    way it was written: the same layout (or lines), gzip-compressed if it was."""
    if layout is None or rows.column_names == [LINE_COLUMN] != [name for name, _ in layout.columns]:
        text = "".join(f"{line}\n" for line in rows[LINE_COLUMN].to_pylist())
    elif layout.format == "jsonl":
        text = "".join(json.dumps(row, default=str) + "\n" for row in rows.to_pylist())
    elif layout.format == "hive":
        text = "".join("\x01".join(_hive_value(v) for v in row.values()) + "\n" for row in rows.to_pylist())
    else:
        out = io.StringIO()
        writer = csv.writer(out, delimiter=_FORMATS[layout.format][0], lineterminator="\n")
        if layout.header:
            writer.writerow(rows.column_names)
        writer.writerows([["" if v is None else v for v in row.values()] for row in rows.to_pylist()])
        text = out.getvalue()
    data = text.encode("utf-8")
    return gzip.compress(data, mtime=0) if compressed else data


def _hive_value(value) -> str:
    """A value as Hive's LazySimpleSerDe writes it."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        if value and isinstance(value[0], tuple):
            return "\x02".join(f"{_hive_value(k)}\x03{_hive_value(v)}" for k, v in value)
        return "\x02".join(_hive_value(v) for v in value)
    return str(value)

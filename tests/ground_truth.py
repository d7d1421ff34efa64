"""Who a table's rows name, worked out in plain Python, apart from the SQL.

Rows are read with pyarrow's Parquet and ORC readers, Hive text and JSON
lines with the standard library, and walked value by value: strings (and JSON
documents inside them, decoded), integers, bytes, lists, struct fields and
map keys and values, at any depth. Text is split wherever a character
cannot belong to an identifier, and each piece is compared with a person's
identifiers: id, email (a `+tag` dropped), login, badge, hostnames, and the
SHA-256/SHA-1/MD5 of the id and the email. Nothing here is shared with
`queries/`, so the index is checked against an independent reading.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import re
from datetime import date, datetime
from pathlib import Path

import pyarrow.orc as orc
import pyarrow.parquet as pq

_PIECES = re.compile("[^A-Za-z0-9._%+@\\-\u0080-\U0010ffff]+")
_EDGES = "._%+-@"


def identifiers_of(person) -> set[str]:
    plain = {person.employee_id, person.email, person.login or "", person.badge or "", *person.hostnames}
    found = {value.lower() for value in plain if value}
    for value in (person.employee_id, person.email):
        for form in {value, value.lower()}:
            found |= {getattr(hashlib, name)(form.encode()).hexdigest() for name in ("sha256", "sha1", "md5")}
    return found


def _pieces(text: str) -> set[str]:
    found = set()
    for piece in _PIECES.split(text):
        piece = piece.strip(_EDGES).lower()
        if not piece.isascii():
            continue
        if "@" in piece:
            local, _, domain = piece.partition("@")
            found.add(f"{local.split('+')[0]}@{domain}")
            found.add(piece)
        elif piece:
            found.add(piece)
    return found


def _texts(value) -> list[str]:
    if value is None or isinstance(value, (bool, float, date, datetime)):
        return []
    if isinstance(value, str):
        if value.lstrip()[:1] in ("{", "["):
            try:
                return _texts(json.loads(value))
            except json.JSONDecodeError:
                pass
        return [value]
    if isinstance(value, int):
        return [str(value)]
    if isinstance(value, bytes):
        return [value.decode("utf-8", errors="replace")]
    if isinstance(value, dict):
        return [t for k, v in value.items() for t in _texts(k) + _texts(v)]
    if isinstance(value, (list, tuple)):
        return [t for item in value for t in _texts(item)]
    return []


def row_names(row: dict, wanted: set[str]) -> bool:
    return any(_pieces(text) & wanted for value in row.values() for text in _texts(value))


def _hive_text_rows(data: bytes, names: list[str]) -> list[dict]:
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    rows = []
    for line in data.decode("utf-8").split("\n"):
        if line:
            fields = [None if v == "\\N" else v for v in line.split("\x01")]
            rows.append(dict(zip(names, [f.split("\x02") if f and "\x02" in f else f for f in fields])))
    return rows


def folder_rows(folder: Path, only: set[str] | None = None) -> list[dict]:
    """Every row of a Hive folder (of its files in `only`, if given), read without Daylight's code."""
    sidecar = folder / ".schema"
    layout = json.loads(sidecar.read_text()) if sidecar.exists() else None
    text_format = layout.get("format", "hive") if layout else None
    rows = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith((".", "_"))
                       and (only is None or str(p) in only)):
        data = path.read_bytes()
        partitions = {k: v for k, _, v in (part.partition("=") for part in path.relative_to(folder).parts[:-1])}
        if data[:4] == b"PAR1":
            found = pq.read_table(path).to_pylist()
        elif data[:3] == b"ORC":
            found = orc.read_table(path).to_pylist()
        elif text_format == "jsonl":
            found = [json.loads(line) for line in data.decode().splitlines() if line]
        elif text_format in ("csv", "tsv"):
            reader = csv.reader(io.StringIO(data.decode()), delimiter="," if text_format == "csv" else "\t")
            found = [dict(zip([c["name"] for c in layout["columns"]], r)) for r in list(reader)[1:]]
        else:
            found = _hive_text_rows(data, [c["name"] for c in layout["columns"]] if layout else ["line"])
        rows += [{**row, **partitions} for row in found]
    return rows


def rows_naming(table_folder: Path, person) -> int:
    """How many rows of the table in `table_folder` name `person`."""
    wanted = identifiers_of(person)
    return sum(row_names(row, wanted) for row in folder_rows(table_folder))


def truth_rows(sample: Path, qualified: str, person) -> int:
    database, name = qualified.split(".")
    return rows_naming(sample / "warehouse" / f"{database}.db" / name, person)

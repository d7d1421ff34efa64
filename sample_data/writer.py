"""Writes tables the way a lake holds them: Hive folders of Parquet files,
and a few as Hive itself writes them (files named `000000_0`: Parquet, ORC,
gzip-compressed `\\x01`-delimited text described by a `.schema` sidecar,
JSON lines), so discovery meets every kind a real lake holds.

Files are sorted by the subject's identifier and cut into small row groups
so that a per-employee lookup can skip most of each file on min/max
statistics; partitioning by employee would instead make millions of tiny
files.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.orc as orc
import pyarrow.parquet as pq

from queries.warehouse.hive_text import SCHEMA_FILE, TextLayout, text_bytes

ROW_GROUP_SIZE = 8_192
MAX_ROWS_PER_FILE = 1_000_000


_HIVE_TYPES = {pa.string(): "string", pa.int64(): "bigint", pa.int32(): "int", pa.float64(): "double",
               pa.bool_(): "boolean", pa.timestamp("us"): "timestamp", pa.date32(): "date"}


def _write_text(text_format: str, suffix: str):
    """A writer of `text_format` files (see `queries/warehouse/hive_text.py`)
    with the table's `.schema` sidecar, in its folder above any `dt=` partition."""
    def write(part: pa.Table, path: Path) -> None:
        columns = tuple((f.name, _HIVE_TYPES.get(f.type, "string")) for f in part.schema)
        path.with_name(path.name + suffix).write_bytes(text_bytes(part, TextLayout(text_format, columns), suffix == ".gz"))
        folder = path.parent.parent if path.parent.name.startswith("dt=") else path.parent
        (folder / SCHEMA_FILE).write_text(json.dumps({"format": text_format, "columns": [
            {"name": name, "type": kind} for name, kind in columns]}, indent=2) + "\n", encoding="utf-8")
    return write


STORAGES = {
    "parquet": lambda part, path: pq.write_table(part, path.with_name(path.name + ".parquet"),
                                                 row_group_size=ROW_GROUP_SIZE, compression="zstd",
                                                 write_statistics=True),
    "hive_parquet": lambda part, path: pq.write_table(part, path, compression="snappy"),
    "orc": lambda part, path: orc.write_table(part, path, compression="zlib"),
    "hive_text": _write_text("hive", ".gz"),
    "json_lines": _write_text("jsonl", ".json"),
}


def _write_parts(table: pa.Table, folder: Path, storage: str) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    files = 0
    for offset in range(0, max(table.num_rows, 1), MAX_ROWS_PER_FILE):
        part = table.slice(offset, MAX_ROWS_PER_FILE)
        name = f"part-{files:05d}" if storage == "parquet" else f"{files:06d}_0"
        STORAGES[storage](part, folder / name)
        files += 1
    return files


def write_table(table: pa.Table, sort_key: np.ndarray, folder: Path, partitioned: bool,
                storage: str = "parquet") -> int:
    """Writes one table under `folder`; returns the number of files."""
    if not partitioned:
        return _write_parts(table.take(np.argsort(sort_key, kind="stable")), folder, storage)
    days = pc.cast(table["ts"], pa.date32()).to_numpy(zero_copy_only=False)
    order = np.lexsort((sort_key, days))
    table, days = table.take(order), days[order]
    files = 0
    boundaries = np.flatnonzero(days[1:] != days[:-1]) + 1
    for start, stop in zip(np.r_[0, boundaries], np.r_[boundaries, len(days)]):
        files += _write_parts(table.slice(start, stop - start), folder / f"dt={days[start]}", storage)
    return files

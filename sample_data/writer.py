"""Writes tables the way a lake holds them: Hive folders of Parquet files.

Files are sorted by the subject's identifier and cut into small row groups
so that a per-employee lookup can skip most of each file on min/max
statistics; partitioning by employee would instead make millions of tiny
files.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

ROW_GROUP_SIZE = 8_192
MAX_ROWS_PER_FILE = 1_000_000


def _write_parts(table: pa.Table, folder: Path) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    files = 0
    for offset in range(0, max(table.num_rows, 1), MAX_ROWS_PER_FILE):
        part = table.slice(offset, MAX_ROWS_PER_FILE)
        pq.write_table(part, folder / f"part-{files:05d}.parquet", row_group_size=ROW_GROUP_SIZE,
                       compression="zstd", write_statistics=True)
        files += 1
    return files


def write_table(table: pa.Table, sort_key: np.ndarray, folder: Path, partitioned: bool) -> int:
    """Writes one table under `folder`; returns the number of files."""
    if not partitioned:
        return _write_parts(table.take(np.argsort(sort_key, kind="stable")), folder)
    days = pc.cast(table["ts"], pa.date32()).to_numpy(zero_copy_only=False)
    order = np.lexsort((sort_key, days))
    table, days = table.take(order), days[order]
    files = 0
    boundaries = np.flatnonzero(days[1:] != days[:-1]) + 1
    for start, stop in zip(np.r_[0, boundaries], np.r_[boundaries, len(days)]):
        files += _write_parts(table.slice(start, stop - start), folder / f"dt={days[start]}")
    return files

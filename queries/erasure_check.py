"""Checking that an erasure left nothing behind.

Discovery and the subject index, refreshed after the swap, must find no
row about the subject in the tables that were not erased (new data may
have landed). The erased tables are checked from their data, not from the
index the executor just updated: every value of every text column of their
files is decoded and searched for the identifiers (inside JSON and lists
too) and for values that, in each file, only the subject's rows held.
Every file's raw bytes are searched for the subject's id and email, since
compressed pages hide bytes from a raw search and decoding misses what no
column holds.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from queries.backend import Backend
from queries.directory import Employee
from queries.erasure_plan import TablePlan

CHUNK = 8 << 20


def verify_erasure(backend: Backend, employee: Employee, tables: list[TablePlan],
                   traces: dict[str, list[str]]) -> dict:
    """Discovery finds nothing outside what was kept; no file's raw bytes,
    and no decoded value in the erased tables, hold the subject's
    identifiers; no rewritten file still holds a value that, in that file,
    only the subject's rows held."""
    kept = {t.table for t in tables if not t.erase}
    left = [(p.table, p.rows) for p in backend.index.tables_about(employee.employee_id, backend.register,
                                                                   datetime.now(UTC).date())
            if p.rows and p.table not in kept]
    catalog = backend.catalog()
    kept_files = {f for t in kept if catalog.get(t) for f in catalog.get(t).files}
    identifiers = [employee.employee_id, employee.email]
    root = backend.settings.warehouse.path
    raw_hits, scanned = [], 0
    for path in sorted(root.rglob("*")):
        if not path.is_file() or str(path) in kept_files:
            continue
        scanned += 1
        if contains(path, identifiers):
            raw_hits.append(str(path.relative_to(root)))
    decoded_hits, values_checked = [], 0
    erased_files = {f for t in tables if t.erase and catalog.get(t.table) for f in catalog.get(t.table).files}
    for file in sorted(erased_files):
        values_checked += len(traces.get(file, []))
        if _decoded_contains(Path(file), identifiers, traces.get(file, [])) or (
                traces.get(file) and contains(Path(file), traces[file])):
            decoded_hits.append(str(Path(file).relative_to(root)))
    return {"passed": not left and not raw_hits and not decoded_hits, "rows_left_outside_kept_tables": left,
            "files_scanned": scanned, "files_with_identifiers_in_raw_bytes": raw_hits,
            "files_with_traces_in_decoded_values": decoded_hits, "distinctive_values_checked": values_checked,
            "checked_at": datetime.now(UTC).isoformat(timespec="seconds")}


def contains(path: Path, needles: list[str]) -> bool:
    pattern = re.compile(b"|".join(re.escape(n.encode()) for n in sorted(set(needles), key=len, reverse=True)))
    overlap = max(len(n.encode()) for n in needles)
    tail = b""
    with open(path, "rb") as source:
        for block in iter(lambda: source.read(CHUNK), b""):
            if pattern.search(tail + block):
                return True
            tail = block[-overlap:]
    return False


def _decoded_contains(path: Path, identifiers: list[str], values: list[str]) -> bool:
    """Any text value containing an identifier (they sit inside JSON too), or equal to one of `values`."""
    table = pq.read_table(path)
    for column in table.columns:
        column_values = column.combine_chunks()
        while pa.types.is_list(column_values.type) or pa.types.is_large_list(column_values.type):
            column_values = pc.list_flatten(column_values)
        if not pa.types.is_string(column_values.type) and not pa.types.is_large_string(column_values.type):
            continue
        if values and pc.any(pc.is_in(column_values, pa.array(values))).as_py():
            return True
        text = pc.utf8_lower(column_values)
        if any(pc.any(pc.match_substring(text, needle.casefold())).as_py() for needle in identifiers):
            return True
    return False

"""Checking that an erasure left nothing behind.

Discovery and the subject index, refreshed after the swap, must find no
row about the subject in the tables that were not erased (new data may
have landed), and the index's own token matching, run again over every
rewritten file that its decoded values do not clear (`token_prefilter`),
must find no row naming them in any form. The erased tables are checked
from their data, not from the index the executor just updated: every value of every text column of their
files is decoded and searched for the identifiers (inside JSON and lists
too) and for values that, in each file, only the subject's rows held.
Every file's raw bytes are searched for the subject's identifiers (and a
rewritten file's for its distinctive values), since compressed pages hide
bytes from a raw search and decoding misses what no column holds. A raw hit
counts unless the file decodes and, read value by value as discovery reads
it, names the subject nowhere (a longer token such as somebody else's
`E002190` contains `E00219`).

Text columns are read as the dictionaries Parquet stores them in where it
does, so each distinct value is searched once: that, and checking several
files at once, keeps verification a fraction of the rewrite's cost.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from queries.backend import Backend
from queries.discovery.catalog import TableFinding
from queries.discovery.directory import Employee
from queries.discovery.subject_keys import keys_of, subject_prefilter
from queries.erasure.plan import TablePlan
from queries.erasure.byte_sweep import AVRO_MAGIC, GZIP_MAGIC, SweepError, readable_pieces
from queries.erasure.journal import table_entry
from queries.erasure.redact import RowFinder
from queries.erasure.token_prefilter import may_name, read_for_tokens
from queries.warehouse.engine import TableRef
from queries.warehouse.table_format import TableErasure

CHUNK = 8 << 20
ICEBERG_BOUND = 16
TOKEN_EDGE = r"[^A-Za-z0-9._%+@\-]"  # a byte that cannot continue a token


def verify_erasure(backend: Backend, employee: Employee, tables: list[TablePlan],
                   traces: dict[str, list[str]]) -> dict:
    """Discovery finds nothing outside what was kept; no file's raw bytes,
    and no decoded value in the erased tables, hold the subject's
    identifiers; no rewritten file still holds a value that, in that file,
    only the subject's rows held. Files are checked `erasure.workers` at a
    time."""
    kept = {t.table for t in tables if not t.erase}
    left = [(p.table, p.rows) for p in backend.index.tables_about(employee.employee_id, backend.register,
                                                                   datetime.now(UTC).date())
            if p.rows and p.table not in kept]
    catalog = backend.catalog()
    kept_files = {f for t in kept if catalog.get(t) for f in catalog.get(t).files}
    kept_files |= {f for t in tables if not t.erase and t.whole_table
                   for f in _erasure(backend, t.table).location_files()}
    erased_files = {f for t in tables if t.erase and catalog.get(t.table) for f in catalog.get(t.table).files}
    traces = {**traces, **{f: traces.get(table_entry(t.table), []) for t in tables if t.erase and t.whole_table
                           and catalog.get(t.table) for f in catalog.get(t.table).files}}
    identifiers = searched_identifiers(employee)
    storage = backend.warehouse.storage
    # Every file under the location of a table with its own metadata, read
    # wherever it lives (its catalog can put it outside the warehouse); its
    # Parquet files that are not data (a Delta checkpoint) are decoded too.
    in_tables = {f: erasure for t in tables if t.erase and t.whole_table
                 for erasure in [_erasure(backend, t.table)] for f in erasure.location_files()}
    swept = sorted({f.path for f in storage.files(storage.root, hidden=True) if f.path not in kept_files}
                   | set(in_tables))
    bounds = bound_prefixes(identifiers)

    def opened(path: str) -> pa.NativeFile:
        return pa.BufferReader(in_tables[path].read_bytes(path)) if path in in_tables else storage.open(path)

    decoded = sorted(erased_files)
    with ThreadPoolExecutor(backend.settings.erasure.workers, thread_name_prefix="erasure-check") as pool:
        raw = dict(zip(swept, pool.map(lambda path: _swept(opened(path), path, identifiers + traces.get(path, []) + (
            bounds if path in in_tables else [])), swept)))
        table_of = {f: finding for finding in catalog.findings if not finding.error for f in finding.files}
        prefilter = subject_prefilter(keys_of(employee))

        def checked(file: str) -> tuple[bool, bool]:
            columns, schema = _text_columns(backend.finder, table_of[file], file)
            return (_decoded_contains(columns, identifiers, traces.get(file, [])),
                    schema is None or may_name(schema, columns, prefilter))
        found = dict(zip(decoded, pool.map(checked, decoded)))
        decoded_hits = [storage.relative(f) for f, (hit, _) in found.items() if hit]
        metadata = sorted(f for f in in_tables if f not in erased_files and f.endswith(".parquet"))
        decoded_hits += [storage.relative(f) for f, hit in zip(metadata, pool.map(
            lambda file: _decoded_contains(parquet_text_columns(opened(file))[0], identifiers + bounds, []), metadata))
                         if hit]
    token_hits = [storage.relative(f) for f in backend.finder.files_naming(
        table_of, [f for f, (_, maybe) in found.items() if maybe], employee)]
    raw_hits = [storage.relative(p) for p, found in raw.items() if found is True and not _explained(
        backend.finder, p, table_of, employee, identifiers, traces.get(p, []))]
    unsearchable = [storage.relative(p) for p, found in raw.items() if found is None]
    return {"passed": not left and not raw_hits and not decoded_hits and not token_hits and not unsearchable,
            "rows_left_outside_kept_tables": left, "files_with_rows_still_naming_them": token_hits,
            "files_scanned": len(raw), "files_with_traces_in_raw_bytes": raw_hits,
            "files_that_cannot_be_searched": unsearchable,
            "files_with_traces_in_decoded_values": decoded_hits,
            "distinctive_values_checked": sum(len(traces.get(f, [])) for f in decoded),
            "checked_at": datetime.now(UTC).isoformat(timespec="seconds")}


def bound_prefixes(identifiers: list[str]) -> list[str]:
    """What an Iceberg manifest keeps of a long identifier as a column
    bound: its first characters (the `truncate(16)` metrics default)."""
    return sorted({i[:ICEBERG_BOUND] for i in identifiers if len(i) > ICEBERG_BOUND})


def _erasure(backend: Backend, table: str) -> TableErasure:
    """The format's steps of a table with its own metadata (Iceberg, Delta): here, to list and read its files."""
    return backend.warehouse.erasure(TableRef.parse(table), lambda value: False)


def _explained(finder: RowFinder, path: str, table_of: dict, employee: Employee, identifiers: list[str],
               values: list[str]) -> bool:
    """A raw-byte hit in a data file whose decoded values name the subject
    nowhere, as a whole token (somebody else's `E002190` holds `E00219`),
    and hold none of the values only their rows held."""
    finding = table_of.get(path)
    if finding is None:
        return False
    return not finder.rows_naming(finding, path, employee) and not _decoded_contains(
        _text_columns(finder, finding, path)[0], identifiers, values)


def searched_identifiers(employee: Employee) -> list[str]:
    """What the byte searches look for: every key long and distinctive enough
    to search as a substring (id, email, badge, hostnames, hashes in both
    cases); a short login inside another word is left to the token check,
    which re-runs the index's own matching on the rewritten files."""
    keys = [k for k in keys_of(employee) if k.kind != "login"]
    return sorted({form for k in keys for form in (k.key, k.key.upper())} | {employee.employee_id, employee.email})


def _swept(source: pa.NativeFile, name: str, needles: list[str]) -> bool | None:
    """`contains`, or None for a file that cannot be searched (a broken
    compressed stream): it is reported, never passed as clean."""
    try:
        return contains(source, name, needles)
    except SweepError:
        return None


def contains(source: pa.NativeFile, name: str, needles: list[str]) -> bool:
    """Whether the file's bytes hold any needle, read a block at a time with
    enough of the previous block kept that no needle is missed at a seam; a
    gzip stream or an Avro file decompressed (`byte_sweep`). Closes `source`."""
    pattern = _alternatives(needles)
    with source:
        head = source.read(len(AVRO_MAGIC))
        if head.startswith((GZIP_MAGIC, AVRO_MAGIC)):
            data = head + source.read()
            return any(_block_matches(pa.py_buffer(piece), pattern) for piece in readable_pieces(data, name))
        source.seek(0)
        overlap = max(len(n.encode()) for n in needles)
        tail = b""
        for block in iter(lambda: source.read(CHUNK), b""):
            if _block_matches(pa.py_buffer(tail + block), pattern):
                return True
            tail = block[-overlap:]
        return False


def _alternatives(needles: list[str]) -> str:
    return "|".join(re.escape(n) for n in sorted(set(needles), key=len, reverse=True))


def _bounded(identifiers: list[str]) -> str:
    """Identifiers as whole tokens within a value, as discovery reads them:
    `E00219` is not found inside `E002190` or `xE00219`, so an erasure is
    not failed by somebody else's value that merely contains the subject's."""
    return f"(?:^|{TOKEN_EDGE})(?:{_alternatives(identifiers)})(?:{TOKEN_EDGE}|$)"


def _block_matches(data: pa.Buffer, pattern: str) -> bool:
    """RE2 over bytes as they are (Arrow matches binary byte by byte): one
    linear pass whatever the number of needles, outside the GIL."""
    offsets = pa.array([0, data.size], pa.int64()).buffers()[1]
    block = pa.Array.from_buffers(pa.large_binary(), 1, [None, offsets, data])
    return pc.any(pc.match_substring_regex(block, pattern)).as_py()


def _holds_text(kind: pa.DataType) -> bool:
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return True
    if pa.types.is_dictionary(kind):
        return _holds_text(kind.value_type)
    if pa.types.is_map(kind):
        return _holds_text(kind.key_type) or _holds_text(kind.item_type)
    if pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_fixed_size_list(kind):
        return _holds_text(kind.value_type)
    if pa.types.is_struct(kind):
        return any(_holds_text(kind.field(i).type) for i in range(kind.num_fields))
    return False


def _text_arrays(values: pa.Array):
    """Every string array inside `values`, through lists, maps, structs;
    of a dictionary, only its distinct values."""
    kind = values.type
    if pa.types.is_dictionary(kind):
        yield from _text_arrays(values.dictionary)
    elif pa.types.is_string(kind) or pa.types.is_large_string(kind):
        yield values
    elif pa.types.is_map(kind):
        yield from _text_arrays(values.keys)
        yield from _text_arrays(values.items)
    elif pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_fixed_size_list(kind):
        yield from _text_arrays(values.flatten())
    elif pa.types.is_struct(kind):
        for i in range(kind.num_fields):
            yield from _text_arrays(values.field(i))


def _text_columns(finder: RowFinder, finding: TableFinding, path: str) -> tuple[pa.Table, pa.Schema | None]:
    """A data file's columns that hold text, decoded, and for a Parquet file
    of a Hive folder its integer columns too and its schema (`None`
    elsewhere: `may_name` is not asked). Parquet's text columns are read as
    the dictionaries the file stores them in, so each distinct value is
    searched once."""
    folders = finder.warehouse.hive_folders
    if finding.erasure not in ("files", ""):
        [rows] = finder.warehouse.format_of(finding.table).read(finding.table, [path])
    elif folders.file_kind(path) != "parquet":
        rows = folders.read_file(finding.table, path)
    else:
        return parquet_text_columns(folders.storage.open(path), integers=True)
    return rows.select([field.name for field in rows.schema if _holds_text(field.type)]), None


def parquet_text_columns(source: pa.NativeFile, integers: bool = False) -> tuple[pa.Table, pa.Schema]:
    """A Parquet file's text columns (with `integers`, also every column the
    token matching reads whose values can be told: `read_for_tokens`), and
    its schema. Closes `source`."""
    with source:
        schema = pq.read_schema(source)
        wanted = [field.name for field in schema
                  if _holds_text(field.type) or (integers and read_for_tokens(field.type))]
        flat = [field.name for field in schema
                if pa.types.is_string(field.type) or pa.types.is_large_string(field.type)]
        return pq.ParquetFile(source, read_dictionary=flat).read(columns=wanted), schema


def _decoded_contains(table: pa.Table, identifiers: list[str], values: list[str]) -> bool:
    """Any text value containing an identifier (they sit inside JSON too,
    in any case), or equal to one of `values`. A column's values are first
    searched as one block of bytes, value by value only on a hit (which may
    straddle two values)."""
    named = _bounded(identifiers)
    planted = pa.array(values, pa.string()) if values else None
    prefilter = "|".join([f"(?i:{_alternatives(identifiers)})"] + ([_alternatives(values)] if values else []))
    for column in table.columns:
        for chunk in column.chunks:
            for strings in _text_arrays(chunk):
                # Arrow folds case in binary only for ASCII: other identifiers go straight to the UTF-8 search.
                if all(i.isascii() for i in identifiers) and not _block_matches(_data(strings), prefilter):
                    continue
                if pc.any(pc.match_substring_regex(strings, named, ignore_case=True)).as_py():
                    return True
                if planted is not None and pc.any(pc.is_in(strings, value_set=planted)).as_py():
                    return True
    return False


def _data(strings: pa.Array) -> pa.Buffer:
    """The bytes behind a string array's values (possibly more: a slice's
    neighbours, which can only add hits that the value-by-value search then
    rules out)."""
    return strings.buffers()[2] or pa.py_buffer(b"")

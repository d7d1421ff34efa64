"""Describes every table of the warehouse: its files, columns and types,
and which columns the subject index must cut into tokens to find people.

Nothing is sampled and no column is trusted by its name: every column of a
type that can hold an identifier (text, integers, binary, UUIDs, and every
nested type: lists, arrays, structs, maps, unions, JSON) is searched in
every row by the subject index (`subject_keys`, `subject_index`); the
columns left out are listed with their type (floating-point numbers, times,
dates, booleans cannot hold an identifier). The register is checked against
what the index finds, never the other way round.

Findings are cached in the state folder per table, keyed on a fingerprint of
the table's files: path, size, modification time, inode and change time, and a
digest of each Parquet footer (row counts, offsets, statistics), or of the
whole file for other formats, so a rewrite that keeps the size and restores
the modification time is still seen.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from dataclasses import asdict, dataclass, field, replace
from functools import cached_property
from pathlib import Path

from queries import sql
from queries.warehouse.engine import DataFile, Rows, TableRef, Warehouse, WarehouseError
from queries.warehouse.storage import Storage

log = logging.getLogger(__name__)

CACHE_FILE = "discovery.json"
_SQL_USED = ("describe_table",)
FORMAT = 5  # bump when a finding gains a field or the rules change
UNSCANNED_TYPES = ("FLOAT", "DOUBLE", "DECIMAL", "DATE", "TIME", "TIMESTAMP", "BOOLEAN", "INTERVAL")
NESTED_TYPES = ("STRUCT", "MAP", "UNION", "JSON")
FOOTER_TAIL = 8  # a Parquet file ends with the footer's length (4 bytes) and "PAR1"


@dataclass(frozen=True)
class TableFinding:
    table: TableRef
    columns: tuple[tuple[str, str], ...] = ()
    files: tuple[str, ...] = ()
    fingerprint: str = ""
    error: str | None = None
    time_column: str | None = None  # when each row was captured, if the table says
    scanned: tuple[tuple[str, bool], ...] = ()  # (column, nested) cut into tokens by the subject index
    skipped: tuple[tuple[str, str], ...] = ()  # (column, type) that cannot hold an identifier
    storage: str = ""  # what the files are: "Hive folder of ORC files", "Iceberg table"
    erasure: str = ""  # how an erasure rewrites it (`Inspection.erasure`); "" when Daylight cannot
    unread: tuple[tuple[str, str], ...] = ()  # (file, why) not searched: the rest of the table still is
    notes: tuple[str, ...] = ()  # how the table was read, where that is not the obvious way

    def to_json(self) -> dict:
        data = asdict(self)
        data["table"] = self.table.qualified_name
        return data

    @staticmethod
    def from_json(data: dict) -> TableFinding:
        return TableFinding(
            table=TableRef.parse(data["table"]),
            columns=tuple(tuple(c) for c in data["columns"]),
            files=tuple(data["files"]),
            fingerprint=data["fingerprint"],
            error=data["error"],
            time_column=data["time_column"],
            scanned=tuple((c, bool(n)) for c, n in data["scanned"]),
            skipped=tuple(tuple(c) for c in data["skipped"]),
            storage=data["storage"],
            erasure=data["erasure"],
            unread=tuple(tuple(u) for u in data["unread"]),
            notes=tuple(data["notes"]),
        )


@dataclass(frozen=True)
class Catalog:
    """What discovery found: every table, with or without people in it."""

    findings: tuple[TableFinding, ...] = field(default_factory=tuple)
    unlisted: tuple[tuple[str, str], ...] = ()  # (format, why) whose tables could not even be listed

    def scannable(self) -> list[TableFinding]:
        """The readable tables with a column that can hold an identifier:
        the subject index cuts every one of their rows into tokens."""
        return [f for f in self.findings if f.scanned and not f.error]

    def unreadable(self) -> list[TableFinding]:
        return [f for f in self.findings if f.error]

    def unread_files(self) -> list[tuple[str, str, str]]:
        """(table, file, why) of every file not searched in a table whose other files were."""
        return [(f.table.qualified_name, file, why) for f in self.findings if not f.error for file, why in f.unread]

    @cached_property
    def _by_name(self) -> dict[str, TableFinding]:
        return {f.table.qualified_name: f for f in self.findings}

    def get(self, qualified_name: str) -> TableFinding | None:
        return self._by_name.get(qualified_name)


def _content_digest(storage: Storage, path: str) -> str:
    """What changes when the file's content does: what the storage says
    changes on every write (a local file's inode and change time, which no
    tool can set back, unlike the modification time) and the Parquet
    footer's digest, or the whole file's for other formats."""
    digest = hashlib.sha256()
    try:
        digest.update(f"{storage.identity(path)}\0".encode())
        with storage.open(path) as data:
            size = data.size()
            if size >= FOOTER_TAIL:
                data.seek(size - FOOTER_TAIL)
                tail = data.read(FOOTER_TAIL)
                footer = int.from_bytes(tail[:4], "little")
                if tail[4:] == b"PAR1" and footer + FOOTER_TAIL <= size:
                    data.seek(size - FOOTER_TAIL - footer)
                    digest.update(data.read(footer + FOOTER_TAIL))
                    return digest.hexdigest()
            data.seek(0)
            for block in iter(lambda: data.read(1 << 20), b""):
                digest.update(block)
    except OSError as problem:
        return f"unreadable: {problem.strerror or problem}"
    return digest.hexdigest()


def fingerprint(storage: Storage, files: list[DataFile]) -> str:
    digest = hashlib.sha256()
    for f in files:
        digest.update(f"{f.path}\0{f.size}\0{f.modified_ns}\0{_content_digest(storage, f.path)}\n".encode())
    return digest.hexdigest()


def _scanned(columns: tuple[tuple[str, str], ...]) -> tuple[tuple, tuple]:
    """(column, nested) to cut into tokens, and (column, type) left out."""
    scanned, skipped = [], []
    for name, kind in columns:
        if kind.endswith("]") or kind.startswith(NESTED_TYPES):
            scanned.append((name, True))
        elif kind.startswith(UNSCANNED_TYPES):
            skipped.append((name, kind))
        else:
            scanned.append((name, False))
    return tuple(scanned), tuple(skipped)



def _inspect(warehouse: Warehouse, table: TableRef, watched: list[DataFile], files: list[DataFile]) -> TableFinding:
    common = {"table": table, "files": tuple(f.path for f in files),
              "fingerprint": fingerprint(warehouse.storage, watched)}
    if not files:
        return TableFinding(**common, error="the table has no data files")
    try:
        inspection = warehouse.inspect(table, files)
        common.update(files=inspection.readable, storage=inspection.storage, erasure=inspection.erasure,
                      unread=inspection.unread, notes=inspection.notes)
        if not inspection.readable:
            why = "; ".join(f"{Storage.name(file)}: {reason}" for file, reason in inspection.unread[:3])
            return TableFinding(**common, error=f"cannot be read: no file of it reads ({why})")
        rows = Rows.of_schema(inspection.schema) if inspection.schema is not None else \
            warehouse.rows([(table, list(inspection.readable))])
        described = warehouse.query(sql.render("describe_table", fragments={"rows": rows.plain}),
                                    relations=rows.relations)
    except WarehouseError as problem:
        log.warning("discovery could not read %s: %s", table.qualified_name, problem)
        return TableFinding(**common, error=f"cannot be read: {problem}")
    for file, reason in inspection.unread:
        log.warning("discovery could not read %s of %s: %s", file, table.qualified_name, reason)
    columns = tuple((row[0], row[1]) for row in described)
    scanned, skipped = _scanned(columns)
    return TableFinding(**common, columns=columns, time_column=_time_column(columns), scanned=scanned, skipped=skipped)


def _method_version() -> str:
    """Findings made by other SQL or thresholds are not reused."""
    method = "\n".join(sql.load(name) for name in _SQL_USED) + f"\n{FORMAT}"
    return hashlib.sha256(method.encode()).hexdigest()


def _time_column(columns: tuple[tuple[str, str], ...]) -> str | None:
    """The first timestamp column, else the first date column (a `day`, or
    the `dt` partition)."""
    for prefix in ("TIMESTAMP", "DATE"):
        for name, kind in columns:
            if kind.startswith(prefix):
                return name
    return None


def load_catalog(path: Path) -> Catalog | None:
    """A catalog saved by `save_catalog`, or None when there is none or it
    was made by other rules (it is then made again)."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if raw.get("method") != _method_version():
            return None
        return Catalog(tuple(TableFinding.from_json(item) for item in raw["findings"]),
                       tuple((kind, why) for kind, why in raw.get("unlisted", [])))
    except FileNotFoundError:
        return None
    except (json.JSONDecodeError, KeyError, TypeError, ValueError):
        log.warning("discovery cache %s is unreadable; rebuilding it", path)
        return None


def save_catalog(path: Path, catalog: Catalog) -> None:
    """Several portal processes may share a state folder (`state.index_role`):
    each writes its own temporary file and renames it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
    temporary.write_text(json.dumps({"method": _method_version(), "findings": [f.to_json() for f in catalog.findings],
                                     "unlisted": [list(u) for u in catalog.unlisted]}), encoding="utf-8")
    os.replace(temporary, path)


def discover(warehouse: Warehouse, state_dir: Path) -> Catalog:
    """Inspects every table whose files changed since the last pass."""
    cache_path = Path(state_dir) / CACHE_FILE
    cached = {f.table.qualified_name: f for f in (load_catalog(cache_path) or Catalog()).findings}
    findings = []
    for table in warehouse.tables():
        try:
            watched, files = warehouse.watched(table), warehouse.files(table)
        except WarehouseError as problem:
            log.warning("discovery could not list %s: %s", table.qualified_name, problem)
            findings.append(TableFinding(table, error=f"its files cannot be listed: {problem}"))
            continue
        previous = cached.get(table.qualified_name)
        if previous and previous.fingerprint == fingerprint(warehouse.storage, watched):
            findings.append(previous)
        else:
            findings.append(_inspect(warehouse, table, watched, files))
    catalog = Catalog(tuple(findings), tuple(sorted(warehouse.unlisted.items())))
    save_catalog(cache_path, catalog)
    return catalog


def carry_over(warehouse: Warehouse, catalog: Catalog, state_dir: Path, tables: set[str]) -> Catalog:
    """After an erasure rewrote the files of `tables` in place, only rows
    gone and the schema cast back to the original, their findings still
    hold: the new fingerprints are recorded instead of inspecting the tables
    again. A table whose file list changed meanwhile is left to the next
    pass."""
    findings = []
    for finding in catalog.findings:
        if finding.table.qualified_name in tables:
            files, watched = warehouse.files(finding.table), warehouse.watched(finding.table)
            if tuple(f.path for f in files) == finding.files:
                finding = replace(finding, fingerprint=fingerprint(warehouse.storage, watched))
        findings.append(finding)
    updated = Catalog(tuple(findings), catalog.unlisted)
    save_catalog(Path(state_dir) / CACHE_FILE, updated)
    return updated

"""Delta Lake tables, read and erased through their log with deltalake
(delta-rs).

A table folder holding a `_delta_log` is a Delta table: the log, not the
folder, says which Parquet files hold its rows now (others are removed
files not yet vacuumed) and what its partitions are. What the table holds
changes with its latest log entry: that is what discovery watches.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import unquote, urlparse

import pyarrow as pa
import pyarrow.compute as pc
from deltalake import CommitProperties, DeltaTable, write_deltalake
from deltalake.exceptions import CommitFailedError

from queries.warehouse.storage import Storage
from queries.warehouse.table_format import DataFile, Inspection, TableFormat, TableRef

DATABASE_SUFFIX = ".db"
LOG_FOLDER = "_delta_log"
ERASURE_PROPERTY = "daylight.erasure"  # in the commit an erasure makes: resuming finds it done
COUNT_PREFIX = "daylight."
COMMIT_ATTEMPTS = 5
_LOG_ENTRY = re.compile(r"^(\d{20})\.(json|crc|checkpoint\.parquet|checkpoint\.\d+\.\d+\.parquet)$")


class DeltaTableError(Exception):
    """A Delta table cannot be erased as asked; the message says why."""


def _path(uri: str) -> str:
    """A file's URI as the warehouse's storage names it: a local path, or `bucket/key`."""
    parsed = urlparse(uri)
    return unquote(parsed.path) if parsed.scheme in ("", "file") else unquote(parsed.netloc + parsed.path)


class DeltaTables(TableFormat):
    """Delta tables in the warehouse's folders, local or on object storage
    (`options`: delta-rs's storage options, the same endpoint and credentials)."""

    name = "delta"

    def __init__(self, storage: Storage, options: dict[str, str] | None = None):
        self.storage, self._options = storage, options or {}

    def _folders(self) -> dict[TableRef, str]:
        found, storage = {}, self.storage
        for database_dir in storage.subfolders(storage.root):
            database = storage.name(database_dir)
            if database.endswith(DATABASE_SUFFIX):
                for folder in storage.subfolders(database_dir):
                    if storage.is_dir(storage.join(folder, LOG_FOLDER)):
                        found[TableRef(database[: -len(DATABASE_SUFFIX)], storage.name(folder))] = folder
        return found

    def tables(self) -> list[TableRef]:
        return list(self._folders())

    def folders(self) -> set[str]:
        return set(self._folders().values())

    def folder(self, table: TableRef) -> str:
        return self.storage.join(self.storage.root, f"{table.database}{DATABASE_SUFFIX}", table.name)

    def log_folder(self, table: TableRef) -> str:
        return self.storage.join(self.folder(table), LOG_FOLDER)

    def table(self, table: TableRef) -> DeltaTable:
        return DeltaTable(self.storage.uri(self.folder(table)), storage_options=self._options or None)

    def files(self, table: TableRef) -> list[DataFile]:
        """The files of the latest version, as its log lists them."""
        return [DataFile(_path(uri), 0, 0) for uri in self.table(table).file_uris()]

    def watched(self, table: TableRef) -> list[DataFile]:
        version = self.table(table).version()
        entry = self.storage.stat(self.storage.join(self.log_folder(table), f"{version:020d}.json"))
        return [entry] if entry else []

    def inspect(self, table: TableRef, files: list[DataFile]) -> Inspection:
        loaded = self.table(table)
        partitioned = " partitioned" if loaded.metadata().partition_columns else ""
        return Inspection(tuple(f.path for f in files), schema=loaded.to_pyarrow_dataset().schema,
                          storage=f"Delta{partitioned} table (version {loaded.version()})", erasure="delta")

    def read(self, table: TableRef, files: list[str]) -> list[pa.Table]:
        """Each file's rows with its partition values, as the log describes it."""
        dataset = self.table(table).to_pyarrow_dataset()
        folder = self.folder(table)
        fragments = {self.storage.join(folder, unquote(fragment.path)): fragment
                     for fragment in dataset.get_fragments()}
        return [fragments[file].to_table(schema=dataset.schema) if file in fragments else dataset.schema.empty_table()
                for file in files]

    def erasure(self, table: TableRef, identifying: Callable[[str], bool]) -> DeltaErasure:
        return DeltaErasure(self, table, identifying)


def _committed(table: DeltaTable, marker: str) -> dict[str, int] | None:
    for commit in table.history():
        if commit.get(ERASURE_PROPERTY) == marker:
            return {key[len(COUNT_PREFIX):]: int(value) for key, value in commit.items()
                    if key.startswith(COUNT_PREFIX) and key != ERASURE_PROPERTY}
    return None


def _quoted(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


class DeltaErasure:
    """An erasure's steps on one Delta table, through its log: the
    partitions holding the subject overwritten (by a predicate on their
    partition values, never on the subject's identifier: the predicate is
    written into the log), the log before a new checkpoint removed (its
    `add` actions carry column statistics, which can be the subject's
    email), and every file no version references vacuumed at once. Each
    step ends in the same state when run again after a crash."""

    def __init__(self, tables: DeltaTables, ref: TableRef, identifying: Callable[[str], bool]):
        self._tables, self._ref, self._identifying = tables, ref, identifying

    def rewrite(self, files: set[str], change: Callable[[pa.Table], tuple[pa.Table, dict[str, int]]],
                marker: str) -> dict[str, int]:
        """Replaces the partitions holding `files` by `change` of their rows,
        committed with `marker` and the counts (so a resumed run finds them).
        A partition value that `identifying` says names someone is never put
        in the predicate: the whole table is overwritten instead."""
        for _ in range(COMMIT_ATTEMPTS):
            table = self._tables.table(self._ref)
            if done := _committed(table, marker):
                return done
            columns = table.metadata().partition_columns
            actions = pa.table(table.get_add_actions(flatten=True)).to_pylist()
            folder = self._tables.folder(self._ref)
            touched = [a for a in actions if self._tables.storage.join(folder, unquote(a["path"])) in files]
            partitions = {tuple(a[f"partition.{c}"] for c in columns) for a in touched}
            predicate = None
            if columns and partitions and not any(self._identifying(str(v)) for p in partitions for v in p):
                predicate = " OR ".join("(" + " AND ".join(f"{c} = {_quoted(v)}" for c, v in zip(columns, p)) + ")"
                                        for p in sorted(partitions))
            rows = table.to_pyarrow_table()
            if predicate:
                keys = pc.binary_join_element_wise(*[pc.cast(rows[c], pa.string()) for c in columns], "\x00")
                chosen = pc.is_in(keys, value_set=pa.array(["\x00".join(map(str, p)) for p in partitions]))
                rows = rows.filter(chosen)
            new_rows, counts = change(rows)
            metadata = {ERASURE_PROPERTY: marker, **{COUNT_PREFIX + k: str(v) for k, v in counts.items()},
                        COUNT_PREFIX + "files_replaced": str(len(touched) if predicate else len(actions)),
                        COUNT_PREFIX + "bytes_replaced": str(sum(a["size_bytes"] for a in (touched if predicate
                                                                                         else actions)))}
            try:
                write_deltalake(table, new_rows.cast(rows.schema), mode="overwrite", predicate=predicate,
                                commit_properties=CommitProperties(custom_metadata=metadata))
            except CommitFailedError:
                continue
            return _committed(self._tables.table(self._ref), marker)
        raise DeltaTableError(f"{self._ref.qualified_name}: {COMMIT_ATTEMPTS} commits conflicted with other writers")

    def old_snapshots(self) -> list[int]:
        """The versions whose log entries go: all before the current one."""
        return list(range(self._tables.table(self._ref).version()))

    def expire(self, versions: list[int]) -> None:
        """Writes a checkpoint of the current version, then removes the log
        entries (commits, checksums, older checkpoints) of `versions`."""
        table = self._tables.table(self._ref)
        table.create_checkpoint()
        current, gone, storage = table.version(), set(versions), self._tables.storage
        for entry in storage.files(self._tables.log_folder(self._ref), hidden=True):
            match = _LOG_ENTRY.match(storage.name(entry.path))
            if match and int(match.group(1)) in gone and int(match.group(1)) < current:
                storage.remove(entry.path)

    def remove_unreferenced(self) -> list[str]:
        """Vacuums, for this table only and with no retention, every file no
        version references; returns them."""
        return self._tables.table(self._ref).vacuum(retention_hours=0, dry_run=False,
                                                    enforce_retention_duration=False, full=True)

    def referenced(self) -> set[str]:
        log = {f.path for f in self._tables.storage.files(self._tables.log_folder(self._ref), hidden=True)}
        return {_path(uri) for uri in self._tables.table(self._ref).file_uris()} | log

    def location_files(self) -> list[str]:
        return [f.path for f in self._tables.storage.files(self._tables.folder(self._ref), hidden=True)]

    def read_bytes(self, path: str) -> bytes:
        return self._tables.storage.read_bytes(path)

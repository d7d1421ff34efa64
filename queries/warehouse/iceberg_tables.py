"""Apache Iceberg tables, read through their catalog with pyiceberg.

The catalog says which tables exist and where their current metadata is;
Iceberg's own scan planning (partition and column statistics, delete
files) decides which data files hold the current rows, and pyiceberg reads
them as the table's schema defines them (renamed and added columns, deleted
rows) before DuckDB sees Arrow. Reading a data file directly would show
rows an Iceberg reader no longer sees, and miss schema changes.

What a table holds changes with its current metadata file: that is what
discovery's fingerprint watches. Any catalog pyiceberg supports (SQL on
SQLite for development, REST, Hive, Glue) is configured in `portal.toml`'s
`[iceberg]` section, or through pyiceberg's own `PYICEBERG_CATALOG__…`
environment variables, with no code change.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from urllib.parse import urlparse

import pyarrow as pa
from pyarrow.fs import FileSelector, FileSystem, FileType
from pyiceberg.catalog import Catalog, load_catalog
from pyiceberg.exceptions import CommitFailedException, NoSuchTableError
from pyiceberg.expressions import AlwaysTrue, And, BooleanExpression, EqualTo, IsNull, Or
from pyiceberg.io.pyarrow import ArrowScan
from pyiceberg.table import Table
from pyiceberg.transforms import IdentityTransform

from queries.warehouse.engine import WarehouseError
from queries.warehouse.table_format import DataFile, Inspection, TableFormat, TableRef

log = logging.getLogger(__name__)

CATALOG_NAME = "daylight"


class IcebergCatalogError(WarehouseError):
    """The Iceberg catalog cannot be opened, or a commit cannot be made; the message says why."""


def local_path(location: str) -> Path | None:
    """A `file:` URI or plain path as a local path; None for object storage."""
    parsed = urlparse(location)
    if parsed.scheme in ("", "file"):
        return Path(parsed.path).resolve()
    return None


class IcebergTables(TableFormat):
    name = "iceberg"

    def __init__(self, properties: Mapping[str, str]):
        self._properties = dict(properties)
        self._catalog: Catalog | None = None
        self._lock = threading.Lock()

    @staticmethod
    def sql_catalog(path: Path) -> IcebergTables:
        """The development catalog: a SQLite file, which must exist (an
        absent one would be created empty and hide every table)."""
        if not Path(path).is_file():
            raise IcebergCatalogError(f"Iceberg catalog {path} not found")
        return IcebergTables({"type": "sql", "uri": f"sqlite:///{Path(path).resolve()}"})

    @property
    def catalog(self) -> Catalog:
        with self._lock:
            if self._catalog is None:
                try:
                    self._catalog = load_catalog(CATALOG_NAME, **self._properties)
                except Exception as problem:  # pyiceberg raises whatever its catalog's client raises
                    raise IcebergCatalogError(f"the Iceberg catalog cannot be opened: {problem}") from problem
            return self._catalog

    def table(self, ref: TableRef) -> Table:
        return self.catalog.load_table((ref.database, ref.name))

    def tables(self) -> list[TableRef]:
        found = []
        for namespace in self.catalog.list_namespaces():
            found += [TableRef(".".join(identifier[:-1]), identifier[-1])
                      for identifier in self.catalog.list_tables(namespace)]
        return found

    def folders(self) -> set[str]:
        folders = set()
        for ref in self.tables():
            try:
                location = self.table(ref).location()
            except NoSuchTableError:
                continue
            folders.add(str(local_path(location) or _normalized(location)))
        return folders

    def files(self, table: TableRef) -> list[DataFile]:
        """The data files of the current snapshot, as Iceberg plans a full scan."""
        return [DataFile(_normalized(task.file.file_path), task.file.file_size_in_bytes, 0)
                for task in self.table(table).scan().plan_files()]

    def watched(self, table: TableRef) -> list[DataFile]:
        """The current metadata file: every commit writes a new one."""
        location = self.table(table).metadata_location
        path = local_path(location)
        size = os.path.getsize(path) if path and path.exists() else 0
        return [DataFile(str(path) if path else location, size, 0)]

    def inspect(self, table: TableRef, files: list[DataFile]) -> Inspection:
        loaded = self.table(table)
        snapshots = len(loaded.metadata.snapshots)
        partitioned = " partitioned" if not loaded.spec().is_unpartitioned() else ""
        return Inspection(tuple(f.path for f in files), schema=loaded.schema().as_arrow(),
                          storage=f"Iceberg{partitioned} table ({snapshots} snapshot{'s' * (snapshots != 1)})",
                          erasure="iceberg")

    def read(self, table: TableRef, files: list[str]) -> list[pa.Table]:
        """Each data file's current rows, with the table's delete files applied."""
        loaded = self.table(table)
        tasks = {_normalized(task.file.file_path): task for task in loaded.scan().plan_files()}
        scan = ArrowScan(loaded.metadata, loaded.io, loaded.schema(), AlwaysTrue())
        empty = loaded.schema().as_arrow().empty_table()
        return [scan.to_table([tasks[file]]) if file in tasks else empty for file in files]

    def erasure(self, table: TableRef, identifying: Callable[[str], bool]) -> IcebergErasure:
        """Iceberg writes no predicate into its metadata: `identifying` is not needed."""
        return IcebergErasure(self, table)


ERASURE_PROPERTY = "daylight.erasure"  # on the snapshot an erasure commits: resuming finds it done
COMMIT_ATTEMPTS = 5


COUNT_PREFIX = "daylight."


def _partition_filter(table: Table, partitions: set) -> BooleanExpression:
    """The rows of `partitions` (identity-partitioned tables); every row otherwise."""
    spec = table.spec()
    if spec.is_unpartitioned() or any(not isinstance(f.transform, IdentityTransform) for f in spec.fields):
        return AlwaysTrue()
    names = [table.schema().find_field(f.source_id).name for f in spec.fields]
    alternatives = []
    for partition in partitions:
        terms = [IsNull(name) if partition[i] is None else EqualTo(name, partition[i]) for i, name in enumerate(names)]
        alternatives.append(And(*terms) if len(terms) > 1 else terms[0])
    return Or(*alternatives) if len(alternatives) > 1 else alternatives[0]


def _committed(table: Table, marker: str) -> dict[str, int] | None:
    """The counts of the snapshot an erasure committed with `marker`, if any."""
    for snapshot in table.metadata.snapshots:
        summary = snapshot.summary.additional_properties if snapshot.summary else {}
        if summary.get(ERASURE_PROPERTY) == marker:
            return {key[len(COUNT_PREFIX):]: int(value) for key, value in summary.items()
                    if key.startswith(COUNT_PREFIX) and key != ERASURE_PROPERTY}
    return None


class IcebergErasure:
    """An erasure's steps on one Iceberg table, through the format's rules:
    copy-on-write of the partitions holding the subject, then snapshots
    expired, then every file under the table's location that the current
    metadata does not reference removed. Each step can run again after a
    crash and ends in the same state."""

    def __init__(self, tables: IcebergTables, ref: TableRef):
        self._tables, self._ref = tables, ref

    def rewrite(self, files: set[str], change: Callable[[pa.Table], tuple[pa.Table, dict[str, int]]],
                marker: str) -> dict[str, int]:
        """Replaces the partitions holding `files` by `change` of their rows,
        committed with `marker` and the counts `change` gives (kept in the
        snapshot's summary, so a resumed run finds them: it does not commit
        twice). A commit that conflicts with another writer is tried again
        from the table's new state. A second, empty commit follows, so that
        the current snapshot no longer lists the manifest of deleted entries
        (whose column bounds can be the subject's identifiers)."""
        for attempt in range(COMMIT_ATTEMPTS):
            table = self._tables.table(self._ref)
            if done := _committed(table, marker):
                return done
            tasks = list(table.scan().plan_files())
            partitions = {task.file.partition for task in tasks if _normalized(task.file.file_path) in files}
            where = _partition_filter(table, partitions)
            chosen = tasks if where == AlwaysTrue() else [t for t in tasks if t.file.partition in partitions]
            rows = ArrowScan(table.metadata, table.io, table.schema(), AlwaysTrue()).to_table(chosen)
            new_rows, counts = change(rows)
            summary = {f"{COUNT_PREFIX}{name}": str(value) for name, value in counts.items()}
            summary |= {COUNT_PREFIX + "files_replaced": str(len(chosen)),
                        COUNT_PREFIX + "bytes_replaced": str(sum(t.file.file_size_in_bytes for t in chosen))}
            try:
                with table.transaction() as transaction:
                    transaction.overwrite(new_rows.cast(rows.schema), overwrite_filter=where,
                                          snapshot_properties={ERASURE_PROPERTY: marker, **summary})
                    transaction.append(rows.schema.empty_table())
            except CommitFailedException:
                log.warning("erasure commit on %s conflicted (attempt %d); trying again from the table's new state",
                            self._ref.qualified_name, attempt + 1)
                continue
            return _committed(self._tables.table(self._ref), marker)
        raise IcebergCatalogError(f"{self._ref.qualified_name}: {COMMIT_ATTEMPTS} commits conflicted with other "
                                  "writers")

    def old_snapshots(self) -> list[int]:
        """The snapshots an erasure expires: all but the current one. A
        branch or tag holding an older snapshot is refused: it keeps the
        rows the erasure removed."""
        table = self._tables.table(self._ref)
        current = table.metadata.current_snapshot_id
        held = [name for name, ref in table.metadata.refs.items() if ref.snapshot_id != current]
        if held:
            raise IcebergCatalogError(f"{self._ref.qualified_name}: branch or tag {', '.join(held)} holds a "
                                      "snapshot from before the erasure; remove it, then run again")
        return [s.snapshot_id for s in table.metadata.snapshots if s.snapshot_id != current]

    def expire(self, snapshots: list[int]) -> None:
        """Expires those of `snapshots` the table still has."""
        for attempt in range(COMMIT_ATTEMPTS):
            table = self._tables.table(self._ref)
            left = [s for s in snapshots if table.metadata.snapshot_by_id(s) is not None
                    and s != table.metadata.current_snapshot_id]
            if not left:
                return
            try:
                table.maintenance.expire_snapshots().by_ids(left).commit()
                return
            except CommitFailedException:
                log.warning("expiring snapshots of %s conflicted (attempt %d)", self._ref.qualified_name, attempt + 1)
        raise IcebergCatalogError(f"{self._ref.qualified_name}: {COMMIT_ATTEMPTS} commits conflicted with other "
                                  "writers")

    def referenced(self) -> set[str]:
        """Every file the current metadata reaches: itself, manifest lists,
        manifests, data and delete files, statistics."""
        table = self._tables.table(self._ref)
        found = {table.metadata_location}
        for snapshot in table.metadata.snapshots:
            found.add(snapshot.manifest_list)
            for manifest in snapshot.manifests(table.io):
                found.add(manifest.manifest_path)
                found |= {entry.data_file.file_path for entry in manifest.fetch_manifest_entry(table.io)}
        found |= {s.statistics_path for s in table.metadata.statistics}
        found |= {s.statistics_path for s in table.metadata.partition_statistics}
        return {_normalized(path) for path in found}

    def _filesystem(self) -> tuple[FileSystem, str]:
        """The table location's file system, as the catalog's properties
        configure it (an S3 endpoint and credentials), and the location in it."""
        table = self._tables.table(self._ref)
        location = urlparse(table.location())
        return table.io.fs_by_scheme(location.scheme or "file", location.netloc), _normalized(table.location())

    def remove_unreferenced(self) -> list[str]:
        """Deletes every file under the table's location that the current
        metadata does not reference (old metadata files, manifests, manifest
        lists, data files of expired snapshots); returns them."""
        filesystem, root = self._filesystem()
        referenced = self.referenced()
        removed = []
        for info in filesystem.get_file_info(FileSelector(root, recursive=True)):
            if info.type == FileType.File and _normalized(info.path) not in referenced:
                filesystem.delete_file(info.path)
                removed.append(info.path)
        return removed

    def location_files(self) -> list[str]:
        """Every file under the table's location, for the byte sweep."""
        filesystem, root = self._filesystem()
        return sorted(info.path for info in filesystem.get_file_info(FileSelector(root, recursive=True))
                      if info.type == FileType.File)

    def read_bytes(self, path: str) -> bytes:
        filesystem, _ = self._filesystem()
        with filesystem.open_input_stream(path, compression=None) as stream:  # the bytes as stored
            return stream.read()


def _normalized(location: str) -> str:
    """A location as a plain path (local) or `bucket/key` (object storage):
    how files are named to the rest of Daylight, and how pyarrow lists them."""
    parsed = urlparse(location)
    return parsed.path if parsed.scheme in ("", "file") else f"{parsed.netloc}{parsed.path}"

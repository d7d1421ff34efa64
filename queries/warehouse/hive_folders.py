"""Hive tables as Hive writes them: `<database>.db/<table>/[k=v/…]` folders
whose files are Parquet, ORC or text, named anything (`000000_0`,
`part-00000-….c000`, `events.orc`).

Every file of a table folder is data, whatever its name: Parquet and ORC
are recognized by their magic bytes, anything else is text (gzip-compressed
or not; see `hive_text`). Hidden and underscore-prefixed files and folders
(`_SUCCESS`, `.crc`, writers' staging areas) are not data; links are not
followed, so a link cannot pull a file from outside the warehouse into a
table. A local folder that is all Parquet is read by DuckDB itself; any
other, and every folder on object storage (`storage`), is read file by
file with pyarrow. Formats Daylight cannot read (Avro,
SequenceFile, RCFile) are reported by name, with the reason, and never hide
the table's other files.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.orc as orc
import pyarrow.parquet as pq

from queries.warehouse.hive_text import GZIP_MAGIC, SCHEMA_FILE, TextLayout, TextLayoutError, read_text, text_bytes
from queries.warehouse.storage import Storage
from queries.warehouse.table_format import DataFile, Inspection, TableFormat, TableRef

DATABASE_SUFFIX = ".db"
DEFAULT_ROW_GROUP = 8192
_MAGIC = ((b"PAR1", "parquet"), (b"ORC", "orc"), (b"Obj\x01", "avro"), (b"SEQ", "sequencefile"),
          (b"RCF", "rcfile"))
_UNSUPPORTED = {"avro": "an Avro file: Daylight does not read Avro",
                "sequencefile": "a Hadoop SequenceFile: Daylight does not read SequenceFiles",
                "rcfile": "an RCFile: Daylight does not read RCFiles"}

_KIND_NAMES = {"parquet": "Parquet", "orc": "ORC", "text": "text"}


class WarehouseFolderError(Exception):
    """A table name leads outside the warehouse."""


def kind_of(head: bytes) -> str:
    """parquet, orc, avro, sequencefile, rcfile or text, by a file's first bytes."""
    return next((kind for magic, kind in _MAGIC if head.startswith(magic)), "text")


def partition_values(table_dir: str, path: str) -> dict[str, str]:
    """The `k=v` folders between the table's folder and the file."""
    parts = path[len(table_dir.rstrip("/")) + 1:].split("/")[:-1]
    return dict(part.split("=", 1) for part in parts if "=" in part)


class HiveFolders(TableFormat):
    name = "hive"

    def __init__(self, storage: Storage, claimed: Callable[[], set[str]] = set):
        self.storage = storage
        self._claimed = claimed

    def tables(self) -> list[TableRef]:
        """Every table folder that no other format claims (a Delta log, an
        Iceberg table's location); hidden ones are writers' staging areas."""
        claimed, found, storage = self._claimed(), [], self.storage
        for database_dir in storage.subfolders(storage.root):
            database = storage.name(database_dir)
            if database.endswith(DATABASE_SUFFIX):
                found += [TableRef(database[: -len(DATABASE_SUFFIX)], storage.name(t))
                          for t in storage.subfolders(database_dir)
                          if not storage.name(t).startswith((".", "_")) and t not in claimed]
        return found

    def table_dir(self, table: TableRef) -> str:
        folder = self.storage.join(self.storage.root, f"{table.database}{DATABASE_SUFFIX}", table.name)
        if self.storage.local:
            folder = str(Path(folder).resolve())
        if not self.storage.inside(folder) or ".." in (table.database, table.name) or "/" in table.qualified_name:
            raise WarehouseFolderError(f"{table.qualified_name} is outside the warehouse")
        return folder

    def file_kind(self, path: str) -> str:
        return kind_of(self.storage.head(path, 4))

    def files(self, table: TableRef) -> list[DataFile]:
        """Every data file; of a table format's folder that no configured
        format claims, the data files without its metadata."""
        table_dir = self.table_dir(table)
        files = self.storage.files(table_dir)
        if self._foreign(table_dir):
            metadata = self.storage.join(table_dir, "metadata") + "/"
            files = [f for f in files if not f.path.startswith(metadata)]
        return files

    def watched(self, table: TableRef) -> list[DataFile]:
        sidecar = self.storage.stat(self.storage.join(self.table_dir(table), SCHEMA_FILE))
        return self.files(table) if sidecar is None else [*self.files(table), sidecar]

    def inspect(self, table: TableRef, files: list[DataFile]) -> Inspection:
        inspection = self._inspect(table, files)
        foreign = self._foreign(self.table_dir(table))
        if not foreign:
            return inspection
        return replace(inspection, storage=f"{foreign} read as its data files", erasure="", notes=(
            *inspection.notes, f"a {foreign} no configured catalog or reader claims: its data files are read "
            "directly, so rows the table no longer shows (not yet vacuumed or expired) count too, and Daylight "
            "does not erase it"))

    def _inspect(self, table: TableRef, files: list[DataFile]) -> Inspection:
        paths = [f.path for f in files]
        kinds, unread = {}, []
        for path in paths:
            try:
                kinds[path] = self.file_kind(path)
            except OSError as problem:
                unread.append((path, f"cannot be opened: {problem.strerror or problem}"))
        unread += [(p, _UNSUPPORTED[k]) for p, k in kinds.items() if k in _UNSUPPORTED]
        candidates = [p for p, k in kinds.items() if k not in _UNSUPPORTED]
        if all(kinds[p] == "parquet" for p in candidates):
            readable = []
            for path in candidates:
                try:
                    with self.storage.open(path) as source:
                        pq.read_metadata(source)
                    readable.append(path)
                except (OSError, pa.ArrowException) as problem:
                    unread.append((path, f"not a readable Parquet file: {problem}"))
            return Inspection(tuple(readable), tuple(unread), storage="Hive folder of Parquet files", erasure="files")
        table_dir = self.table_dir(table)
        try:
            layout = self._layout(table_dir)
        except TextLayoutError as problem:
            layout, notes = None, (f"{problem}; its text files are read line by line",)
        else:
            notes = () if layout or not any(kinds[p] == "text" for p in candidates) else (
                f"no {SCHEMA_FILE} describes its text files: they are read line by line",)
        readable, schemas = [], []
        for path in candidates:
            try:
                schemas.append(_with_partitions(self._schema(path, kinds[path], layout),
                                                partition_values(table_dir, path)))
                readable.append(path)
            except (OSError, ValueError, pa.ArrowException) as problem:
                unread.append((path, f"cannot be read as {kinds[path]}: {str(problem).splitlines()[0]}"))
        schema = unified([pa.table({f.name: pa.array([], f.type) for f in s}) for s in schemas]).schema \
            if schemas else None
        storage = "Hive folder of " + ", ".join(sorted({_KIND_NAMES[kinds[p]] for p in readable})) + " files"
        return Inspection(tuple(readable), tuple(unread), schema, storage=storage, erasure="files", notes=notes)

    def _layout(self, table_dir: str) -> TextLayout | None:
        try:
            sidecar = self.storage.read_bytes(self.storage.join(table_dir, SCHEMA_FILE))
        except FileNotFoundError:
            sidecar = None
        except OSError as problem:
            raise TextLayoutError(f"{SCHEMA_FILE} cannot be read: {problem}") from None
        return TextLayout.parse(sidecar)

    def _layout_or_lines(self, table_dir: str) -> TextLayout | None:
        try:
            return self._layout(table_dir)
        except TextLayoutError:
            return None

    def _schema(self, path: str, kind: str, layout: TextLayout | None) -> pa.Schema:
        """The file's schema; a text file is parsed whole, to know it reads."""
        if kind == "parquet":
            with self.storage.open(path) as source:
                return pq.read_schema(source)
        if kind == "orc":
            with self.storage.open(path) as source:
                return orc.ORCFile(source).schema
        return read_text(self.storage.read_bytes(path), layout).schema

    def read_file(self, table: TableRef, path: str) -> pa.Table:
        """One file's own columns (no partition values), as its kind defines them."""
        kind = self.file_kind(path)
        if kind == "parquet":
            with self.storage.open(path) as source:
                return pq.read_table(source, partitioning=None)
        if kind == "orc":
            with self.storage.open(path) as source:
                return orc.read_table(source)
        if kind == "text":
            return read_text(self.storage.read_bytes(path), self._layout_or_lines(self.table_dir(table)))
        raise ValueError(f"{self.storage.name(path)} is {_UNSUPPORTED[kind]}")

    def file_columns(self, table: TableRef, path: str) -> list[str]:
        kind = self.file_kind(path)
        if kind in ("parquet", "orc"):
            return self._schema(path, kind, None).names
        return self.read_file(table, path).column_names

    def write_like(self, table: TableRef, rows: pa.Table, original: str, path: str) -> None:
        """`rows` (read from `original` by `read_file`) written to `path` as
        the original was written: its kind, compression, row groups, layout;
        durable once this returns."""
        head = self.storage.head(original, 4)
        kind = kind_of(head)
        if kind == "parquet":
            with self.storage.open(original) as source:
                metadata = pq.read_metadata(source)
            with self.storage.output(path) as out:
                pq.write_table(rows, out, compression=_compression(metadata),
                               row_group_size=_row_group_size(metadata), write_statistics=True)
        elif kind == "orc":
            with self.storage.open(original) as source:
                compression = orc.ORCFile(source).compression.lower()
            with self.storage.output(path) as out:
                orc.write_table(rows, out, compression=compression)
        else:
            self.storage.write_bytes(path, text_bytes(rows, self._layout_or_lines(self.table_dir(table)),
                                                      head[:2] == GZIP_MAGIC))

    def direct(self, table: TableRef, files: list[str]) -> bool:
        return self.storage.local and all(self.file_kind(path) == "parquet" for path in files)

    def read(self, table: TableRef, files: list[str]) -> list[pa.Table]:
        table_dir = self.table_dir(table)
        tables = []
        for path in files:
            rows = self.read_file(table, path)
            for name, value in partition_values(table_dir, path).items():
                if name not in rows.column_names:
                    rows = rows.append_column(name, pa.array([value] * rows.num_rows, pa.string()))
            tables.append(rows)
        return tables

    def _foreign(self, table_dir: str) -> str | None:
        """What table format a folder is, when it holds one's log or metadata."""
        if self.storage.is_dir(self.storage.join(table_dir, "_delta_log")):
            return "Delta Lake table"
        metadata = self.storage.join(table_dir, "metadata")
        if self.storage.is_dir(metadata) and any(
                f.path.endswith(".metadata.json") for f in self.storage.files(metadata)):
            return "Iceberg table"
        return None


def _compression(metadata: pq.FileMetaData) -> str:
    if not metadata.num_row_groups or not metadata.num_columns:
        return "zstd"
    codec = metadata.row_group(0).column(0).compression.lower()
    return "none" if codec == "uncompressed" else codec


def _row_group_size(metadata: pq.FileMetaData) -> int:
    """The original's, so readers prune the new file as they did the old."""
    return max(metadata.row_group(0).num_rows, 1) if metadata.num_row_groups else DEFAULT_ROW_GROUP


def _with_partitions(schema: pa.Schema, partitions: dict[str, str]) -> pa.Schema:
    for name in partitions:
        if name not in schema.names:
            schema = schema.append(pa.field(name, pa.string()))
    return schema


def unified(tables: list[pa.Table]) -> pa.Table:
    """The files' rows as one table: columns by name, a column the files
    type differently kept as text, so no value is dropped."""
    types: dict[str, set] = {}
    for table in tables:
        for f in table.schema:
            types.setdefault(f.name, set()).add(f.type)
    differing = {name for name, kinds in types.items() if len(kinds) > 1}
    tables = [_texts(t, differing) for t in tables] if differing else tables
    return pa.concat_tables(tables, promote_options="permissive")


def _texts(table: pa.Table, names: set[str]) -> pa.Table:
    for index, f in enumerate(table.schema):
        if f.name in names:
            try:
                column = pc.cast(table.column(index), pa.string())
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                column = pa.array([None if v is None else json.dumps(v, default=str)
                                   for v in table.column(index).to_pylist()], pa.string())
            table = table.set_column(index, pa.field(f.name, pa.string()), column)
    return table

"""The one place that opens the warehouse.

`Warehouse` is the seam the rest of Daylight reads the lake through: it
lists the tables of every storage format (`table_format.TableFormat`: Hive
folders of Parquet, ORC or text files, and whatever other formats it is
given), and runs bound SQL over the rows of a table's files with DuckDB,
whether DuckDB reads the files itself (Parquet) or the format hands it
Arrow (`Rows`). The warehouse lies in a local folder or on object storage
(`storage`); on object storage every format hands over Arrow. The DuckDB
connection is confined to the local warehouse folder, or to nothing
(`allowed_directories`, external access off, configuration locked),
so even a bug in our own SQL cannot read the portal's state or other files;
a format that hands over Arrow reads only the files it lists itself (a Hive
folder's, a Delta log's, those an Iceberg catalog names).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from queries import sql
from queries.sql import Fragment, bind
from queries.warehouse.hive_folders import HiveFolders, unified
from queries.warehouse.shared_scan import RowGroups, RowRuns, SharedScans
from queries.warehouse.storage import Storage, StorageError, storage_at
from queries.warehouse.table_format import DataFile, Inspection, TableErasure, TableFormat, TableRef

__all__ = ["DataFile", "RowRuns", "Rows", "TableRef", "Warehouse", "WarehouseError"]

log = logging.getLogger(__name__)


class WarehouseError(Exception):
    """The warehouse cannot be read; the message says why."""


@dataclass(frozen=True)
class Rows:
    """How a statement reads some files: `plain` gives the table's columns,
    `numbered` adds `file_index` (the file's position among those asked
    for) and `file_row_number`; `relations` are the Arrow tables they name."""

    plain: Fragment
    numbered: Fragment
    relations: dict[str, pa.Table]

    @staticmethod
    def of_arrow(table: pa.Table, suffix: str = "") -> Rows:
        relation = f"daylight_rows{suffix}"
        return Rows(sql.render("sources/arrow", identifiers={"relation": relation}),
                    sql.render("sources/arrow_numbered", identifiers={"relation": relation}), {relation: table})

    @staticmethod
    def of_tables(tables: list[pa.Table], suffix: str = "", runs: Sequence[RowRuns | None] = ()) -> Rows:
        """Rows already read, one table per file, numbered as files; of a
        file given runs (`runs[i]` for `tables[i]`), only the rows in them."""
        return Rows.of_arrow(_numbered(tables, runs), suffix)

    @staticmethod
    def of_schema(schema: pa.Schema) -> Rows:
        """No rows, only columns: what describing a table needs."""
        return Rows.of_tables([schema.empty_table()])

    @staticmethod
    def of_parquet(files: list[str], suffix: str = "", runs: Sequence[RowRuns | None] = (),
                   shared: Sequence[int] = ()) -> Rows:
        """With runs, each file is read by a scan of its own, cut to them,
        except the files at positions `shared` (`shared_scan`)."""
        if any(runs):
            return Rows._of_parquet_runs(files, suffix, runs, shared)
        params = {f"files{suffix}": files}
        return Rows(Fragment(sql.render("sources/parquet", param_suffix=suffix).text, params),
                    Fragment(sql.render("sources/parquet_numbered", param_suffix=suffix).text, params), {})

    @staticmethod
    def _of_parquet_runs(files: list[str], suffix: str, runs: Sequence[RowRuns | None], shared: Sequence[int]) -> Rows:
        """A file read alone is filtered to its runs, which DuckDB checks
        against each row group's row numbers before reading it: one person's
        rows come from the row groups holding them. The `shared` files are
        read by one scan, joined with their runs."""
        alone = set(range(len(files))) - set(shared)
        scans = [Rows._file_in_runs(files[index], suffix, index, runs[index]) for index in sorted(alone)]
        relations = {}
        if shared:
            relation = f"daylight_runs{suffix}"
            relations[relation] = pa.table({
                "file": [position for position, index in enumerate(shared) for _ in runs[index]],
                "first_row": [first for index in shared for first, _ in runs[index]],
                "last_row": [last for index in shared for _, last in runs[index]]}, schema=RUNS_SCHEMA)
            scan = sql.render("sources/parquet_files_in_runs", identifiers={"runs": relation}, param_suffix=suffix)
            scans.append(Fragment(scan.text, {**scan.params, f"files{suffix}": [files[index] for index in shared],
                                              f"file_indexes{suffix}": shared}))
        numbered = Fragment.join(scans, "UNION ALL BY NAME")
        return Rows(sql.render("sources/numbered_plain", fragments={"numbered": numbered}), numbered, relations)

    @staticmethod
    def _file_in_runs(file: str, suffix: str, index: int, file_runs: RowRuns | None) -> Fragment:
        within = [Fragment(sql.render("sources/row_run", param_suffix=f"{suffix}_{index}_{number}").text,
                           {f"first_row{suffix}_{index}_{number}": first, f"last_row{suffix}_{index}_{number}": last})
                  for number, (first, last) in enumerate(file_runs or ())]
        scan = sql.render("sources/parquet_file_rows", param_suffix=f"{suffix}_{index}", fragments={
            "within_runs": Fragment.join(within, "OR") if within else sql.render("sources/every_row")})
        return Fragment(scan.text, {**scan.params, f"file{suffix}_{index}": file, f"file_index{suffix}_{index}": index})


RUNS_SCHEMA = pa.schema([("file", pa.int64()), ("first_row", pa.int64()), ("last_row", pa.int64())])

def _numbered(tables: list[pa.Table], runs: Sequence[RowRuns | None] = ()) -> pa.Table:
    numbered = []
    for index, (table, file_runs) in enumerate(zip(tables, runs or [None] * len(tables), strict=True)):
        table = table.append_column("file_index", pa.array([index] * table.num_rows, pa.int64()))
        table = table.append_column("file_row_number", pa.array(range(table.num_rows), pa.int64()))
        numbered.append(_within(table, file_runs) if file_runs else table)
    return unified(numbered)


def _within(table: pa.Table, runs: RowRuns) -> pa.Table:
    number, keep = table["file_row_number"], None
    for first, last in runs:
        run = pc.and_(pc.greater_equal(number, first), pc.less_equal(number, last))
        keep = run if keep is None else pc.or_(keep, run)
    return table.filter(keep)


class Warehouse:
    def __init__(self, root: Storage | Path | str, threads: int = 2, formats: Sequence[TableFormat] = ()):
        """`root`: the warehouse's storage, or a local folder or `s3://` location to open one for."""
        try:
            self.storage = root if isinstance(root, Storage) else storage_at(root)
        except StorageError as problem:
            raise WarehouseError(str(problem)) from None
        self.hive_folders = HiveFolders(self.storage, self._claimed)
        self._formats = [*formats, self.hive_folders]
        self._owners: dict[TableRef, TableFormat] = {}
        self.unlisted: dict[str, str] = {}  # format → why its tables could not be listed
        self._connection = duckdb.connect(config={
            "threads": threads,
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
        })
        local = [self.storage.root + os.sep] if self.storage.local else []
        self._connection.execute("SET allowed_directories = $dirs", {"dirs": local})
        self._connection.execute("SET enable_external_access = false")
        self._connection.execute(sql.load("quiet"))
        self._connection.execute("SET lock_configuration = true")
        self._lock = threading.Lock()
        self._shared_scans = SharedScans(self._row_groups)

    def _row_groups(self, files: list[str]) -> dict[str, RowGroups]:
        """Each file's row groups; none for files whose footer cannot be
        read, which are then read by a scan of their own that reports them."""
        try:
            found = self.query(sql.render("sources/parquet_row_groups"), {"files": files})
        except WarehouseError as problem:
            log.warning("the row groups of %d files could not be read: %s", len(files), problem)
            return {}
        groups: dict[str, list[tuple[int, int]]] = {}
        for file, _, rows, stored in found:
            groups.setdefault(file, []).append((int(rows), int(stored or 0)))
        return {file: tuple(file_groups) for file, file_groups in groups.items()}

    def _claimed(self) -> set[str]:
        """Table folders another format reads by its own rules (an Iceberg
        table's location). A format that cannot say claims none: its folders
        are then read as Hive folders, with a note, rather than not at all."""
        claimed = set()
        for table_format in self._formats:
            if table_format is not self.hive_folders:
                try:
                    claimed |= self._guarded(table_format.folders)
                except WarehouseError as problem:
                    log.warning("the %s tables' folders are unknown: %s", table_format.name, problem)
        return claimed

    def tables(self) -> list[TableRef]:
        """Every table of every format, registered or not. A format whose
        tables cannot be listed (its catalog is down) is recorded in
        `unlisted`, so nobody takes the rest for everything."""
        owners, unlisted = {}, {}
        for table_format in self._formats:
            try:
                listed = self._guarded(table_format.tables)
            except WarehouseError as problem:
                log.error("the %s tables cannot be listed: %s", table_format.name, problem)
                unlisted[table_format.name] = str(problem)
                continue
            for table in listed:
                owners.setdefault(table, table_format)
        self._owners, self.unlisted = owners, unlisted
        return sorted(owners)

    def format_of(self, table: TableRef) -> TableFormat:
        if table not in self._owners:
            self.tables()
        if table not in self._owners:
            raise WarehouseError(f"{table.qualified_name} is not in the warehouse")
        return self._owners[table]

    def files(self, table: TableRef) -> list[DataFile]:
        return self._guarded(lambda: self.format_of(table).files(table))

    def watched(self, table: TableRef) -> list[DataFile]:
        return self._guarded(lambda: self.format_of(table).watched(table))

    def erasure(self, table: TableRef, identifying: Callable[[str], bool]) -> TableErasure | None:
        return self._guarded(lambda: self.format_of(table).erasure(table, identifying))

    def inspect(self, table: TableRef, files: list[DataFile]) -> Inspection:
        return self._guarded(lambda: self.format_of(table).inspect(table, files))

    @staticmethod
    def _guarded(work: Callable):
        """A format's failure as a `WarehouseError`. Formats call catalog and
        storage clients that raise exceptions of their own kinds."""
        try:
            return work()
        except WarehouseError:
            raise
        except Exception as problem:
            log.debug("warehouse format failed", exc_info=True)
            raise WarehouseError(str(problem).splitlines()[0] if str(problem) else type(problem).__name__) \
                from problem

    def rows(self, parts: Sequence[tuple[TableRef, Sequence[str]]], suffix: str = "",
             runs: Mapping[str, RowRuns] | None = None) -> Rows:
        """The rows of the files of each (table, files), for one statement:
        DuckDB reads them itself when every format allows, else each format
        reads its own and DuckDB gets Arrow. A file that cannot be read
        fails the statement with a message naming it. With `runs` (file →
        runs of row numbers, where the subject index found one person),
        only those rows of the files it names are read."""
        files = [file for _, part in parts for file in part]
        file_runs = [(runs or {}).get(file) for file in files]

        def read() -> Rows:
            if all(self.format_of(table).direct(table, list(part)) for table, part in parts):
                shared = self._shared_scans.shared(files, file_runs) if any(file_runs) else []
                return Rows.of_parquet(files, suffix, file_runs, shared)
            return Rows.of_tables([rows for table, part in parts
                                   for rows in self.format_of(table).read(table, list(part))], suffix, file_runs)
        return self._guarded(read)

    def _execute(self, statement: Fragment, params: dict | None, fetch: Callable,
                 relations: dict[str, pa.Table] | None = None):
        """Runs one statement on its own cursor, binding the parameters it
        names. `relations` are tables the statement reads by name, seen by
        this cursor only: the engine keeps no state of its callers."""
        bound = bind(statement.text, {**statement.params, **(params or {})})
        with self._lock:
            cursor = self._connection.cursor()
        try:
            for name, table in (relations or {}).items():
                cursor.register(name, table)
            return fetch(cursor, statement.text, bound)
        except duckdb.Error as problem:
            raise WarehouseError(str(problem).splitlines()[0]) from problem
        finally:
            cursor.close()

    def query(self, statement: Fragment, params: dict | None = None,
              relations: dict[str, pa.Table] | None = None) -> list[tuple]:
        return self._execute(statement, params, lambda cursor, text, bound: cursor.execute(text, bound).fetchall(),
                             relations)

    def query_arrow(self, statement: Fragment, params: dict | None = None,
                    relations: dict[str, pa.Table] | None = None) -> pa.Table:
        """Like `query`, for results too large to pass as Python tuples."""
        return self._execute(statement, params,
                             lambda cursor, text, bound: cursor.sql(text, params=bound).to_arrow_table(), relations)

    def close(self) -> None:
        self._connection.close()

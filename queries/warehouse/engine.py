"""The one place that opens the warehouse.

`Warehouse` is the engine seam: this implementation is DuckDB over a local
Hive-style folder of Parquet files. DuckDB over object storage, or Trino and
Spark over Iceberg, would implement the same methods for a real company
lake. The DuckDB connection is confined to the warehouse folder itself
(`allowed_directories`, external access off, configuration locked), so
even a bug in our own SQL cannot read the portal's state or other files.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from queries.sql import Fragment, bind

DATABASE_SUFFIX = ".db"


class WarehouseError(Exception):
    """The warehouse cannot be read; the message says why."""


@dataclass(frozen=True, order=True)
class TableRef:
    database: str
    name: str

    @property
    def qualified_name(self) -> str:
        return f"{self.database}.{self.name}"

    @staticmethod
    def parse(qualified: str) -> TableRef:
        database, _, name = qualified.partition(".")
        if not database or not name:
            raise ValueError(f"{qualified!r} is not database.table")
        return TableRef(database, name)


@dataclass(frozen=True)
class DataFile:
    path: str
    size: int
    modified_ns: int


class Warehouse:
    def __init__(self, root: Path, threads: int = 2):
        self.root = Path(root).resolve()
        if not self.root.is_dir():
            raise WarehouseError(f"warehouse folder {self.root} does not exist")
        self._connection = duckdb.connect(config={
            "threads": threads,
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
        })
        self._connection.execute("SET allowed_directories = $dirs", {"dirs": [str(self.root) + os.sep]})
        self._connection.execute("SET enable_external_access = false")
        self._connection.execute("SET lock_configuration = true")
        self._lock = threading.Lock()

    def tables(self) -> list[TableRef]:
        """Every table folder in the warehouse, registered or not."""
        found = []
        for database_dir in sorted(self.root.iterdir()):
            if database_dir.is_dir() and database_dir.name.endswith(DATABASE_SUFFIX):
                database = database_dir.name[: -len(DATABASE_SUFFIX)]
                found += [TableRef(database, t.name) for t in sorted(database_dir.iterdir()) if t.is_dir()]
        return found

    def table_dir(self, table: TableRef) -> Path:
        folder = (self.root / f"{table.database}{DATABASE_SUFFIX}" / table.name).resolve()
        if self.root not in folder.parents:
            raise WarehouseError(f"{table.qualified_name} is outside the warehouse")
        return folder

    def files(self, table: TableRef) -> list[DataFile]:
        """The table's Parquet files. Hidden and temporary files (writers'
        staging areas) are not data; links are not followed, so a link cannot
        pull a file from outside the warehouse into a table."""
        files = []
        for folder, subfolders, names in os.walk(self.table_dir(table)):
            subfolders[:] = sorted(d for d in subfolders if not d.startswith((".", "_")))
            for name in sorted(names):
                path = os.path.join(folder, name)
                if name.endswith(".parquet") and not name.startswith((".", "_")) and not os.path.islink(path):
                    stat = os.stat(path)
                    files.append(DataFile(path, stat.st_size, stat.st_mtime_ns))
        return files

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

    def query(self, statement: Fragment, params: dict | None = None) -> list[tuple]:
        return self._execute(statement, params, lambda cursor, text, bound: cursor.execute(text, bound).fetchall())

    def query_arrow(self, statement: Fragment, params: dict | None = None,
                    relations: dict[str, pa.Table] | None = None) -> pa.Table:
        """Like `query`, for results too large to pass as Python tuples."""
        return self._execute(statement, params,
                             lambda cursor, text, bound: cursor.sql(text, params=bound).to_arrow_table(), relations)

    def close(self) -> None:
        self._connection.close()

"""What every storage format of the lake gives the rest of Daylight.

The warehouse (`engine.Warehouse`) asks each format for its tables and, for
a statement, for the rows of some of a table's files: either files DuckDB
reads itself as Parquet (the fast path), or Arrow tables the format read
by its own rules (ORC, Hive text, an Iceberg scan, a Delta snapshot), one
per file, which the warehouse numbers (`file_index`, `file_row_number`)
and hands to DuckDB. A new format is one module implementing this class,
and its tests.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Protocol

import pyarrow as pa


@dataclass(frozen=True, order=True)
class TableRef:
    database: str
    name: str

    @cached_property
    def qualified_name(self) -> str:
        """Kept once made: an inventory at L asks a thousand tables their
        name several times each."""
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


@dataclass(frozen=True)
class Inspection:
    """A table's files as discovery records them: those read, those that
    could not be (with the reason), and the schema when the format reads
    the files itself (None: DuckDB describes the Parquet files)."""

    readable: tuple[str, ...]
    unread: tuple[tuple[str, str], ...] = ()
    schema: pa.Schema | None = None
    storage: str = ""  # what the files are, for people: "Hive folder of ORC files", "Iceberg table"
    erasure: str = ""  # how Daylight erases from it: "files" (each rewritten), "iceberg", "delta"; "" when it cannot
    notes: tuple[str, ...] = field(default=())


class TableErasure(Protocol):
    """An erasure's steps on one table of a format that keeps its own
    metadata and history (Iceberg, Delta): never a file rewritten in place.
    Each step ends in the same state when run again after a crash."""

    def rewrite(self, files: set[str], change: Callable[[pa.Table], tuple[pa.Table, dict[str, int]]],
                marker: str) -> dict[str, int]:
        """Replaces the rows around `files` by `change` of them, in a commit
        carrying `marker` and the counts; the counts of that commit if it exists."""

    def old_snapshots(self) -> list[int]:
        """The snapshots or versions that still hold the rows as they were."""

    def expire(self, snapshots: list[int]) -> None:
        """Makes `snapshots` unreachable, in the format's own way."""

    def remove_unreferenced(self) -> list[str]:
        """Deletes every file under the table's location that nothing references now."""

    def referenced(self) -> set[str]:
        """Every file the table's current state references."""

    def location_files(self) -> list[str]:
        """Every file under the table's location, for the byte sweep."""

    def read_bytes(self, path: str) -> bytes:
        """One of `location_files`, wherever the table lives (a folder, object storage)."""


class TableFormat(ABC):
    """One storage format: how its tables are found, what changes when
    data lands, and how its files are read."""

    name: str

    @abstractmethod
    def tables(self) -> list[TableRef]:
        """Every table of this format, registered or not."""

    def folders(self) -> set[str]:
        """The folders of this format's tables, as the warehouse's storage
        names them: no Hive folder table is made of them."""
        return set()

    @abstractmethod
    def files(self, table: TableRef) -> list[DataFile]:
        """The files holding the table's rows now."""

    def watched(self, table: TableRef) -> list[DataFile]:
        """Everything whose change changes what the table holds (its files,
        and metadata such as a schema or a snapshot log)."""
        return self.files(table)

    @abstractmethod
    def inspect(self, table: TableRef, files: list[DataFile]) -> Inspection:
        """Which files can be read, why the others cannot, and the schema."""

    def direct(self, table: TableRef, files: list[str]) -> bool:
        """Whether DuckDB may read `files` itself as Parquet."""
        return False

    @abstractmethod
    def read(self, table: TableRef, files: list[str]) -> list[pa.Table]:
        """The rows of each of `files`, in order, as this format defines them."""

    def erasure(self, table: TableRef, identifying: Callable[[str], bool]) -> TableErasure | None:
        """The format's erasure steps for `table`, or None when its files
        are rewritten one by one (`identifying` says whether a value names
        the subject, for formats that write a predicate into their log)."""
        return None

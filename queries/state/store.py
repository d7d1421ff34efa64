"""The portal's own records live in SQLite files in the state folder, opened
only through here so that every one of them gets the same guarantees:
write-ahead logging, a commit that reaches the disk before it returns
(`synchronous=FULL`), writers that wait for each other instead of failing,
and transactions that take the write lock up front so that read-then-write
sequences (the ledger's "last hash, then append") cannot interleave across
processes.

This is the seam for PostgreSQL when several portal replicas share one
state store.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from queries import sql

# PRAGMAs take no bound parameters; these are the only ones, fixed text.
WAIT_FOR_WRITERS = "PRAGMA busy_timeout = 10000"
SYNC_TO_DISK = {True: "PRAGMA synchronous = FULL", False: "PRAGMA synchronous = OFF"}
EMPTY_THE_LOG = "PRAGMA wal_checkpoint(TRUNCATE)"


class StateStoreError(Exception):
    """A state file cannot be opened or used; the message says which and why."""


class _Connection(sqlite3.Connection):
    """One connection is shared by the portal's threads (every session, and an
    erasure running in the background); its lock keeps one thread's
    transaction from swallowing another's statements."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.lock = threading.RLock()


def connect(path: Path, schema: str, read_only: bool = False, durable: bool = True) -> sqlite3.Connection:
    """Opens (or creates) one state file and applies its schema script.
    `durable=False` exists only so the benchmark can show what durability costs."""
    try:
        if read_only:
            connection = sqlite3.connect(f"file:{Path(path)}?mode=ro", uri=True, isolation_level=None,
                                         check_same_thread=False, factory=_Connection)
        else:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False,
                                         factory=_Connection)
        connection.execute(WAIT_FOR_WRITERS)
        if not read_only:
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute(SYNC_TO_DISK[durable])
            connection.execute("PRAGMA secure_delete = ON")
            connection.executescript(sql.load(schema))
        return connection
    except (sqlite3.Error, OSError) as problem:
        raise StateStoreError(f"cannot open {path}: {problem}") from None


def empty_the_log(connection: sqlite3.Connection) -> bool:
    """Moves the write-ahead log into the database file and empties it.
    `secure_delete` zeroes what a statement wipes in the database file, but
    the log still holds the pages as they were until this runs. False when
    readers kept it from finishing (after the busy timeout)."""
    with connection.lock:
        busy, _, _ = connection.execute(EMPTY_THE_LOG).fetchone()
    return not busy


@contextmanager
def transaction(connection: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """Commits when the block ends, rolls back if it raises."""
    with connection.lock:
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield connection
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")


def stream(connection: sqlite3.Connection, name: str, params: dict | None = None) -> sqlite3.Cursor:
    """Like `run`, but yields rows as they are read, for walks over a whole table."""
    statement = sql.load(name)
    return connection.execute(statement, sql.bind(statement, params or {}))


def run(connection: sqlite3.Connection, name: str, params: dict | None = None) -> list[tuple]:
    """Runs one statement from `queries/sql/<name>.sql` with bound parameters."""
    with connection.lock:
        return stream(connection, name, params).fetchall()


def run_many(connection: sqlite3.Connection, name: str, rows: list[dict]) -> None:
    """Runs one statement once per row of parameters."""
    statement = sql.load(name)
    connection.executemany(statement, rows)

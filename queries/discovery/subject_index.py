"""The subject index: which tables, files, rows, days and hours of the week
hold which employees.

Looking one employee up must not scan the warehouse. The index is built by
one grouped scan per table (or per group of tables sharing a schema) and kept in the state folder (a DuckDB file);
a table is re-indexed only when discovery's fingerprint of its files
changes, that is, when data lands. Postings are kept sorted by employee,
so a lookup reads only the few row groups holding that employee and costs
about the same in a small warehouse and a large one.

Run `daylight refresh` to refresh it from the command line (for instance
right after a load job), with the portal stopped: DuckDB lets one process
write the file. Several portal processes share it as published copies
(`index_copies`): one writer, the others reading the newest copy.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import duckdb
import pyarrow as pa

from queries import sql
from queries.discovery import index_copies
from queries.discovery.catalog import Catalog, TableFinding, fingerprint
from queries.discovery.directory import Directory
from queries.discovery.index_lookups import IndexLookups, SubjectIndexError
from queries.discovery.index_scan import IndexEntries, batches, index_statement, scan, subject_keys
from queries.discovery.subject_keys import (
    HASHES,
    JSON_ESCAPE,
    PLAIN_KINDS,
    PLUS_TAG,
    SINGLE_TOKEN,
    TOKEN,
    TOKEN_AT_LEAST,
    WHOLE_VALUE,
    person_named,
)
from queries.discovery.subject_rows import token_bindings
from queries.warehouse.engine import Warehouse

log = logging.getLogger(__name__)

INDEX_FILE = "subject_index.duckdb"


@dataclass(frozen=True)
class RefreshReport:
    indexed: tuple[str, ...]
    forgotten: tuple[str, ...]
    failed: tuple[str, ...]


COMMIT_EVERY = 32  # tables whose entries are swapped in per transaction
UNSORTED_SHARE = 0.05  # the index is sorted again once this share of its rows came after the last sort
_METHOD_SQL = ("index_table_tokens", "tokens/raw_tokens", "tokens/key_of_token", "tokens/is_document",
               "tokens/row_texts", "tokens/scalar_text", "tokens/nested_text", "tokens/scalar_value",
               "tokens/nested_value")


@cache
def _method() -> str:
    """The matching rules' version: an index built by other rules is rebuilt."""
    rules = [sql.load(name) for name in _METHOD_SQL] + [TOKEN, TOKEN_AT_LEAST, SINGLE_TOKEN, WHOLE_VALUE, JSON_ESCAPE,
                                                         PLUS_TAG, *HASHES, *PLAIN_KINDS]
    return hashlib.sha256("\n".join(rules).encode()).hexdigest()[:12]


def _versioned(fingerprint: str) -> str:
    """What the index records for a table: its files' fingerprint under these rules."""
    return f"{fingerprint}:{_method()}"


class SubjectIndex(IndexLookups):
    """The index itself, opened for reading and writing by the one process
    that keeps it; with `publish`, a copy is published after each change
    for the portal processes that read it (`IndexCopy`)."""

    writable = True

    def __init__(self, state_dir: Path, plus_tags: bool = True, publish: bool = False):
        self._plus_tags = plus_tags
        self._path = Path(state_dir) / INDEX_FILE
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            self._connection = self._open(self._path)
        except (duckdb.Error, OSError) as problem:
            raise SubjectIndexError(f"cannot open the subject index {self._path}: "
                                    f"{str(problem).splitlines()[0]}") from None
        self._lock = threading.Lock()
        self._unpublished = publish  # the copy may predate what was done with the index while no writer ran
        self._publishes = publish

    @staticmethod
    def _open(path: Path) -> duckdb.DuckDBPyConnection:
        """The index is derived from the warehouse: a file that cannot be
        opened is set aside (for the operators) and rebuilt, losing nothing."""
        try:
            return SubjectIndex._connect(path)
        except duckdb.IOException as problem:
            if "lock" in str(problem).lower():
                raise
            aside = path.with_name(f"{path.name}.unreadable-{int(time.time())}")
            log.error("subject index %s cannot be opened (%s); moved to %s and rebuilding", path, problem, aside)
            path.rename(aside)
            return SubjectIndex._connect(path)

    @staticmethod
    def _connect(path: Path) -> duckdb.DuckDBPyConnection:
        connection = duckdb.connect(str(path))
        connection.execute(sql.load("quiet"))
        connection.execute(sql.load("subject_index/schema"))
        [(missing,)] = connection.execute(sql.load("subject_index/summaries_missing")).fetchall()
        if missing:
            log.info("summarizing the subject index %s by employee and table, once", path)
            tables = [name for name, _ in connection.execute(sql.load("subject_index/indexed_tables")).fetchall()]
            with SubjectIndex._transaction(connection) as cursor:
                SubjectIndex._summarize(cursor, "postings", tables)
        return connection

    def refresh(self, warehouse: Warehouse, catalog: Catalog, directory: Directory,
                progress: Callable[[int, int], None] | None = None, sort: bool = True) -> RefreshReport:
        """Re-indexes the tables whose files changed and forgets vanished
        ones, then sorts the index if it is due (unless not to `sort`)."""
        with self._lock:
            indexed = dict(self._run("subject_index/indexed_tables"))
            current = {f.table.qualified_name: f for f in catalog.scannable()}
            stale = [f for name, f in sorted(current.items()) if indexed.get(name) != _versioned(f.fingerprint)]
            gone = sorted(set(indexed) - set(current))
            failed, entries, read, done = [], [], [], 0
            bindings, keys = token_bindings(directory, self._plus_tags), subject_keys(directory)
            for batch in batches(stale):
                scanned = scan(warehouse, batch, bindings, keys)
                failed += scanned.failed
                entries += scanned.entries
                read += scanned.read
                done += len(batch)
                if len(read) >= COMMIT_EVERY or done == len(stale):
                    self._replace(read, entries, [n for f in read if (n := f.table.qualified_name) in indexed])
                    entries, read = [], []
                if progress:
                    progress(done, len(stale))
            self._replace([], [], gone)
            if (sort and self._sort_when_due()) or stale or gone:
                self._unpublished = self._publishes
            self._publish_if_due(catalog)
            return RefreshReport(tuple(f.table.qualified_name for f in stale), tuple(gone), tuple(failed))

    @staticmethod
    @contextmanager
    def _transaction(connection: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor whose statements commit together or not at all."""
        cursor = connection.cursor()
        try:
            cursor.execute("BEGIN TRANSACTION")
            yield cursor
            cursor.execute("COMMIT")
        except duckdb.Error:
            cursor.execute("ROLLBACK")
            raise
        finally:
            cursor.close()

    def _replace(self, read: list[TableFinding], entries: list[IndexEntries], forget: list[str]) -> None:
        """In one transaction, forgets what the index held for the tables
        named in `forget` (read again, or gone) and adds the new entries of
        the tables `read`: one commit per table cost more than scanning a
        small one. Forgetting searches the whole index, so it is asked only
        for tables it holds."""
        if not read and not forget:
            return
        with self._transaction(self._connection) as cursor:
            if forget:
                for statement in ("subject_index/forget_postings", "subject_index/forget_hours",
                                  "subject_index/forget_mentions", "subject_index/forget_runs",
                                  "subject_index/forget_indexed_tables"):
                    cursor.execute(sql.load(statement), {"tables": forget})
                cursor.execute(sql.load("subject_index/forget_summaries"),
                               {"tables": forget, "everyone": True, "people": []})
            if entries:
                self._add(cursor, entries, summarize=[f.table.qualified_name for f in read])
            if read:
                cursor.execute(sql.load("subject_index/record_indexed_tables"), {
                    "tables": [f.table.qualified_name for f in read],
                    "fingerprints": [_versioned(f.fingerprint) for f in read]})

    @staticmethod
    def _add(cursor: duckdb.DuckDBPyConnection, entries: list[IndexEntries], summarize: list[str]) -> None:
        """Adds entries, and summarizes the new postings of the tables
        `summarize`, whose entries are all among them: summarizing them
        before they join the index costs a scan of them, not of the index."""
        for part in ("postings", "hours", "mentions", "runs"):
            rows = pa.concat_tables([getattr(e, part) for e in entries])
            cursor.register(f"new_{part}", rows)
            cursor.execute(sql.load(f"subject_index/add_{part}"))
            if part == "postings" and summarize:
                SubjectIndex._summarize(cursor, "new_postings", summarize)
            cursor.unregister(f"new_{part}")
            cursor.execute(sql.load("subject_index/count_unsorted"), {"rows": rows.num_rows})

    @staticmethod
    def _summarize(cursor: duckdb.DuckDBPyConnection, postings: str, tables: list[str],
                   people: list[str] | None = None) -> None:
        """Summarizes the postings (a relation) of some tables, for everyone
        or for some people, into `table_summaries`."""
        statement = sql.render("subject_index/summarize", {"postings": postings}).text
        cursor.execute(statement, {"tables": tables, "everyone": people is None, "people": people or []})

    def _sort_when_due(self) -> bool:
        """Sorts the index by employee once the rows added since the last
        sort pass `UNSORTED_SHARE` of it, not after every change: a table
        changing every few minutes would otherwise have the whole index
        rewritten every few minutes (3.6 s at S, about ten times that at L)."""
        [(due,)] = self._run("subject_index/sorting_due", {"share": UNSORTED_SHARE})
        if due:
            self._run("subject_index/cluster")
        return bool(due)

    def _publish_if_due(self, catalog: Catalog) -> None:
        """Publishes a copy, with the catalog it was refreshed from, when the
        index changed since the last one, with `_lock` held so that nothing
        writes while it is copied. A copy that cannot be written is logged
        and tried again after the next refresh: readers keep the one they
        have."""
        if not self._unpublished:
            return
        try:
            self._connection.execute("CHECKPOINT")
            index_copies.publish(self._path, catalog)
            self._unpublished = False
        except (duckdb.Error, OSError):
            log.exception("the subject index could not be published for the reading processes; they keep the last copy")

    def unchanged(self, warehouse: Warehouse, catalog: Catalog, tables: list[str]) -> list[str]:
        """Those of `tables` whose files are as the index read them: their
        fingerprint, taken again now, is the one it recorded. An erasure
        searches their files only where the index found the subject, and
        afterwards carries their entries over to the rewritten files. A table
        changed since (a file rewritten in place under its old name) is
        searched whole, as its runs could point at rows that moved, and is
        indexed again after the erasure, as the index never read its new rows."""
        indexed = dict(self._run("subject_index/indexed_tables"))
        return [name for name in tables if (finding := catalog.get(name)) is not None and indexed.get(name) ==
                _versioned(fingerprint(warehouse.storage, warehouse.watched(finding.table)))]

    def erased(self, warehouse: Warehouse, directory: Directory, employee_id: str,
               tables: dict[str, tuple[TableFinding, TableFinding]], named: dict[str, dict[str, list[str]]],
               workers: int, unchanged: set[str]) -> None:
        """After an erasure rewrote these tables' files (table → findings
        before and after): the subject's postings go; other people's stay,
        their rows being the same rows in the same files (moved up by the
        rows deleted before them: their runs are widened to match), except where the
        deleted rows named them too (`named`: table → file → lower-cased
        identifiers, the recipients of a message the subject sent). Their
        postings in those files are computed again, `workers` files at a
        time. A table of `unchanged` (as the index read it when the erasure
        began) takes its new fingerprint instead of being scanned again; any
        other is left to the refresh that follows. The index is not sorted
        here, even when the postings computed again make it due: the next
        refresh does, and publishes it for the reading processes."""
        shared = {name: sorted(files) for name, files in sorted(named.items()) if name in tables}
        identifiers = sorted({i for files in named.values() for found in files.values() for i in found})
        with self._lock:
            fresh, people = [], []
            if shared:
                people = sorted({person for i in identifiers if (person := person_named(directory, i))})
                bindings, keys = token_bindings(directory, self._plus_tags), subject_keys(directory)

                def reindex(name: str) -> IndexEntries:
                    after, files = tables[name][1], shared[name]
                    rows = warehouse.rows([(after.table, files)])
                    scanned = warehouse.query_arrow(index_statement(after, rows, everyone=False),
                                                    {"people": people, **bindings},
                                                    {"subject_keys": keys, **rows.relations})
                    return IndexEntries.of(scanned, files, [name] * len(files), [c for c, _ in after.scanned])

                with ThreadPoolExecutor(workers, thread_name_prefix="reindex") as pool:
                    fresh = list(pool.map(reindex, shared))
            names = sorted(tables)
            with self._transaction(self._connection) as cursor:
                cursor.execute(sql.load("subject_index/widen_runs_after_erasure"),
                               {"employee_id": employee_id, "tables": names})
                for part in ("postings", "hours", "mentions", "runs"):
                    cursor.execute(sql.load(f"subject_index/forget_subject_{part}"),
                                   {"employee_id": employee_id, "tables": names})
                carried = [n for n in names if n in unchanged]
                cursor.execute(sql.load("subject_index/carry_fingerprint"), {
                    "tables": carried, "old": [_versioned(tables[n][0].fingerprint) for n in carried],
                    "new": [_versioned(tables[n][1].fingerprint) for n in carried]})
                for forget in ("forget_people_in_files", "forget_people_hours_in_files",
                               "forget_people_mentions_in_files", "forget_people_runs_in_files"):
                    cursor.execute(sql.load(f"subject_index/{forget}"),
                                   {"files": [f for files in shared.values() for f in files], "people": people})
                if fresh:
                    self._add(cursor, fresh, summarize=[])
                changed = sorted({employee_id, *people})
                cursor.execute(sql.load("subject_index/forget_summaries"),
                               {"tables": names, "everyone": False, "people": changed})
                self._summarize(cursor, "postings", names, changed)
            self._unpublished = self._publishes

"""The one part that takes a person's rows out of the warehouse.

It reads only inside a read the ledger records for that person
(`personal_read`; `Read.require` refuses otherwise), binds the person's
keys as parameters, reads only the files the subject index names for them
(and in each, only the runs of rows it found them in), and pseudonymizes
colleagues before anything leaves.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from itertools import islice
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc

from queries import sql
from queries.access.reads import Read
from queries.discovery.catalog import TableFinding
from queries.discovery.directory import Directory
from queries.discovery.index_scan import batches
from queries.discovery.subject_rows import event_time_fragment, rows_naming_subject, token_bindings
from queries.mydata.pseudonyms import Pseudonymizer
from queries.warehouse.engine import RowRuns, Warehouse, WarehouseError

if TYPE_CHECKING:  # the inventory's service module needs the backend, which holds this reader
    from queries.discovery.index_lookups import IndexLookups
    from queries.mydata.inventory import InventoryEntry

log = logging.getLogger(__name__)

ALL_ROWS = 2**62
READ_AHEAD = 2  # batches of tables `RowReader.by_batch` reads at once


@dataclass(frozen=True)
class MyRows:
    entry: InventoryEntry
    rows: pa.Table | None
    error: str | None = None


@dataclass(frozen=True)
class Summary:
    """A figure asked of one person's rows: `statement` over `columns` of their rows in `entries`."""

    entries: list[InventoryEntry]
    columns: tuple[str, ...]
    statement: str


@dataclass(frozen=True)
class _SubjectColumns:
    """Some columns of one employee's rows in tables read together, as a statement to union."""

    entries: list[InventoryEntry]
    rows: sql.Fragment
    relations: dict[str, pa.Table]


def where_found(entry: InventoryEntry) -> TableFinding:
    """The table as far as the subject index found the person in it: only
    the columns that held them are searched for their keys. The files are
    already the index's, so this is as exact as the index itself; a column
    nobody holds them in is not cut into tokens for nothing. A table the
    index gave no columns for is searched whole."""
    columns = {mention.column for mention in entry.found}
    scanned = tuple(column for column in entry.finding.scanned if column[0] in columns)
    return replace(entry.finding, scanned=scanned) if scanned else entry.finding


def reading_batches(entries: list[InventoryEntry]) -> list[list[InventoryEntry]]:
    """Tables read by one statement: those sharing a schema, a storage and
    the columns the person was found in, up to a batch's bytes of the files
    holding them (`index_scan.batches`)."""
    by_finding = {}
    for entry in entries:
        by_finding.setdefault(replace(where_found(entry), files=entry.postings.files), []).append(entry)
    return [[entry for finding in batch for entry in by_finding.pop(finding, [])]
            for batch in batches(list(by_finding))]


@dataclass(frozen=True)
class RowReader:
    warehouse: Warehouse
    directory: Directory
    pseudonym_key: bytes
    plus_tags: bool
    index: IndexLookups | None = None  # where in each file people's rows sit; without it, files are read whole

    def within(self, read: Read, employee_id: str, entries: list[InventoryEntry],
               limit: int = ALL_ROWS) -> list[MyRows]:
        """One employee's rows in each of `entries`, as part of a read the
        caller holds open, which records them all as one entry."""
        if limit < ALL_ROWS:
            read.require(employee_id)
            runs = self._runs(employee_id, entries)
            return self._took(read, [self._fetch(employee_id, entry, limit, runs) for entry in entries])
        found = {id(result.entry): result for batch in self.by_batch(read, employee_id, entries) for result in batch}
        return [found[id(entry)] for entry in entries]

    def by_batch(self, read: Read, employee_id: str, entries: list[InventoryEntry]) -> Iterator[list[MyRows]]:
        """All of one employee's rows in `entries`, a batch of tables at a
        time (`reading_batches`), for a caller that writes them out as they
        come; each batch is recorded in the read as it is handed over. The
        next batches are read while the caller writes out this one: DuckDB
        works outside the GIL, and an export spends a third of its time in
        Python encoding what was read. Two statements at once keep both
        cores busier where a batch is many small files, which one statement
        opens one after the other (the median export at L: 4.2 s, against
        4.8 s with one)."""
        read.require(employee_id)
        waiting = iter(reading_batches(entries))
        with ThreadPoolExecutor(READ_AHEAD, thread_name_prefix="read-ahead") as pool:
            coming = deque(pool.submit(self._fetch_batch, employee_id, batch) for batch in islice(waiting, READ_AHEAD))
            while coming:
                fetched = coming.popleft().result()
                for following in islice(waiting, 1):
                    coming.append(pool.submit(self._fetch_batch, employee_id, following))
                yield self._took(read, fetched)

    @staticmethod
    def _took(read: Read, fetched: list[MyRows]) -> list[MyRows]:
        read.took([f.entry.name for f in fetched if f.rows is not None],
                  sum(f.rows.num_rows for f in fetched if f.rows is not None))
        return fetched

    def summaries(self, read: Read, employee_id: str, asked: list[Summary]) -> list[tuple | None]:
        """For each of `asked`, one row of its statement (`queries/sql/<statement>.sql`,
        over `{{rows}}`) computed in the warehouse over its columns of one
        employee's rows in those of its entries that have all of them: a
        figure about many rows without carrying the rows out. None when no
        table has the columns or none can be read. The statements run side
        by side, as a page waits for all of them. Tables alike are searched
        for the person by one predicate (`reading_batches`): each copy of
        the predicate costs the statement milliseconds to prepare, and a
        lake keeps many copies of one dataset (at L, 95 tables of app usage
        cost 0.5 s each way)."""
        read.require(employee_id)
        runs = self._runs(employee_id, [entry for ask in asked for entry in ask.entries])
        subject = token_bindings(self.directory, self.plus_tags, self.directory.by_id(employee_id))
        with ThreadPoolExecutor(max(len(asked), 1), thread_name_prefix="summary") as pool:
            return list(pool.map(lambda ask: self._summary(read, ask, runs, subject), asked))

    def _summary(self, read: Read, ask: Summary, runs: dict[str, RowRuns], subject: dict) -> tuple | None:
        having = [e for e in ask.entries if set(ask.columns) <= {name for name, _ in e.finding.columns}]
        parts = self._parts_of_subject(reading_batches(having), ask.columns, runs)
        if not parts:
            return None
        try:
            row = self._summarize(ask.statement, parts, subject)
        except WarehouseError as problem:
            log.warning("summarizing %s failed (%s); again without the tables that fail alone", ask.statement, problem)
            alone = self._parts_of_subject([[entry] for part in parts for entry in part.entries], ask.columns, runs)
            parts = [part for part in alone if self._readable(ask.statement, part, subject)]
            if not parts:
                return None
            row = self._summarize(ask.statement, parts, subject)
        read.took([entry.name for part in parts for entry in part.entries],
                  sum(entry.postings.rows for part in parts for entry in part.entries))
        return row

    def _summarize(self, statement: str, parts: list[_SubjectColumns], subject: dict) -> tuple:
        rendered = sql.render(statement, fragments={"rows": sql.Fragment.join([p.rows for p in parts], "UNION ALL")})
        [row] = self.warehouse.query(rendered, subject, {n: t for p in parts for n, t in p.relations.items()})
        return row

    def _readable(self, statement: str, part: _SubjectColumns, subject: dict) -> bool:
        try:
            self._summarize(statement, [part], subject)
            return True
        except WarehouseError as problem:
            log.warning("reading %s failed: %s", ", ".join(entry.name for entry in part.entries), problem)
            return False

    def _parts_of_subject(self, batches: list[list[InventoryEntry]], columns: tuple[str, ...],
                          runs: dict[str, RowRuns]) -> list[_SubjectColumns]:
        """A batch that cannot be read together is read table by table, so
        one broken table hides nothing else."""
        parts, waiting = [], list(batches)
        while waiting:
            batch = waiting.pop(0)
            try:
                parts.append(self._columns_of_subject(batch, columns, len(parts), runs))
            except WarehouseError as problem:
                log.warning("reading %s failed: %s", ", ".join(entry.name for entry in batch), problem)
                if len(batch) > 1:
                    waiting[:0] = [[entry] for entry in batch]
        return parts

    def _columns_of_subject(self, batch: list[InventoryEntry], columns: tuple[str, ...], number: int,
                            runs: dict[str, RowRuns]) -> _SubjectColumns:
        rows = self.warehouse.rows([(entry.finding.table, entry.postings.files) for entry in batch], f"_t{number}",
                                   runs)
        listed = sql.Fragment.listed([sql.render("insights/column", identifiers={"column": c}) for c in columns])
        statement = sql.render("insights/columns_of_subject", fragments={
            "columns": listed, "rows_naming_subject": rows_naming_subject(where_found(batch[0]), rows.plain)})
        return _SubjectColumns(batch, statement, rows.relations)

    def _runs(self, employee_id: str, entries: list[InventoryEntry]) -> dict[str, RowRuns]:
        """Where in each file the index found the person, asked once for all
        the tables a read covers: only those rows are searched for their
        keys, so a file is not cut into tokens whole."""
        return self.index.row_runs(employee_id, [entry.name for entry in entries]) if self.index else {}

    def hiding_colleagues(self, employee_id: str, text: str) -> str:
        """A text summarized from one employee's rows, with every colleague
        it names pseudonymized, as in their rows."""
        return Pseudonymizer(self.pseudonym_key, self.directory.by_id(employee_id), self.directory).text(text)

    def _fetch_batch(self, employee_id: str, batch: list[InventoryEntry]) -> list[MyRows]:
        """All rows of tables sharing a schema, by one statement (a statement
        costs more than a small table's rows); if it fails, table by table,
        so a broken table hides nothing else."""
        runs = self._runs(employee_id, batch)
        if len(batch) == 1:
            return [self._fetch(employee_id, batch[0], ALL_ROWS, runs)]
        employee = self.directory.by_id(employee_id)
        try:
            source = self.warehouse.rows([(e.finding.table, e.postings.files) for e in batch], runs=runs)
            statement = sql.render("read_subject_rows_of_tables", fragments={
                "rows_naming_subject": rows_naming_subject(where_found(batch[0]), source.numbered),
                "event_time": event_time_fragment(batch[0].finding)})
            rows = self.warehouse.query_arrow(statement, token_bindings(self.directory, self.plus_tags, employee),
                                              source.relations)
        except WarehouseError as problem:
            log.warning("reading %d tables together for %s failed (%s); reading them one by one",
                        len(batch), employee_id, problem)
            return [self._fetch(employee_id, entry, ALL_ROWS, runs) for entry in batch]
        pseudonymizer = Pseudonymizer(self.pseudonym_key, employee, self.directory)
        file_of_row, rows = rows["daylight_file"], rows.drop_columns(["daylight_file"])
        results, first = [], 0
        for entry in batch:
            positions = pa.array(range(first, first + len(entry.postings.files)), pa.int64())
            first += len(entry.postings.files)
            mine = rows.filter(pc.is_in(pc.cast(file_of_row, pa.int64()), value_set=positions))
            results.append(MyRows(entry, pseudonymizer.apply(mine)))
        return results

    def _fetch(self, employee_id: str, entry: InventoryEntry, limit: int, runs: dict[str, RowRuns]) -> MyRows:
        employee = self.directory.by_id(employee_id)
        finding = entry.finding
        try:
            source = self.warehouse.rows([(finding.table, entry.postings.files)], runs=runs)
            statement = sql.render("read_subject_rows", fragments={
                "rows_naming_subject": rows_naming_subject(where_found(entry), source.plain),
                "event_time": event_time_fragment(finding)})
            rows = self.warehouse.query_arrow(statement, {
                "row_limit": limit, **token_bindings(self.directory, self.plus_tags, employee)}, source.relations)
        except WarehouseError as problem:
            log.warning("reading %s for %s failed: %s", entry.name, employee_id, problem)
            return MyRows(entry, None, "this table cannot be read right now; the operators have been told")
        return MyRows(entry, Pseudonymizer(self.pseudonym_key, employee, self.directory).apply(rows))


"""Scanning tables for the subject index: the statement that cuts every
value of every row into tokens and looks them up among the directory's
keys, and how tables are grouped into statements.

Tables that share a schema are read together, so a text they share is cut
once and small tables do not each pay for a statement; a batch that fails
is read again table by table, so one unreadable table holds back no other.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from queries import sql
from queries.discovery.catalog import TableFinding
from queries.discovery.directory import Directory
from queries.discovery.subject_keys import directory_keys
from queries.discovery.subject_rows import event_time_fragment, row_texts, token_fragments
from queries.warehouse.engine import Rows, Warehouse, WarehouseError

log = logging.getLogger(__name__)


def index_statement(finding: TableFinding, rows: Rows, everyone: bool = True) -> sql.Fragment:
    return sql.render("index_table_tokens", fragments={
        "numbered_rows": rows.numbered, "event_time": event_time_fragment(finding), "row_texts": row_texts(finding),
        **token_fragments(),
        "is_document": sql.render("tokens/is_document"),
        "people": sql.render("index_people/everyone" if everyone else "index_people/some")})


def subject_keys(directory: Directory) -> pa.Table:
    """The directory's keys as the index statement reads them (`subject_keys`)."""
    keys = directory_keys(directory)
    return pa.table({"value": [k.key for k in keys], "employee_id": [k.employee_id for k in keys],
                     "kind": [k.kind for k in keys]}, schema=pa.schema(
        [("value", pa.string()), ("employee_id", pa.string()), ("kind", pa.string())]))


@dataclass(frozen=True)
class IndexEntries:
    """Postings, hours, mentions and row runs of one or more tables, each
    row naming its table (`table_name`), as the index stores them."""

    postings: pa.Table
    hours: pa.Table
    mentions: pa.Table
    runs: pa.Table

    @staticmethod
    def of(scanned: pa.Table, files: list[str], tables: list[str], columns: list[str]) -> IndexEntries:
        """From the statement's result over `files` (the i-th of which belongs
        to `tables[i]`), whose scanned columns are `columns`, in order."""
        where = scanned["file_index"]
        named = {"table_name": pc.take(pa.array(tables, pa.string()), where),
                 "file": pc.take(pa.array(files, pa.string()), where)}
        part = scanned["part"]
        postings = pa.table({**named, **{c: scanned[c] for c in ("employee_id", "day", "row_count", "first_seen",
                                                                  "last_seen")}}).filter(pc.equal(part, "posting"))
        hours = pa.table({**named, **{c: scanned[c] for c in ("employee_id", "weekday", "hour", "row_count")}}
                         ).filter(pc.equal(part, "hour"))
        mentions = pa.table({**named, "employee_id": scanned["employee_id"],
                             "column_name": pc.take(pa.array(columns, pa.string()), scanned["column_number"]),
                             "finding": scanned["finding"], "form": scanned["form"],
                             "row_count": scanned["row_count"]}).filter(pc.equal(part, "mention"))
        runs = pa.table({**named, **{c: scanned[c] for c in ("employee_id", "first_row", "last_row")}}
                        ).filter(pc.equal(part, "run"))
        return IndexEntries(postings, hours, mentions, runs)


@dataclass(frozen=True)
class Scanned:
    """What scanning some tables gave: their entries, the tables read (to
    record with their fingerprints) and those that could not be read."""

    entries: list[IndexEntries]
    read: list[TableFinding]
    failed: list[str]


BATCH_BYTES = 128 * 2**20  # files read by one statement, at most (a single larger table is read alone)


def _file_bytes(files: tuple[str, ...]) -> int:
    """A file gone since discovery counts nothing here; reading it fails and is reported."""
    total = 0
    for file in files:
        try:
            total += os.path.getsize(file)
        except OSError:
            pass
    return total


def batches(stale: list[TableFinding]) -> list[list[TableFinding]]:
    """Tables that share a schema and a storage are read by one statement, so a text they
    share is cut into tokens once and small tables do not each pay for a
    statement: a lake keeps many snapshots and regional copies of one
    dataset (the sample keeps over a hundred of some). Reading one
    person's rows batches the same way, over the files holding them."""
    alike: dict[tuple, list[TableFinding]] = {}
    for finding in stale:
        alike.setdefault((finding.storage, finding.columns, finding.time_column, finding.scanned), []).append(finding)
    batches = []
    for members in alike.values():
        batch, size = [], 0
        for finding in members:
            grows = _file_bytes(finding.files)
            if batch and size + grows > BATCH_BYTES:
                batches.append(batch)
                batch, size = [], 0
            batch.append(finding)
            size += grows
        batches.append(batch)
    return batches


def scan(warehouse: Warehouse, batch: list[TableFinding], bindings: dict, keys: pa.Table) -> Scanned:
    """A batch that fails is read again table by table, so one unreadable
    table does not hold back the others."""
    files = [file for finding in batch for file in finding.files]
    try:
        rows = warehouse.rows([(finding.table, finding.files) for finding in batch])
        scanned = warehouse.query_arrow(index_statement(batch[0], rows), bindings,
                                        {"subject_keys": keys, **rows.relations})
    except WarehouseError as problem:
        if len(batch) > 1:
            alone = [scan(warehouse, [finding], bindings, keys) for finding in batch]
            return Scanned([e for s in alone for e in s.entries], [f for s in alone for f in s.read],
                           [name for s in alone for name in s.failed])
        log.warning("could not index %s: %s", batch[0].table.qualified_name, problem)
        return Scanned([], [], [batch[0].table.qualified_name])
    tables = [finding.table.qualified_name for finding in batch for _ in finding.files]
    return Scanned([IndexEntries.of(scanned, files, tables, [column for column, _ in batch[0].scanned])], batch, [])

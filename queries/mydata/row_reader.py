"""The one part that takes a person's rows out of the warehouse.

It reads only inside a read the ledger records for that person
(`personal_read`; `Read.require` refuses otherwise), binds the person's
keys as parameters, reads only the files the subject index names for them,
and pseudonymizes colleagues before anything leaves.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyarrow as pa

from queries import sql
from queries.access.reads import Read
from queries.discovery.directory import Directory
from queries.discovery.subject_rows import event_time_fragment, names_subject, token_bindings
from queries.mydata.pseudonyms import Pseudonymizer
from queries.warehouse.engine import Warehouse, WarehouseError

if TYPE_CHECKING:  # the inventory's service module needs the backend, which holds this reader
    from queries.mydata.inventory import InventoryEntry

log = logging.getLogger(__name__)

ALL_ROWS = 2**62


@dataclass(frozen=True)
class MyRows:
    entry: InventoryEntry
    rows: pa.Table | None
    error: str | None = None


@dataclass(frozen=True)
class RowReader:
    warehouse: Warehouse
    directory: Directory
    pseudonym_key: bytes
    plus_tags: bool

    def within(self, read: Read, employee_id: str, entries: list[InventoryEntry],
               limit: int = ALL_ROWS) -> list[MyRows]:
        """One employee's rows in each of `entries`, as part of a read the
        caller holds open, which records them all as one entry."""
        read.require(employee_id)
        fetched = [self._fetch(employee_id, entry, limit) for entry in entries]
        read.took([f.entry.name for f in fetched if f.rows is not None],
                  sum(f.rows.num_rows for f in fetched if f.rows is not None))
        return fetched

    def weekday_hours(self, read: Read, employee_id: str, entries: list[InventoryEntry]) -> list[tuple]:
        """(ISO weekday, hour, rows) of one employee's rows in `entries`, in
        one statement; if a table cannot be read, table by table, skipping
        what fails, so a broken table hides nothing else."""
        read.require(employee_id)
        subject = token_bindings(self.directory, self.plus_tags, self.directory.by_id(employee_id))
        parts = []
        for number, entry in enumerate(entries):
            try:
                parts.append(self._weekday_hours_in(entry, number))
            except WarehouseError as problem:
                log.warning("reading %s for %s failed: %s", entry.name, employee_id, problem)
        if not parts:
            return []
        relations = {name: table for _, tables in parts for name, table in tables.items()}
        total = sql.render("weekday_hour_totals",
                           fragments={"per_table": sql.Fragment.join([p for p, _ in parts], "UNION ALL")})
        try:
            return self.warehouse.query(total, subject, relations)
        except WarehouseError:
            rows = []
            for statement, tables in parts:
                try:
                    rows += self.warehouse.query(statement, subject, tables)
                except WarehouseError:
                    continue
            return rows

    def _weekday_hours_in(self, entry: InventoryEntry, number: int) -> tuple[sql.Fragment, dict]:
        suffix = f"_t{number}"
        rows = self.warehouse.rows([(entry.finding.table, entry.postings.files)], suffix)
        statement = sql.render("rows_by_weekday_hour", fragments={
            "rows": rows.plain, "names_subject": names_subject(entry.finding),
            "event_time": event_time_fragment(entry.finding)})
        return statement, rows.relations

    def _fetch(self, employee_id: str, entry: InventoryEntry, limit: int) -> MyRows:
        employee = self.directory.by_id(employee_id)
        finding = entry.finding
        try:
            source = self.warehouse.rows([(finding.table, entry.postings.files)])
            statement = sql.render("read_subject_rows", fragments={
                "rows": source.plain, "names_subject": names_subject(finding),
                "event_time": event_time_fragment(finding)})
            rows = self.warehouse.query_arrow(statement, {
                "row_limit": limit, **token_bindings(self.directory, self.plus_tags, employee)}, source.relations)
        except WarehouseError as problem:
            log.warning("reading %s for %s failed: %s", entry.name, employee_id, problem)
            return MyRows(entry, None, "this table cannot be read right now; the operators have been told")
        return MyRows(entry, Pseudonymizer(self.pseudonym_key, employee, self.directory).apply(rows))


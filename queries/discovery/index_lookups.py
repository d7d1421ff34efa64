"""What the subject index answers: the lookups every process holding it
makes, whether it keeps the index (`subject_index.SubjectIndex`) or reads a
published copy (`index_copies.IndexCopy`)."""

from __future__ import annotations

from datetime import date, datetime
from typing import NamedTuple

import duckdb

from queries import sql
from queries.discovery.subject_keys import KIND_LABELS
from queries.warehouse.register import Register


class SubjectIndexError(Exception):
    """The index cannot be opened or updated; the message says why."""


class TablePostings(NamedTuple):
    """What the index knows of one employee in one table. A named tuple
    rather than a frozen dataclass, as `Mention`: an inventory at L makes a
    thousand of each, and a frozen dataclass costs 0.7 µs to make, three
    times as much."""

    table: str
    rows: int
    first_seen: datetime | None
    last_seen: datetime | None
    files: tuple[str, ...]
    overdue_rows: int
    overdue_since: date | None


class Mention(NamedTuple):
    """Where one employee was found in one table: a column, the kind of
    finding and the form of the key, with the rows."""

    column: str
    finding: str  # "subject", "named" or "mentioned"
    form: str  # a key kind of `subject_keys`: employee_id, email, login, badge, hostname, email_sha256…
    rows: int

    def describe(self) -> str:
        how = {"subject": "as the row's subject", "named": "named in the row",
               "mentioned": "mentioned in text"}.get(self.finding, self.finding)
        return f"{how}, in {self.column}, by {KIND_LABELS.get(self.form, self.form)} ({self.rows:,} rows)"


RUN_BLOCK = 2_048  # rows per block of `index_table_tokens.sql`'s runs


def _joined(runs: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """Sorted runs, those in neighbouring blocks joined into one: DuckDB
    reads a block's neighbour as cheaply as a gap between them, and a
    shorter statement is quicker to prepare."""
    joined = [runs[0]]
    for first, last in runs[1:]:
        if first // RUN_BLOCK <= joined[-1][1] // RUN_BLOCK + 1:
            joined[-1] = (joined[-1][0], max(joined[-1][1], last))
        else:
            joined.append((first, last))
    return tuple(joined)


class IndexLookups:
    """The lookups, over `_connection`, which the subclass opens."""

    _connection: duckdb.DuckDBPyConnection

    def _run(self, name: str, params: dict | None = None) -> list[tuple]:
        statement = sql.load(name)
        bound = sql.bind(statement, params or {})
        cursor = self._connection.cursor()
        try:
            return cursor.execute(statement, bound).fetchall()
        finally:
            cursor.close()

    def tables_about(self, employee_id: str, register: Register, today: date) -> list[TablePostings]:
        """Per table, the employee's rows, capture span, files and overdue rows."""
        retention = register.retention_days()
        rows = self._run("subject_index/tables_about", {
            "employee_id": employee_id, "today": today,
            "retention_tables": list(retention), "retention_days": list(retention.values())})
        return [TablePostings(name, int(count), first, last, tuple(files), int(overdue), since)
                for name, count, first, last, files, overdue, since in rows]

    def row_runs(self, employee_id: str, tables: list[str]) -> dict[str, tuple[tuple[int, int], ...]]:
        """file → the runs of row numbers holding the employee's rows, in
        those tables: asked by a reader of their rows, not by the inventory,
        which names files only."""
        blocks: dict[str, list[tuple[int, int]]] = {}
        for file, first, last in self._run("subject_index/row_runs_of", {"employee_id": employee_id,
                                                                          "tables": tables}):
            blocks.setdefault(file, []).append((int(first), int(last)))
        return {file: _joined(sorted(found)) for file, found in blocks.items()}

    def mentions_of(self, employee_id: str) -> dict[str, tuple[Mention, ...]]:
        """table -> where the employee was found in it."""
        found: dict[str, list[Mention]] = {}
        for table, column, finding, form, rows in self._run("subject_index/mentions_of", {"employee_id": employee_id}):
            found.setdefault(table, []).append(Mention(column, finding, form, int(rows)))
        return {table: tuple(mentions) for table, mentions in found.items()}

    def daily_rows(self, employee_id: str) -> list[tuple[str, date, int]]:
        """(table, day, rows) for one employee."""
        return [(t, d, int(n)) for t, d, n in self._run("subject_index/daily_rows", {"employee_id": employee_id})]

    def weekday_hours(self, employee_id: str, tables: list[str]) -> dict[tuple[int, int], int]:
        """{(ISO weekday, hour): rows} for one employee over some tables."""
        return {(int(weekday), int(hour)): int(rows) for weekday, hour, rows in self._run(
            "subject_index/weekday_hours", {"employee_id": employee_id, "tables": tables})}

    def table_coverage(self) -> dict[str, tuple[int, int]]:
        """table → (employees, rows)."""
        return {name: (int(people), int(rows)) for name, people, rows in self._run("subject_index/table_coverage")}

    def employees_in_groups(self, groups: dict[str, list[str]]) -> dict[str, int]:
        """For each named group of tables, how many employees any of them
        holds rows about: one pass over the index for all groups."""
        pairs = [(name, table) for name, tables in groups.items() for table in tables]
        counted = dict(self._run("subject_index/employees_in_groups", {
            "group_names": [n for n, _ in pairs], "group_tables": [t for _, t in pairs]})) if pairs else {}
        return {name: int(counted.get(name, 0)) for name in groups}

    def indexed_tables(self) -> list[str]:
        return [name for name, _ in self._run("subject_index/indexed_tables")]

    def volumes(self) -> dict[str, int]:
        return {employee: int(rows) for employee, rows in self._run("subject_index/volumes")}

    def close(self) -> None:
        self._connection.close()

"""Which registered table an unregistered one is a copy or derivation of.

Warehouses grow by copies nobody registers: a weekly snapshot
(`chat_messages_snapshot_20261102`), a region's cut (`app_usage_daily_emea`),
a scratch copy (`keystrokes_backfill`). A legal hold on a kind of data, or an
erasure of it, must reach those copies too, or held rows are deleted and
erased rows survive. The rule, the same everywhere it is used:

an unregistered table is related to a registered one when both have the
same columns (names and types) and either their names overlap — one name
contains the other, or they share a word of four letters or more that is
not a generic word of table names — or some row of one is also a row of
the other (checked on the rows about one employee, which is what a hold or
an erasure concerns).

An unregistered table related to no registered one stays "unregistered".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from queries.discovery.catalog import Catalog, TableFinding
from queries.warehouse.glossary import UNREGISTERED
from queries.warehouse.register import Register

MIN_SHARED_WORD = 4
# Words that say how a table was made or cut, not what it holds.
GENERIC_WORDS = frozenset({"snapshot", "backfill", "daily", "weekly", "monthly", "hourly", "export", "copy",
                           "features", "table", "tmp", "temp", "test", "staging", "sample", "events", "data",
                           "raw", "clean", "final", "latest", "archive", "history", "emea", "apac", "amer",
                           "latam"})
_WORD = re.compile(r"[a-z]+")


def _words(name: str) -> set[str]:
    return {w for w in _WORD.findall(name.lower()) if len(w) >= MIN_SHARED_WORD and w not in GENERIC_WORDS}


def names_overlap(one: str, other: str) -> bool:
    """`one` and `other` are table names without their database."""
    return one in other or other in one or bool(_words(one) & _words(other))


def _shape(finding: TableFinding) -> frozenset:
    return frozenset(finding.columns)


class Relations:
    """The registered tables each unregistered table of the catalog is
    related to by its columns and name; a row overlap, which needs rows,
    is asked of `shares_rows` only where the names say nothing."""

    def __init__(self, catalog: Catalog, register: Register):
        self._register = register
        registered = [f for f in catalog.findings if register.get(f.table.qualified_name) and not f.error]
        self._by_shape: dict[frozenset, list[TableFinding]] = {}
        for finding in registered:
            self._by_shape.setdefault(_shape(finding), []).append(finding)
        self._catalog = catalog

    def candidates(self, table: str) -> list[str]:
        """Registered tables with the same columns as the unregistered `table`."""
        finding = self._catalog.get(table)
        if finding is None or finding.error or self._register.get(table):
            return []
        return sorted(f.table.qualified_name for f in self._by_shape.get(_shape(finding), []))

    def related(self, table: str, shares_rows: Callable[[str, str], bool] | None = None) -> list[str]:
        """The registered tables `table` is a copy or derivation of, by the rule above."""
        name = table.partition(".")[2]
        found = [r for r in self.candidates(table) if names_overlap(name, r.partition(".")[2])]
        if found or shares_rows is None:
            return found
        return [r for r in self.candidates(table) if shares_rows(table, r)]

    def categories(self, table: str, shares_rows: Callable[[str, str], bool] | None = None) -> set[str]:
        """The kinds of data the table holds: its registered category, or those
        of the registered tables it was copied from; else `unregistered`."""
        entry = self._register.get(table)
        if entry:
            return {entry.category}
        return {self._register.get(r).category for r in self.related(table, shares_rows)} or {UNREGISTERED}

    def covered(self, tables: Iterable[str], category: str,
                shares_rows: Callable[[str, str], bool] | None = None) -> list[str]:
        """Those of `tables` a hold or request on `category` covers."""
        return [t for t in tables if category in self.categories(t, shares_rows)]

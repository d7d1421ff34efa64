"""Questions a person can start the console from, on their own tables.

The curated questions in `queries/sql/console_examples/` name the sample's
tables; a real lake has other names. So besides the curated questions whose
tables the person has, questions are written from the person's own
largest tables: what is in it, and when they were recorded in it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from queries import sql
from queries.console.statement import check_statement
from queries.mydata.inventory import InventoryEntry

_PLAIN_NAME = re.compile(r"[a-z_][a-z0-9_]*")
_TIME_TYPES = ("TIMESTAMP", "DATE")
WRITTEN_FOR = 2  # tables that get written questions, the largest first


@dataclass(frozen=True)
class Example:
    question: str
    statement: str
    tables: frozenset[str]


def _checked(question: str, statement: str) -> Example | None:
    checked = check_statement(statement)
    return None if checked.refusal else Example(question, statement, checked.tables)


def _named(name: str) -> str:
    """A table or column name as a person would type it: bare when plain,
    quoted as an identifier otherwise."""
    return name if _PLAIN_NAME.fullmatch(name) else sql.quote_identifier(name)


def _table(entry: InventoryEntry) -> str:
    table = entry.finding.table
    return f"{_named(table.database)}.{_named(table.name)}"


def _written(entry: InventoryEntry) -> list[Example]:
    table = _table(entry)
    found = [_checked(f"What is in {entry.name}? (20 of my rows)", f"SELECT *\nFROM {table}\nLIMIT 20")]
    moment = next((name for name, kind in entry.finding.columns if kind.upper().startswith(_TIME_TYPES)), None)
    if moment:
        found.append(_checked(f"On which days was I recorded in {entry.name}?",
                              f"SELECT CAST({_named(moment)} AS DATE) AS day, count(*) AS records\nFROM {table}\n"
                              "GROUP BY day\nORDER BY day"))
    return [example for example in found if example and example.tables == {entry.name}]


@cache
def _every_curated() -> tuple[Example, ...]:
    """Checked once per process: they ship with the code, and checking a
    statement asks DuckDB for its parse tree (8% of the portal's samples
    under the load case when every console visit did it again)."""
    found = []
    for path in sorted((sql.SQL_DIR / "console_examples").glob("*.sql")):
        question, _, statement = path.read_text(encoding="utf-8").strip().rstrip(";").partition("\n")
        example = _checked(question.removeprefix("--").strip(), statement.strip())
        if example:
            found.append(example)
    return tuple(found)


def curated(my_tables: set[str]) -> list[Example]:
    """The curated questions whose tables the person has."""
    return [example for example in _every_curated() if example.tables <= my_tables]


def examples(entries: tuple[InventoryEntry, ...] | list[InventoryEntry]) -> list[Example]:
    """Curated questions first, then questions on the person's largest tables."""
    largest = sorted(entries, key=lambda e: (-e.postings.rows, e.name))[:WRITTEN_FOR]
    return curated({e.name for e in entries}) + [example for entry in largest for example in _written(entry)]


def placeholder(entries: tuple[InventoryEntry, ...] | list[InventoryEntry]) -> str:
    """The editor's hint: a query on the person's largest table."""
    if not entries:
        return "SELECT 42"
    return f"SELECT count(*) FROM {_table(min(entries, key=lambda e: (-e.postings.rows, e.name)))}"

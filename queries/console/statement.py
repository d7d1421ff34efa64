"""The trusted side's check of a console statement, on its parse tree.

DuckDB's parser serializes only SELECT statements (`json_serialize_sql`),
so whatever wraps another statement — `EXPLAIN ANALYZE CREATE …`, `SET`,
`PIVOT` as a statement, which creates a type first — is refused before any
worker starts; the worker then checks the statement's type again on its
own. Walking the tree also yields the `database.table` names the statement
reads (so that only those slices are loaded) and the table functions it
calls: only the ones that generate rows are accepted, never a file reader.
Nothing is executed here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

import duckdb

MAX_STATEMENT_CHARS = 20_000
MAX_DEPTH = 600  # levels of the parse tree; a subquery adds several, and DuckDB stops at 1,000 expressions
MAX_PARENTHESES = 200  # DuckDB's parser takes quadratic time over thousands of unclosed parentheses
TOO_DEEP = ("The query is nested too deeply to run here; write it with fewer nested subqueries, parentheses or "
            "CASE expressions (a WITH clause often helps).")
ROW_GENERATORS = frozenset({"range", "generate_series", "unnest"})


@dataclass(frozen=True)
class CheckedStatement:
    """A statement's tables, or why it is refused (`kind` names the refusal for the ledger)."""

    tables: frozenset[str] = frozenset()
    refusal: str | None = None
    kind: str | None = None
    detail: str = ""


def _refused(kind: str, message: str, detail: str = "") -> CheckedStatement:
    return CheckedStatement(refusal=message, kind=kind, detail=detail)


@cache
def _parsing_database() -> duckdb.DuckDBPyConnection:
    """One empty database for every parse, each through its own cursor:
    opening a database took 25 ms of every check, a cursor on this one
    under 1 ms. Nothing is ever executed in it, and it holds nothing."""
    return duckdb.connect(config={"enable_external_access": False, "autoload_known_extensions": False})


def _parse(statement: str) -> dict:
    """Syntax errors come back in the tree; an exception means the parsing
    database itself failed (a fatal error invalidates a DuckDB database),
    and the next statement gets a new one."""
    try:
        with _parsing_database().cursor() as parser:
            [(serialized,)] = parser.execute("SELECT json_serialize_sql($statement)",
                                             {"statement": statement}).fetchall()
    except duckdb.Error:
        _parsing_database.cache_clear()
        raise
    return json.loads(serialized)


def _walk(tree: object) -> tuple[set[str], set[str]]:
    """Tables and table functions named anywhere in the tree, iteratively:
    a hostile statement may nest deeper than Python's recursion allows."""
    tables: set[str] = set()
    functions: set[str] = set()
    pending = [(tree, 0)]
    while pending:
        node, depth = pending.pop()
        if depth > MAX_DEPTH:
            raise RecursionError
        if isinstance(node, dict):
            if node.get("type") == "BASE_TABLE" and node.get("schema_name"):
                tables.add(f"{node['schema_name']}.{node['table_name']}")
            if node.get("type") == "TABLE_FUNCTION":
                functions.add(str((node.get("function") or {}).get("function_name", "")).lower())
            pending.extend((value, depth + 1) for value in node.values())
        elif isinstance(node, list):
            pending.extend((value, depth + 1) for value in node)
    return tables, functions


def _parenthesis_depth(statement: str) -> int:
    """The deepest nesting of parentheses outside quotes and comments,
    found without the parser (which is what it protects)."""
    depth = deepest = 0
    position, end = 0, len(statement)
    closing = {"'": "'", '"': '"', "--": "\n", "/*": "*/"}
    while position < end:
        pair = statement[position:position + 2]
        opener = pair if pair in closing else statement[position] if statement[position] in closing else None
        if opener:
            found = statement.find(closing[opener], position + len(opener))
            position = end if found < 0 else found + len(closing[opener])
            continue
        if statement[position] == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif statement[position] == ")":
            depth -= 1
        position += 1
    return deepest


def check_statement(statement: str) -> CheckedStatement:
    if not statement.strip():
        return _refused("empty", "Type a query first, or start from one of the questions above it.")
    if len(statement) > MAX_STATEMENT_CHARS:
        return _refused("too_long", f"The query is longer than {MAX_STATEMENT_CHARS:,} characters.")
    if _parenthesis_depth(statement) > MAX_PARENTHESES:
        return _refused("too_deep", TOO_DEEP)
    try:
        parsed = _parse(statement)
        if parsed.get("error"):
            return _parse_refusal(parsed)
        if len(parsed["statements"]) != 1:
            return _refused("statements", f"{len(parsed['statements'])} statements given; run one at a time.")
        tables, functions = _walk(parsed["statements"][0])
    except RecursionError:
        return _refused("too_deep", TOO_DEEP)
    except duckdb.Error as problem:
        return _refused("syntax", f"The query cannot be read: {str(problem).splitlines()[0]}", str(problem))
    outside = sorted(functions - ROW_GENERATORS)
    if outside:
        return _refused("table_function", f"{', '.join(outside)}() cannot be used here: the console reads only your "
                                          "own tables (and range, generate_series and unnest).")
    return CheckedStatement(tables=frozenset(tables))


def _parse_refusal(parsed: dict) -> CheckedStatement:
    message = parsed.get("error_message", "")
    if parsed.get("error_type") == "parser":
        if "depth" in message.lower():
            return _refused("too_deep", TOO_DEEP, message)
        return _refused("syntax", f"Syntax error: {message}", message)
    return _refused("not_a_query", "Only queries are allowed here: a single SELECT (with WITH, UNION, PIVOT … IN, "
                                   "DESCRIBE or SUMMARIZE) over your own tables. Statements that change anything, "
                                   "EXPLAIN and SET are refused.", message)

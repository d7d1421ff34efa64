"""Finds every table and column that holds employee identifiers, by looking
at the data itself.

A column counts as an identifier column when sampled values are the ids or
emails of people in the directory, whatever the column is called: `actor`,
`sender`, a `recipients` list, or a path inside a JSON payload. The register
is then checked against these findings, never the other way round.

Findings are cached in the state folder per table, keyed on the table's
files (paths, sizes, modification times), so a pass over a large warehouse
only inspects the tables whose data has changed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from dataclasses import asdict, dataclass, field, replace
from functools import cached_property
from pathlib import Path

from queries import sql
from queries.directory import Directory
from queries.warehouse import DataFile, TableRef, Warehouse, WarehouseError

log = logging.getLogger(__name__)

# A column is an identifier column when at least this share of its sampled
# values are known ids or emails (service accounts share `actor` columns).
MIN_MATCH_SHARE = 0.05
CACHE_FILE = "discovery.json"
_SQL_USED = ("describe_table", "sample_text_values", "sample_list_values")
FORMAT = 2  # bump when a finding gains a field or the rules change
_JSON_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class FoundIdentifier:
    column: str
    holds: str  # "employee_id" or "email"
    shape: str  # "scalar", "list" or "json"
    json_path: str | None = None

    @property
    def label(self) -> str:
        return f"{self.column} ({self.json_path})" if self.json_path else self.column


@dataclass(frozen=True)
class TableFinding:
    table: TableRef
    columns: tuple[tuple[str, str], ...] = ()
    identifiers: tuple[FoundIdentifier, ...] = ()
    files: tuple[str, ...] = ()
    fingerprint: str = ""
    error: str | None = None
    time_column: str | None = None  # when each row was captured, if the table says

    @property
    def holds_people(self) -> bool:
        return bool(self.identifiers)

    def to_json(self) -> dict:
        data = asdict(self)
        data["table"] = self.table.qualified_name
        return data

    @staticmethod
    def from_json(data: dict) -> TableFinding:
        return TableFinding(
            table=TableRef.parse(data["table"]),
            columns=tuple(tuple(c) for c in data["columns"]),
            identifiers=tuple(FoundIdentifier(**i) for i in data["identifiers"]),
            files=tuple(data["files"]),
            fingerprint=data["fingerprint"],
            error=data["error"],
            time_column=data["time_column"],
        )


@dataclass(frozen=True)
class Catalog:
    """What discovery found: every table, with or without people in it."""

    findings: tuple[TableFinding, ...] = field(default_factory=tuple)

    def with_people(self) -> list[TableFinding]:
        return [f for f in self.findings if f.holds_people]

    def unreadable(self) -> list[TableFinding]:
        return [f for f in self.findings if f.error]

    @cached_property
    def _by_name(self) -> dict[str, TableFinding]:
        return {f.table.qualified_name: f for f in self.findings}

    def get(self, qualified_name: str) -> TableFinding | None:
        return self._by_name.get(qualified_name)


def fingerprint(files: list[DataFile]) -> str:
    digest = hashlib.sha256()
    for f in files:
        digest.update(f"{f.path}\0{f.size}\0{f.modified_ns}\n".encode())
    return digest.hexdigest()


class _Recognizer:
    """Decides whether sampled values are employee identifiers."""

    def __init__(self, directory: Directory):
        self.ids = directory.ids()
        self.emails = directory.emails()

    def holds(self, values: list[str]) -> str | None:
        if not values:
            return None
        id_hits = sum(v in self.ids for v in values)
        email_hits = sum(v.casefold() in self.emails for v in values)
        best, hits = ("employee_id", id_hits) if id_hits >= email_hits else ("email", email_hits)
        return best if hits and hits >= MIN_MATCH_SHARE * len(values) else None

    def json_paths(self, documents: list[str]) -> list[tuple[str, str]]:
        """(json_path, holds) for every path whose values are identifiers."""
        by_path: dict[str, list[str]] = {}
        for document in documents:
            try:
                parsed = json.loads(document)
            except (json.JSONDecodeError, TypeError):
                continue
            for path, value in _leaves(parsed, "$"):
                by_path.setdefault(path, []).append(value)
        found = []
        for path, values in sorted(by_path.items()):
            holds = self.holds(values)
            if holds:
                found.append((path, holds))
        return found


def _leaves(node, path: str):
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(key, str) and _JSON_KEY.match(key):
                yield from _leaves(value, f"{path}.{key}")
    elif isinstance(node, str):
        yield path, node


def _sample(warehouse: Warehouse, template: str, column: str, files: list[str]) -> list[str]:
    statement = sql.render(template, identifiers={"column": column})
    rows = warehouse.query(statement, {"files": files})
    return [row[0] for row in rows if isinstance(row[0], str)]


def _inspect(warehouse: Warehouse, recognizer: _Recognizer, table: TableRef, files: list[DataFile]) -> TableFinding:
    paths = [f.path for f in files]
    common = {"table": table, "files": tuple(paths), "fingerprint": fingerprint(files)}
    if not paths:
        return TableFinding(**common, error="the table has no data files")
    try:
        columns = tuple((row[0], row[1]) for row in warehouse.query(sql.render("describe_table"), {"files": paths}))
        identifiers: list[FoundIdentifier] = []
        for name, kind in columns:
            if kind == "VARCHAR":
                values = _sample(warehouse, "sample_text_values", name, paths)
                holds = recognizer.holds(values)
                if holds:
                    identifiers.append(FoundIdentifier(name, holds, "scalar"))
                elif any(v.lstrip().startswith("{") for v in values):
                    identifiers += [FoundIdentifier(name, h, "json", p) for p, h in recognizer.json_paths(values)]
            elif kind == "VARCHAR[]":
                holds = recognizer.holds(_sample(warehouse, "sample_list_values", name, paths))
                if holds:
                    identifiers.append(FoundIdentifier(name, holds, "list"))
    except WarehouseError as problem:
        log.warning("discovery could not read %s: %s", table.qualified_name, problem)
        return TableFinding(**common, error=f"cannot be read: {problem}")
    return TableFinding(**common, columns=columns, identifiers=tuple(identifiers), time_column=_time_column(columns))


def _method_version() -> str:
    """Findings made by other SQL or thresholds are not reused."""
    method = "\n".join(sql.load(name) for name in _SQL_USED) + f"\n{MIN_MATCH_SHARE}\n{FORMAT}"
    return hashlib.sha256(method.encode()).hexdigest()


def _time_column(columns: tuple[tuple[str, str], ...]) -> str | None:
    """The first timestamp column, else the first date column (a `day`, or
    the `dt` partition)."""
    for prefix in ("TIMESTAMP", "DATE"):
        for name, kind in columns:
            if kind.startswith(prefix):
                return name
    return None


def _load_cache(path: Path) -> dict[str, TableFinding]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if raw.get("method") != _method_version():
            return {}
        return {item["table"]: TableFinding.from_json(item) for item in raw["findings"]}
    except FileNotFoundError:
        return {}
    except (json.JSONDecodeError, KeyError, TypeError, ValueError):
        log.warning("discovery cache %s is unreadable; rebuilding it", path)
        return {}


def _save_cache(path: Path, catalog: Catalog) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps({"method": _method_version(), "findings": [f.to_json() for f in catalog.findings]}),
                         encoding="utf-8")
    os.replace(temporary, path)


def discover(warehouse: Warehouse, directory: Directory, state_dir: Path) -> Catalog:
    """Inspects every table whose files changed since the last pass."""
    cache_path = Path(state_dir) / CACHE_FILE
    cached = _load_cache(cache_path)
    recognizer = _Recognizer(directory)
    findings = []
    for table in warehouse.tables():
        files = warehouse.files(table)
        previous = cached.get(table.qualified_name)
        if previous and previous.fingerprint == fingerprint(files):
            findings.append(previous)
        else:
            findings.append(_inspect(warehouse, recognizer, table, files))
    catalog = Catalog(tuple(findings))
    _save_cache(cache_path, catalog)
    return catalog


def carry_over(warehouse: Warehouse, catalog: Catalog, state_dir: Path, tables: set[str]) -> Catalog:
    """After an erasure rewrote the files of `tables` in place, only rows
    gone and the schema cast back to the original, their findings still
    hold: the new fingerprints are recorded instead of inspecting the tables
    again. A table whose file list changed meanwhile is left to the next
    pass."""
    findings = []
    for finding in catalog.findings:
        if finding.table.qualified_name in tables:
            files = warehouse.files(finding.table)
            if tuple(f.path for f in files) == finding.files:
                finding = replace(finding, fingerprint=fingerprint(files))
        findings.append(finding)
    updated = Catalog(tuple(findings))
    _save_cache(Path(state_dir) / CACHE_FILE, updated)
    return updated

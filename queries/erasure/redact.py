"""Which of a file's rows naming the subject are theirs, and how the others
are kept without them — for every shape discovery finds people in.

A row is the subject's own, and deleted, when no top-level scalar column
names somebody else as its whole value, and either a top-level scalar
column names the subject as its whole value (their keystrokes, the message
they sent, their badge swipe, `ACME\\igarcia`'s VPN session) or the subject
is named inside a list, struct, map or JSON document of a row that names
nobody else at all (their entry in a training snapshot, their laptop's
health report). Every other row naming them is someone else's — a message
they received, a meeting they attended, a review about them written by a
manager — and is kept for its owner without the subject: their identifier
is blanked as a whole value, removed from lists, dropped from map entries
(key or value), blanked in struct fields, treated the same way inside JSON
documents at any depth, and replaced by `MARKER` inside free text.
Identifiers are recognized exactly as the subject index recognizes them
(`subject_keys`): whole tokens, any ASCII case, any form of key.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

import pyarrow as pa

from queries import sql
from queries.discovery.catalog import TableFinding
from queries.discovery.directory import Directory, Employee
from queries.discovery.subject_keys import TOKEN, WHOLE_VALUE, as_key, keys_of, person_named
from queries.discovery.subject_rows import rows_naming_subject, token_bindings
from queries.warehouse.engine import RowRuns, Rows, Warehouse

MARKER = "[erased]"
_WHOLE_VALUE = re.compile(WHOLE_VALUE)
_TOKEN = re.compile(TOKEN)
def whole_key(text: str) -> str | None:
    """The key a value is as a whole (`x`, `mailto:x`, `Name <x>`, `DOMAIN\\x`), if it is one token."""
    match = _WHOLE_VALUE.fullmatch(text)
    if not match:
        return None
    return as_key(match.group("token") or match.group("address") or match.group("login"))


def _looks_like_json(text: str) -> bool:
    return text.lstrip()[:1] in ("{", "[")


class Subject:
    """The erasure's subject: their keys, and the directory to tell who else a token names."""

    def __init__(self, keys: set[str], employee_id: str, directory: Directory):
        self.keys, self.employee_id, self.directory = keys, employee_id, directory

    def _people(self, text: str) -> set[str]:
        return {person for token in _TOKEN.findall(text)
                if (key := as_key(token)) and (person := person_named(self.directory, key))}

    def people_in(self, value) -> set[str]:
        """Everyone a value names, at any depth."""
        if value is None or isinstance(value, (bool, float)):
            return set()
        if isinstance(value, int):
            person = person_named(self.directory, str(value))
            return {person} if person else set()
        if isinstance(value, bytes):
            return self._people(value.decode("utf-8", errors="replace"))
        if isinstance(value, str):
            if _looks_like_json(value):
                try:
                    return self.people_in(json.loads(value))
                except json.JSONDecodeError:
                    pass
            return self._people(value)
        if isinstance(value, dict):
            return set().union(*(self.people_in(k) | self.people_in(v) for k, v in value.items()))
        if isinstance(value, (list, tuple)):
            return set().union(*(self.people_in(v) for v in value))
        return set()

    def _whole_person(self, value) -> str | None:
        if isinstance(value, bool) or value is None:
            return None
        if isinstance(value, int):
            return person_named(self.directory, str(value))
        if isinstance(value, bytes):
            value = value.decode("utf-8", errors="replace")
        if isinstance(value, str):
            key = whole_key(value)
            return person_named(self.directory, key) if key else None
        return None

    def owns(self, row: dict, scalar_columns: set[str]) -> bool:
        whole = {column: self._whole_person(row[column]) for column in scalar_columns}
        if any(person not in (None, self.employee_id) for person in whole.values()):
            return False
        if self.employee_id in whole.values():
            return True
        return self.people_in(list(row.values())) == {self.employee_id}

    def _is_subject(self, value) -> bool:
        if isinstance(value, bool) or value is None:
            return False
        if isinstance(value, int):
            return str(value) in self.keys
        if isinstance(value, bytes):
            value = value.decode("utf-8", errors="replace")
        return isinstance(value, str) and whole_key(value) in self.keys

    def _text(self, text: str) -> str:
        return _TOKEN.sub(lambda m: MARKER if as_key(m.group(0)) in self.keys else m.group(0), text)

    def _json(self, node):
        """A decoded JSON document without the subject: list elements and
        object keys that are the subject removed, values blanked (null)."""
        if self._is_subject(node):
            return None
        if isinstance(node, str):
            return self._text(node)
        if isinstance(node, dict):
            return {k: self._json(v) for k, v in node.items() if not self._is_subject(k)}
        if isinstance(node, list):
            return [self._json(v) for v in node if not self._is_subject(v)]
        return node

    def redact(self, value, kind: pa.DataType):
        """`value`, of Arrow type `kind`, without the subject; same type, everything else kept."""
        if value is None:
            return None
        if isinstance(kind, pa.BaseExtensionType):
            kind = kind.storage_type
        if pa.types.is_dictionary(kind):
            kind = kind.value_type
        if pa.types.is_struct(kind):
            return {f.name: self.redact(value.get(f.name), f.type) for f in kind}
        if pa.types.is_map(kind):
            return [(self.redact(k, kind.key_type), self.redact(v, kind.item_type)) for k, v in value
                    if not self._is_subject(k) and not self._is_subject(v)]
        if pa.types.is_fixed_size_list(kind):
            return [self.redact(v, kind.value_type) for v in value]
        if pa.types.is_list(kind) or pa.types.is_large_list(kind):
            return [self.redact(v, kind.value_type) for v in value if not self._is_subject(v)]
        if self._is_subject(value):
            return None
        if isinstance(value, str):
            if _looks_like_json(value):
                try:
                    return json.dumps(self._json(json.loads(value)))
                except json.JSONDecodeError:
                    pass
            return self._text(value)
        if isinstance(value, bytes):
            return self._text(value.decode("utf-8", errors="surrogateescape")).encode("utf-8", errors="surrogateescape")
        return value


@dataclass(frozen=True)
class RowFinder:
    """What erasing needs to find a person's rows in a file and to tell
    whose a row is: the warehouse, and the directory (their keys, everyone
    else's)."""

    warehouse: Warehouse
    directory: Directory
    plus_tags: bool

    def subject(self, employee: Employee) -> Subject:
        return Subject({k.key for k in keys_of(employee)}, employee.employee_id, self.directory)

    def rows_naming(self, finding: TableFinding, file: str, employee: Employee) -> list[int]:
        """Positions of the file's rows naming the subject, as the index
        finds them: in a Hive folder's file, in its own columns (not its
        partition folders); in a table with its own metadata, in the rows
        the format reads from it."""
        if finding.erasure not in ("files", ""):
            [rows] = self.warehouse.format_of(finding.table).read(finding.table, [file])
            return self.rows_naming_in(finding, rows, employee)
        columns = self.warehouse.hive_folders.file_columns(finding.table, file)
        return self._positions(finding, columns, self.warehouse.rows([(finding.table, [file])]), employee)

    def files_naming(self, findings: dict[str, TableFinding], files: list[str], employee: Employee) -> list[str]:
        """The files among `files` (each of the table `findings` names) with a
        row naming the subject."""
        by_table: dict[str, list[str]] = {}
        for file in files:
            by_table.setdefault(findings[file].table.qualified_name, []).append(file)
        return sorted(file for group in by_table.values()
                      for file, positions in self.rows_naming_in_files(findings[group[0]], group, employee).items()
                      if positions)

    def rows_naming_in_files(self, finding: TableFinding, files: list[str], employee: Employee,
                             runs: Mapping[str, RowRuns] | None = None) -> dict[str, list[int]]:
        """file → the positions of its rows naming the subject, for some files
        of one table. A Hive folder table's files are searched in one
        statement, its columns being those any of them holds: per file,
        planning the search cost as much as running it."""
        if finding.erasure not in ("files", ""):
            return {file: self.rows_naming(finding, file, employee) for file in files}
        columns = set().union(*(self.warehouse.hive_folders.file_columns(finding.table, f) for f in files))
        found: dict[str, list[int]] = {file: [] for file in files}
        for index, position in self._search("erasure/rows_naming_subject_in_files", finding, columns,
                                            self.warehouse.rows([(finding.table, files)], runs=runs), employee):
            found[files[index]].append(position)
        return found

    def rows_naming_in(self, finding: TableFinding, rows: pa.Table, employee: Employee) -> list[int]:
        """Positions of the rows of `rows` (read through the table's format) naming the subject."""
        return self._positions(finding, rows.column_names, Rows.of_tables([rows]), employee)

    def _positions(self, finding: TableFinding, columns: list[str], rows: Rows, employee: Employee) -> list[int]:
        return [position for (position,) in self._search("erasure/rows_naming_subject", finding, set(columns), rows,
                                                          employee)]

    def _search(self, statement: str, finding: TableFinding, columns: set[str], rows: Rows,
                employee: Employee) -> list[tuple]:
        """`statement` over `rows`, where `rows_naming_subject` looks at the
        table's searched columns that these rows hold."""
        own = replace(finding, scanned=tuple(c for c in finding.scanned if c[0] in columns))
        if not own.scanned:
            return []
        rendered = sql.render(statement, fragments={"rows_naming_subject": rows_naming_subject(own, rows.numbered)})
        return self.warehouse.query(rendered, token_bindings(self.directory, self.plus_tags, employee), rows.relations)


def scalar_columns(schema: pa.Schema) -> set[str]:
    return {f.name for f in schema if not pa.types.is_nested(f.type) and not isinstance(f.type, pa.BaseExtensionType)}


def classify(rows: pa.Table, subject: Subject) -> list[bool]:
    """For each row naming the subject: is it theirs (deleted) or someone else's (kept, redacted)?"""
    scalars = scalar_columns(rows.schema)
    return [subject.owns(row, scalars) for row in rows.to_pylist()]

"""Colleagues' identifiers in my rows become stable pseudonyms.

A chat I received names its sender; the meeting I spoke in lists the other
participants. I may see that someone was there, not who: every identifier
in an identifier column that is not mine is replaced by a keyed hash.

- Stable: the same colleague gets the same pseudonym in every table, every
  view and every export, whether the row named them by id or by email.
- Distinct: different colleagues get different pseudonyms.
- Per viewer: the key mixes in the viewer's id, so two employees cannot
  pool their exports to link a colleague across them.
- In text too: a colleague's id or email written inside any text value
  ("loop in hugo.nakamura@acme.example (E00225)"), at any depth of a list,
  struct, map or JSON document, becomes the same pseudonym. A token is
  replaced only when it is a whole id or email of someone in the directory,
  ignoring ASCII case: `E0001` inside `E00010` is not a mention.
The key lives in the state folder, created on first use, never in the
warehouse or the exports.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from queries.directory import Directory, Employee
from queries.discovery import FoundIdentifier

KEY_FILE = "pseudonym.key"
PREFIX = "colleague-"
MENTION = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+|[A-Za-z0-9_\-]+")


class PseudonymKeyError(Exception):
    """The key exists but cannot be used. It is never replaced silently:
    a new key would give every colleague a new pseudonym."""


def load_or_create_key(state_dir: Path) -> bytes:
    path = Path(state_dir) / KEY_FILE
    try:
        key = bytes.fromhex(path.read_text().strip())
        if len(key) < 16:
            raise ValueError("too short")
        return key
    except ValueError as problem:
        raise PseudonymKeyError(f"the pseudonym key {path} is damaged ({problem}); restore it from backup") from None
    except FileNotFoundError:
        key = secrets.token_bytes(32)
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as out:
            out.write(key.hex())
        return key


class Pseudonymizer:
    def __init__(self, key: bytes, viewer: Employee, directory: Directory):
        self._key = key
        self._viewer = viewer
        self._directory = directory
        self._own = {viewer.employee_id.casefold(), viewer.email.casefold()}

    def is_own(self, value: str) -> bool:
        return value.casefold() in self._own

    def _mention(self, match: re.Match) -> str:
        token = match.group(0)
        person = self._directory.mentioned(token)
        if person is None or person.employee_id == self._viewer.employee_id:
            return token
        return self.pseudonym(person.employee_id)

    def text(self, value: str) -> str:
        """`value` with every colleague it mentions by id or email pseudonymized."""
        return MENTION.sub(self._mention, value)

    def _deep(self, value):
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self._deep(k): self._deep(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return type(value)(self._deep(v) for v in value)
        return value

    def _mentions(self, column: pa.ChunkedArray) -> pa.ChunkedArray | pa.Array:
        kind = column.type
        if pa.types.is_string(kind) or pa.types.is_large_string(kind):
            encoded = pc.dictionary_encode(column).combine_chunks()
            rewritten = pa.array([None if v is None else self.text(v) for v in encoded.dictionary.to_pylist()],
                                 type=kind)
            return pc.take(rewritten, encoded.indices)
        if pa.types.is_nested(kind):
            return pa.array([self._deep(v) for v in column.to_pylist()], type=kind)
        return column

    def pseudonym(self, value: str) -> str:
        """The viewer's own identifiers stay; anyone else's become a pseudonym."""
        if self.is_own(value):
            return value
        person = self._directory.by_id(value) or self._directory.by_email(value)
        identity = person.employee_id if person else value.casefold()
        digest = hmac.new(self._key, f"{self._viewer.employee_id}\x00{identity}".encode(), hashlib.sha256)
        return PREFIX + digest.hexdigest()[:10]

    def _scalar(self, column: pa.ChunkedArray) -> pa.Array:
        values = column.to_pylist()
        mapping = {v: self.pseudonym(v) for v in set(values) if v is not None}
        return pa.array([None if v is None else mapping[v] for v in values], type=pa.string())

    def _list(self, column: pa.ChunkedArray) -> pa.Array:
        return pa.array([None if v is None else [None if x is None else self.pseudonym(x) for x in v]
                         for v in column.to_pylist()], type=pa.list_(pa.string()))

    def _json(self, column: pa.ChunkedArray, path: str) -> pa.Array:
        keys = path.removeprefix("$.").split(".")

        def rewrite(document: str | None) -> str | None:
            if document is None:
                return None
            try:
                parsed = json.loads(document)
            except json.JSONDecodeError:
                return document
            node = parsed
            for key in keys[:-1]:
                node = node.get(key) if isinstance(node, dict) else None
            if isinstance(node, dict) and isinstance(node.get(keys[-1]), str):
                node[keys[-1]] = self.pseudonym(node[keys[-1]])
            return json.dumps(parsed)

        return pa.array([rewrite(v) for v in column.to_pylist()], type=pa.string())

    def apply(self, rows: pa.Table, identifiers: tuple[FoundIdentifier, ...]) -> pa.Table:
        for identifier in identifiers:
            if identifier.column not in rows.column_names:
                continue
            column = rows[identifier.column]
            if identifier.shape == "list":
                replaced = self._list(column)
            elif identifier.shape == "json":
                replaced = self._json(column, identifier.json_path)
            else:
                replaced = self._scalar(pc.cast(column, pa.string()))
            rows = rows.set_column(rows.column_names.index(identifier.column), identifier.column, replaced)
        for index, name in enumerate(rows.column_names):
            rows = rows.set_column(index, name, self._mentions(rows.column(index)))
        return rows

"""Colleagues' identifiers in my rows become stable pseudonyms.

A chat I received names its sender; the meeting I spoke in lists the other
participants. I may see that someone was there, not who: every key of
someone else (`subject_keys`) in any value of my rows is replaced by a
keyed hash.

- Stable: the same colleague gets the same pseudonym in every table, every
  view and every export, whatever form of key named them.
- Distinct: different colleagues get different pseudonyms.
- Per viewer: the key mixes in the viewer's id, so two employees cannot
  pool their exports to link a colleague across them.
- In text too: a colleague's id, email, login, badge, hostname or hashed
  identifier written inside any text value ("loop in
  hugo.nakamura@acme.example (E00225)"), at any depth of a list, struct, map
  or JSON document, becomes the same pseudonym. Values are cut into tokens as
  discovery cuts them (`subject_keys`), so `E0001` inside `E00010` is not a
  mention.
The key lives in the state folder, created on first use, never in the
warehouse or the exports.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from queries.discovery.directory import Directory, Employee
from queries.discovery.subject_keys import TOKEN, as_key, person_named

KEY_FILE = "pseudonym.key"
PREFIX = "colleague-"
MENTION = re.compile(TOKEN)


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

    def pseudonym(self, employee_id: str) -> str:
        """A colleague's stable pseudonym for this viewer."""
        digest = hmac.new(self._key, f"{self._viewer.employee_id}\x00{employee_id}".encode(), hashlib.sha256)
        return PREFIX + digest.hexdigest()[:10]

    def _colleague(self, token: str) -> str | None:
        key = as_key(token)
        person = person_named(self._directory, key) if key else None
        return None if person in (None, self._viewer.employee_id) else person

    def _mention(self, match: re.Match) -> str:
        colleague = self._colleague(match.group(0))
        return match.group(0) if colleague is None else self.pseudonym(colleague)

    def text(self, value: str) -> str:
        """`value` with every colleague it names, in any form of key, pseudonymized."""
        return MENTION.sub(self._mention, value)

    def _deep(self, value):
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, bytes):
            return self.text(value.decode("utf-8", errors="surrogateescape")).encode("utf-8", errors="surrogateescape")
        if isinstance(value, dict):
            return {self._deep(k): self._deep(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return type(value)(self._deep(v) for v in value)
        return value

    def _texts(self, column: pa.ChunkedArray, kind: pa.DataType) -> pa.Array:
        """Each distinct text once: telemetry repeats itself."""
        encoded = pc.dictionary_encode(column).combine_chunks()
        rewritten = pa.array([None if v is None else self.text(v) for v in encoded.dictionary.to_pylist()], type=kind)
        return pc.take(rewritten, encoded.indices)

    def _integers(self, column: pa.ChunkedArray) -> pa.ChunkedArray | pa.Array:
        """A colleague's badge number stored as a number becomes their
        pseudonym, the column text; a column naming no colleague stays as it is."""
        values = column.to_pylist()
        if not any(v is not None and self._colleague(str(v)) for v in values):
            return column
        return pa.array([None if v is None else self.text(str(v)) for v in values], type=pa.string())

    def _column(self, column: pa.ChunkedArray):
        kind = column.type
        if isinstance(kind, pa.BaseExtensionType):
            storage = pa.chunked_array([c.storage for c in column.chunks], kind.storage_type)
            return pa.ExtensionArray.from_storage(kind, pa.array(self._column(storage)))
        if pa.types.is_dictionary(kind):
            return self._column(pc.cast(column, kind.value_type))
        if pa.types.is_string(kind) or pa.types.is_large_string(kind):
            return self._texts(column, kind)
        if pa.types.is_integer(kind):
            return self._integers(column)
        if pa.types.is_binary(kind) or pa.types.is_large_binary(kind) or pa.types.is_nested(kind):
            return pa.array([self._deep(v) for v in column.to_pylist()], type=kind)
        return column

    def apply(self, rows: pa.Table) -> pa.Table:
        """`rows` with every colleague named anywhere in them pseudonymized;
        the viewer's own identifiers stay as they are."""
        for index, name in enumerate(rows.column_names):
            rows = rows.set_column(index, name, self._column(rows.column(index)))
        return rows

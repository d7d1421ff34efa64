"""The erasure journal: per request and file, how far its rewrite got
(planned → written → swapped, with the new file's SHA-256 and counts), or
per table erased through its format's steps (planned → rewritten →
expired → cleaned, with what they did), the
identifiers the deleted rows named in other people's rows, and the
subject's distinctive values until verification. It lives in the deletion
store's database, so a step and a request's state can commit together,
and it is wiped of identifiers once the receipt is written."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

from queries.state import store as state_store


TABLE_ENTRY = "table:"  # the key of a table erased as a whole, through its format's steps


def table_entry(table: str) -> str:
    return TABLE_ENTRY + table


@dataclass(frozen=True)
class JournalEntry:
    file: str
    table: str
    step: str
    new_sha256: str | None
    rows_deleted: int | None
    rows_redacted: int | None
    distinctive: list[str]

    @property
    def whole_table(self) -> bool:
        return self.file.startswith(TABLE_ENTRY)


class ErasureJournal:
    def __init__(self, connection: sqlite3.Connection):
        self._connection = connection

    def entries(self, request_id: str) -> list[JournalEntry]:
        return [JournalEntry(f, t, s, h, d, r, json.loads(v) if v else [])
                for f, t, s, h, d, r, v in state_store.run(self._connection, "deletion/journal",
                                                           {"request_id": request_id})]

    def plan(self, request_id: str, files: list[tuple[str, str]]) -> None:
        """Journals (file, table) pairs as planned, all at once."""
        with state_store.transaction(self._connection) as db:
            state_store.run_many(db, "deletion/journal_plan", [
                {"request_id": request_id, "file": file, "table_name": table} for file, table in files])

    def set_step(self, request_id: str, file: str, step: str, new_sha256: str | None, counts: dict,
                 others_named: list[str] | None = None) -> None:
        with state_store.transaction(self._connection) as db:
            state_store.run(db, "deletion/journal_step", {"request_id": request_id, "file": file, "step": step,
                                                          "new_sha256": new_sha256, **counts})
            if others_named:
                state_store.run(db, "deletion/journal_others_named", {"request_id": request_id, "file": file,
                                                                      "identifiers": json.dumps(others_named)})

    def note(self, request_id: str, file: str, **values) -> None:
        """Adds `values` to what the journal notes of an entry (the snapshots an Iceberg erasure expires)."""
        with state_store.transaction(self._connection) as db:
            state_store.run(db, "deletion/journal_note", {"request_id": request_id, "file": file,
                                                          "note": json.dumps(values)})

    def notes(self, request_id: str) -> dict[str, dict]:
        return {file: json.loads(note) for file, note in state_store.run(self._connection, "deletion/journal_notes",
                                                                         {"request_id": request_id})}

    def others_named(self, request_id: str) -> dict[str, dict[str, list[str]]]:
        """table → file → identifiers the deleted rows named in others' rows."""
        named: dict[str, dict[str, list[str]]] = {}
        for table, file, identifiers in state_store.run(self._connection, "deletion/others_named",
                                                        {"request_id": request_id}):
            named.setdefault(table, {})[file] = json.loads(identifiers)
        return named

    def wipe(self, request_id: str) -> bool:
        """Forgets the identifiers kept for the run; False when the store's
        log could not be emptied (they stay in it until its next checkpoint)."""
        with state_store.transaction(self._connection) as db:
            state_store.run(db, "deletion/wipe_distinctive", {"request_id": request_id})
            state_store.run(db, "deletion/wipe_others_named", {"request_id": request_id})
        return state_store.empty_the_log(self._connection)

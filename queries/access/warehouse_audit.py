"""The warehouse's own audit log, imported and attributed to the people
whose rows each event touched.

The log is the engine's record (here Ranger-style JSON lines) of who read
which table, with which row filter, for which declared purpose. Imports
are incremental (each run reads on from where the last stopped; a rotated
or replaced log is read again from its start) and idempotent (events are
keyed by their id). Attribution follows what the read could see: a full
read of a table touched everyone who had rows in it at that time; a
filtered read touched the people its filter values name. Filtered reads
are attributed to employees when they are imported, and the attribution
is kept: the history of who read a person's data is the controller's
accountability record, and survives the erasure of the data itself.

    daylight audit import [--config portal.toml]
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from queries.discovery.directory import Directory
from queries.state import store as state_store
from queries.state.store import StateStoreError

if TYPE_CHECKING:
    import pandas as pd

    from queries.access.full_reads import FullReads

log = logging.getLogger(__name__)

AUDIT_FILE = "warehouse_audit.sqlite"
BATCH_LINES = 20_000


class WarehouseAuditError(Exception):
    """The audit log or its imported copy cannot be used; the message says why."""


@dataclass(frozen=True)
class ImportReport:
    imported: int
    already_known: int
    malformed: int


def _event_row(raw: dict) -> tuple[dict, list[str]]:
    """Validates one logged event; raises ValueError if it is not usable."""
    for key in ("event_id", "event_time", "request_user", "resource"):
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise ValueError(f"missing {key}")
    datetime.fromisoformat(raw["event_time"])
    row_filter = raw.get("row_filter") or None
    values = []
    if row_filter is not None:
        if not isinstance(row_filter, dict) or not isinstance(row_filter.get("values"), list):
            raise ValueError("malformed row_filter")
        values = [str(v) for v in row_filter["values"]]
    request = raw.get("request_data")
    return {
        "event_id": raw["event_id"], "event_time": raw["event_time"], "request_user": raw["request_user"],
        "user_type": raw.get("user_type"), "resource": raw["resource"], "access_type": raw.get("access_type"),
        "result": raw.get("result", "allowed"), "client": raw.get("client"), "rows_returned": raw.get("rows_returned"),
        "purpose": raw.get("purpose") or None, "justification": raw.get("justification") or None,
        "filter_column": row_filter.get("column") if row_filter else None,
        "request_sha256": hashlib.sha256(request.encode()).hexdigest() if isinstance(request, str) else None,
    }, values


class WarehouseAudit:
    def __init__(self, state_dir: Path):
        try:
            self._connection = state_store.connect(Path(state_dir) / AUDIT_FILE, "warehouse_audit/schema")
        except StateStoreError as problem:
            raise WarehouseAuditError(f"the imported audit events cannot be opened: {problem}") from None
        self._full_reads: FullReads | None = None
        self._full_reads_lock = threading.Lock()

    def import_log(self, path: Path, directory: Directory) -> ImportReport:
        """Reads the events appended to `path` since the last import and
        attributes the people their filters name through `directory`."""
        path = Path(path)
        try:
            with open(path, "rb") as log_file:
                head = hashlib.sha256(log_file.readline()).hexdigest()
                size = log_file.seek(0, 2)
                known = state_store.run(self._connection, "warehouse_audit/import_position", {"source": str(path)})
                start = known[0][0] if known and known[0][1] == head and known[0][0] <= size else 0
                log_file.seek(start)
                report = self._import_from(log_file, str(path), start, head)
            self._attribute(directory)
            return report
        except OSError as problem:
            raise WarehouseAuditError(f"the warehouse audit log {path} cannot be read: {problem}") from None
        except sqlite3.Error as problem:
            raise WarehouseAuditError(f"the audit events could not be stored: {problem}") from None

    def _import_from(self, log_file, source: str, position: int, head: str) -> ImportReport:
        imported = known = malformed = 0
        while True:
            lines = log_file.readlines(BATCH_LINES * 400)
            complete = [line for line in lines if line.endswith(b"\n")]
            if not complete:
                return ImportReport(imported, known, malformed)
            events, values = [], []
            for number, line in enumerate(complete):
                try:
                    event, filter_values = _event_row(json.loads(line))
                except (ValueError, TypeError, AttributeError) as problem:
                    malformed += 1
                    log.warning("audit log %s: skipping a malformed line at byte %d (%s)", source,
                                position + sum(map(len, complete[:number])), problem)
                    continue
                events.append(event)
                values += [{"value": v, "event_id": event["event_id"]} for v in filter_values]
            position += sum(map(len, complete))
            with state_store.transaction(self._connection) as db:
                before = db.total_changes
                state_store.run_many(db, "warehouse_audit/add_event", events)
                added = db.total_changes - before
                state_store.run_many(db, "warehouse_audit/add_filter_value", values)
                state_store.run(db, "warehouse_audit/save_import_position", {
                    "source": source, "read_to": position, "head_sha256": head,
                    "imported_at": datetime.now(UTC).isoformat(timespec="seconds")})
            imported, known = imported + added, known + len(events) - added
            if len(complete) < len(lines):
                return ImportReport(imported, known, malformed)

    def _attribute(self, directory: Directory) -> None:
        """Attributes each new filtered read to the employees its values name
        (an id, or an email as the directory compares emails), as the
        directory says now; a read naming nobody it knows is tried again at
        the next import."""
        found = [{"employee_id": person.employee_id, "event_id": event_id}
                 for event_id, value in state_store.run(self._connection, "warehouse_audit/unattributed_filter_values")
                 if (person := directory.by_id(value) or directory.by_email(value))]
        with state_store.transaction(self._connection) as db:
            state_store.run_many(db, "warehouse_audit/attribute_event", found)

    def event_months(self) -> set[str]:
        """The calendar months ("2026-10") of the imported events."""
        return {month for (month,) in state_store.run(self._connection, "warehouse_audit/event_months")}

    def event_count(self) -> int:
        return state_store.run(self._connection, "warehouse_audit/event_count")[0][0]

    def all_events(self) -> list[tuple]:
        """(time, user, user type, table, purpose, justification, full read, JSON list of the
        employees the filter named) for every allowed event: the works council's aggregates start here."""
        return state_store.run(self._connection, "warehouse_audit/all_events")

    def retain_holdings(self, employee_id: str, daily_rows: list[tuple[str, date, int]]) -> None:
        """Keeps how many of the person's rows each table held each day, before
        an erasure removes the rows: their access history is attributed by it."""
        with state_store.transaction(self._connection) as db:
            state_store.run_many(db, "warehouse_audit/retain_holding", [
                {"employee_id": employee_id, "table_name": table, "day": day.isoformat(), "rows": rows}
                for table, day, rows in daily_rows])

    def holdings(self, employee_id: str, live: list[tuple[str, date, int]]) -> list[tuple[str, date, int]]:
        """The person's rows per table and day: those the index holds now
        (`live`), and, where an erasure removed them, as they were before."""
        merged = {(table, date.fromisoformat(day)): rows for table, day, rows in state_store.run(
            self._connection, "warehouse_audit/retained_holdings", {"employee_id": employee_id})}
        for table, day, rows in live:
            merged[(table, day)] = max(rows, merged.get((table, day), 0))
        return [(table, day, rows) for (table, day), rows in sorted(merged.items())]

    def full_reads(self) -> FullReads:
        """Every full read, read from the store again only when events were
        imported since. pandas is loaded here and in `events_about`, not
        with the module: a `daylight` command that reads no events starts
        half a second sooner."""
        from queries.access.full_reads import FullReads

        with self._full_reads_lock:
            [(latest,)] = state_store.run(self._connection, "warehouse_audit/latest_event")
            if self._full_reads is None or self._full_reads.version != latest:
                self._full_reads = FullReads.of(latest, state_store.run(self._connection, "warehouse_audit/full_reads"))
            return self._full_reads

    def events_about(self, employee_id: str, daily_rows: list[tuple[str, date, int]]) -> pd.DataFrame:
        """The allowed events that touched the employee whose rows per table
        and day are `daily_rows` (full reads of a table from the first day
        it held their rows; filtered reads naming them), oldest first, with
        `reach` saying which, and `my_rows`, how many of their rows the
        table held on the day of the event."""
        import pandas as pd

        from queries.access.full_reads import event_frame

        holdings = pd.DataFrame.from_records(daily_rows, columns=["table", "day", "rows"]).astype(
            {"table": "str", "rows": "int64"})
        first_day = holdings.groupby("table")["day"].min().to_dict()
        full = self.full_reads().since(first_day).assign(reach="full read")
        filtered = event_frame(state_store.run(self._connection, "warehouse_audit/filtered_reads_of",
                                               {"employee_id": employee_id})).assign(reach="filtered on you")
        events = pd.concat([full, filtered], ignore_index=True)
        events["day"] = events["at"].dt.tz_convert(None).dt.normalize().astype("datetime64[ns]")
        held = holdings.assign(day=pd.to_datetime(holdings["day"]).astype("datetime64[ns]"))
        held = held.sort_values(["table", "day"])
        held["my_rows"] = held.groupby("table")["rows"].cumsum()
        events = pd.merge_asof(events.sort_values("day", kind="stable"), held.sort_values("day", kind="stable")[
            ["table", "day", "my_rows"]], on="day", by="table")
        events["my_rows"] = events["my_rows"].fillna(0).astype(int)
        return events.drop(columns="day").sort_values("at", kind="stable", ignore_index=True)

    def close(self) -> None:
        self._connection.close()

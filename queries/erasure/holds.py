"""Legal holds: a store of their own beside the deletion requests (same
database). A hold keeps an employee's data — all of it, one category, or chosen tables —
out of every erasure until it expires or an officer lifts it; placing and
lifting are the officer's acts, so the store asks the policy as well as the
service in front of it."""

from __future__ import annotations

import json
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import datetime

from auth.policy import PLACE_LEGAL_HOLD, Resource, ensure
from auth.principal import Principal
from queries.erasure.requests import RequestError, stamp, utc_now
from queries.state import store as state_store


@dataclass(frozen=True)
class Hold:
    hold_id: str
    subject_id: str
    category: str | None
    reason: str
    placed_by: str
    placed_at: datetime
    expires_at: datetime
    tables: tuple[str, ...] = ()  # a hold on chosen tables

    def covers(self, kinds: set[str], origins: frozenset[str]) -> bool:
        """Whether it keeps a table holding these kinds of data, which is
        one of `origins` or a copy of them (`plan.kinds_of_data`)."""
        if self.tables:
            return bool(origins & set(self.tables))
        return self.category is None or self.category in kinds

    @property
    def keeps(self) -> str | None:
        """What it keeps, in words; None for all of the employee's data."""
        return ", ".join(self.tables) if self.tables else self.category


class LegalHolds:
    def __init__(self, connection: sqlite3.Connection):
        self.connection = connection

    def place(self, officer: Principal, subject_id: str, category: str | None, reason: str,
              expires_at: datetime, now: datetime | None = None, tables: tuple[str, ...] = ()) -> Hold:
        ensure(officer, PLACE_LEGAL_HOLD, Resource.about(subject_id))
        now = now or utc_now()
        if not reason.strip():
            raise RequestError("A legal hold needs a reason (for instance the case or the retention duty).")
        if expires_at <= now:
            raise RequestError("A legal hold must expire in the future.")
        hold_id = f"LH-{secrets.token_hex(4).upper()}"
        with state_store.transaction(self.connection) as db:
            state_store.run(db, "deletion/add_hold", {
                "hold_id": hold_id, "subject_id": subject_id, "category": category or None, "reason": reason.strip(),
                "placed_by": officer.employee_id, "placed_at": stamp(now), "expires_at": stamp(expires_at)})
            state_store.run_many(db, "deletion/add_hold_table", [{"hold_id": hold_id, "table_name": table}
                                                                 for table in sorted(set(tables))])
        return next(h for h in self.in_force(subject_id, now) if h.hold_id == hold_id)

    def lift(self, officer: Principal, hold: Hold, now: datetime | None = None) -> None:
        ensure(officer, PLACE_LEGAL_HOLD, Resource.about(hold.subject_id))
        with state_store.transaction(self.connection) as db:
            state_store.run(db, "deletion/lift_hold", {"hold_id": hold.hold_id, "lifted_by": officer.employee_id,
                                                        "lifted_at": stamp(now or utc_now())})

    def in_force(self, subject_id: str | None, now: datetime | None = None) -> list[Hold]:
        """Holds in force at `now`, for one employee or (None) for everyone."""
        rows = state_store.run(self.connection, "deletion/holds", {"subject_id": subject_id,
                                                                    "now": stamp(now or utc_now())})
        return [Hold(hid, subject, category, reason, by, datetime.fromisoformat(at), datetime.fromisoformat(until),
                     tuple(json.loads(tables)))
                for hid, subject, category, reason, by, at, until, tables in rows]

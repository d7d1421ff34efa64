"""Who accessed my data: the portal's ledger and the warehouse's own audit
log, attributed to me, in one history; and the windows in which my rows
were readable by people outside the tables' purposes.

Accessors are named or described by role according to
`audit.show_accessor_names`: the law owes an employee the dates and
purposes of accesses, and an employer may decide to owe names as well.
Service accounts are not people and are always named.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

import pyarrow as pa
from datetime import UTC, date, datetime

from auth.policy import VIEW_OWN_ACCESS_LOG, Resource, ensure
from auth.principal import Principal, known_role
from queries.access.grants import AccessGrants, Grant, configured_grants
from queries.access.ledger import RecordedAccess
from queries.access.warehouse_audit import AuditEvent
from queries.mydata.csv_safe import csv_bytes
from queries.backend import Backend
from queries.discovery.directory import Directory
from queries.warehouse.register import Register
from settings import AuditSettings

log = logging.getLogger(__name__)

OWN_ACTIONS = {"view-own-telemetry": "viewed", "query-own-telemetry": "queried in the console",
               "export-own-data": "exported"}


@dataclass(frozen=True)
class AccessRecord:
    at: datetime
    source: str
    who: str
    role: str
    by_me: bool
    tables: tuple[str, ...]
    my_rows: int
    action: str
    purpose: str | None
    justification: str | None
    reach: str
    unjustified: bool
    purpose_not_registered: bool


@dataclass(frozen=True)
class ExposureWindow:
    grant: Grant
    start: datetime
    end: datetime | None
    tables: tuple[str, ...]
    my_rows: int
    could_read: int
    readers: tuple[str, ...]
    reads: int


@dataclass(frozen=True)
class AccessHistory:
    records: tuple[AccessRecord, ...]
    exposures: tuple[ExposureWindow, ...]
    problems: tuple[str, ...]


class _Accessors:
    """Describes an accessor as the settings allow: name, role and groups."""

    def __init__(self, directory: Directory, settings: AuditSettings, grants: AccessGrants | None):
        self._directory, self._show_names, self._grants = directory, settings.show_accessor_names, grants
        self._broad = set(settings.broad_groups)
        self._described: dict[tuple[str, str | None], tuple[str, str]] = {}

    def name(self, employee_id: str) -> str:
        """A colleague's name where the settings show names; "a colleague" otherwise."""
        person = self._directory.by_id(employee_id)
        return person.name if person and self._show_names else "a colleague"

    def purpose_groups(self, user: str) -> list[str]:
        return [g for g in self._grants.groups_of(user) if g not in self._broad] if self._grants else []

    def describe(self, user: str, user_type: str | None) -> tuple[str, str]:
        """(who, role), worked out once per accessor: one busy account reads thousands of times."""
        key = (user, user_type)
        if key not in self._described:
            self._described[key] = self._describe(user, user_type)
        return self._described[key]

    def _describe(self, user: str, user_type: str | None) -> tuple[str, str]:
        person = self._directory.by_id(user)
        if person is None:
            return user, "service account" if user_type == "service" else (user_type or "unknown")
        groups = self.purpose_groups(user)
        role = ("member of " + ", ".join(groups)) if groups else "employee with no access group for this data"
        return self.name(user), role


def _portal_records(entries: list[RecordedAccess], accessors: _Accessors, me: str) -> list[AccessRecord]:
    records = []
    for entry in entries:
        access = entry.access
        by_me = access.actor_id == me
        who = "you" if by_me else accessors.name(access.actor_id)
        role = known_role(access.actor_role)
        records.append(AccessRecord(
            entry.at, "portal", who, role.label if role else access.actor_role, by_me, access.tables,
            access.rows, OWN_ACTIONS.get(access.action, access.action), access.purpose, access.justification,
            "your own request" if by_me else "about you", unjustified=not by_me and not access.justification,
            purpose_not_registered=False))
    return records


def _warehouse_records(register: Register, events: list[AuditEvent], accessors: _Accessors) -> list[AccessRecord]:
    records = []
    for event in events:
        who, role = accessors.describe(event.user, event.user_type)
        registered = register.get(event.table)
        drift = event.purpose is None or registered is None or event.purpose not in registered.purposes
        records.append(AccessRecord(
            event.at.replace(tzinfo=UTC) if event.at.tzinfo is None else event.at, "warehouse", who, role, False,
            (event.table,), event.my_rows, event.reach, event.purpose, event.justification, event.reach,
            unjustified=not event.justification, purpose_not_registered=drift))
    return records


def _held_at(daily: list[tuple[str, date, int]], tables: set[str], moment: datetime) -> int:
    return sum(rows for table, day, rows in daily if table in tables and day <= moment.date())


def exposure_windows(grants: AccessGrants, broad_groups: set[str], me: str, daily: list[tuple[str, date, int]],
                     events: list[AuditEvent], now: datetime) -> list[ExposureWindow]:
    """Each grant to a broad group that covered tables holding my rows, with
    how many people it let read them beyond those whose purpose covers the
    table, and who of them did."""
    first_day: dict[str, date] = {}
    for table, day, _ in daily:
        first_day[table] = min(day, first_day.get(table, day))
    windows = []
    for window in grants.broad_windows(broad_groups, now, first_day):
        grant, outsiders = window.grant, window.outsiders - {me}
        reads = [e for e in events
                 if e.table in window.tables and grant.granted_at <= e.at < window.end and e.user in outsiders]
        windows.append(ExposureWindow(grant, grant.granted_at, grant.revoked_at, window.tables,
                                      _held_at(daily, set(window.tables), window.end), len(outsiders),
                                      tuple(sorted({e.user for e in reads})), len(reads)))
    return windows


def access_history(backend: Backend, principal: Principal, now: datetime | None = None) -> AccessHistory:
    ensure(principal, VIEW_OWN_ACCESS_LOG, Resource.about(principal.employee_id))
    me = backend.directory.by_id(principal.employee_id)
    settings = backend.settings.audit
    backend.catalog()
    problems = [backend.audit_problem] if backend.audit_problem else []
    grants = configured_grants(settings.grants, settings.groups, problems)
    accessors = _Accessors(backend.directory, settings, grants)
    daily = backend.audit.holdings(me.employee_id, backend.index.daily_rows(me.employee_id))
    events = backend.audit.events_about([me.employee_id, me.email], daily)
    records = (_portal_records(backend.ledger.entries_about(me.employee_id), accessors, me.employee_id)
               + _warehouse_records(backend.register, events, accessors))
    records.sort(key=lambda r: r.at, reverse=True)
    exposures = [replace(w, readers=tuple(accessors.describe(user, "human")[0] for user in w.readers))
                 for w in (exposure_windows(grants, set(settings.broad_groups), me.employee_id, daily, events,
                                            now or datetime.now(UTC)) if grants else [])]
    return AccessHistory(tuple(records), tuple(exposures), tuple(problems))


def history_csv(history: AccessHistory) -> bytes:
    """The history as a spreadsheet people can keep: one line per access,
    text that a spreadsheet would run as a formula neutralized."""
    rows = [{"when": r.at.isoformat(), "source": r.source, "who": r.who, "role": r.role, "by me": r.by_me,
             "tables": ", ".join(r.tables), "my rows": r.my_rows, "how": r.action, "purpose": r.purpose or "",
             "justification": r.justification or "", "no justification": r.unjustified,
             "purpose not in the register": r.purpose_not_registered} for r in history.records]
    columns = ["when", "source", "who", "role", "by me", "tables", "my rows", "how", "purpose", "justification",
               "no justification", "purpose not in the register"]
    return csv_bytes(pa.Table.from_pylist(rows) if rows else pa.table({c: pa.array([], pa.string())
                                                                        for c in columns}))[0]

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
from datetime import UTC, date, datetime

import numpy as np
import pandas as pd
import pyarrow as pa

from auth.policy import VIEW_OWN_ACCESS_LOG, Resource, ensure
from auth.principal import Principal, known_role
from queries.access.grants import AccessGrants, Grant, configured_grants
from queries.access.ledger import RecordedAccess
from queries.mydata.csv_safe import csv_bytes
from queries.backend import Backend
from queries.discovery.directory import Directory
from queries.warehouse.register import Register
from settings import AuditSettings

log = logging.getLogger(__name__)

OWN_ACTIONS = {"view-own-telemetry": "viewed", "query-own-telemetry": "queried in the console",
               "export-own-data": "exported"}
# One row per access, newest first: what the page shows and the CSV holds.
ACCESS_COLUMNS = ["when", "source", "who", "role", "by me", "tables", "my rows", "how", "purpose", "justification",
                  "no justification", "purpose not in the register"]


TABLES_ON_SCREEN = 3
ACCESSES_PER_PAGE = 500


def brief_tables(joined: str) -> str:
    """A read's tables as the page shows them: the first few, and how many
    more. An inventory read lists every table of the person, a thousand at
    L: 40 KB in one cell, and 28 of the 42 MB the page sent to the browser
    on every visit. The CSV keeps them all."""
    if joined.count(", ") < TABLES_ON_SCREEN:
        return joined
    names = joined.split(", ")
    return ", ".join(names[:TABLES_ON_SCREEN]) + f" and {len(names) - TABLES_ON_SCREEN:,} more"


def pages_for(accesses: int) -> int:
    return max(1, -(-accesses // ACCESSES_PER_PAGE))


def page_rows(accesses: int, page: int) -> range:
    """The positions of the `page`th screenful (from 1) of `accesses` rows."""
    return range((page - 1) * ACCESSES_PER_PAGE, min(page * ACCESSES_PER_PAGE, accesses))


def page_of(accesses: pd.DataFrame, page: int) -> pd.DataFrame:
    """The `page`th screenful of accesses (from 1, in the order given), as
    the page shows them. A busy person's history holds 18,000 reads at S
    and 87,000 at L; sending them all made each visit build and ship 3 to
    16 MB to the browser, and a grid of them is read by nobody. The CSV
    holds every access."""
    shown = page_rows(len(accesses), page)
    rows = accesses.iloc[shown.start:shown.stop]
    return rows.drop(columns=["by me"]).assign(tables=rows["tables"].map(brief_tables))


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
    accesses: pd.DataFrame  # ACCESS_COLUMNS; "tables" joined by ", "
    exposures: tuple[ExposureWindow, ...]
    problems: tuple[str, ...]
    through: int = 0  # the last ledger entry about the person it holds (`up_to_date` adds the later ones)


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
        """(who, role), worked out once per accessor."""
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


def _portal_accesses(entries: list[RecordedAccess], accessors: _Accessors, me: str) -> pd.DataFrame:
    """One row per ledger entry, the tables of each distinct list joined
    once: each inventory read lists every table of the person (a thousand
    at L), and a person who visits often has a thousand such reads."""
    rows, joined = [], {}
    for entry in entries:
        access = entry.access
        by_me = access.actor_id == me
        role = known_role(access.actor_role)
        tables = joined.get(access.tables)
        if tables is None:
            tables = joined[access.tables] = ", ".join(access.tables)
        rows.append((pd.Timestamp(entry.at), "portal", "you" if by_me else accessors.name(access.actor_id),
                     role.label if role else access.actor_role, by_me, tables, access.rows,
                     OWN_ACTIONS.get(access.action, access.action), access.purpose, access.justification,
                     not by_me and not access.justification, False))
    return pd.DataFrame.from_records(rows, columns=ACCESS_COLUMNS)


def _per_distinct(columns: list[pd.Series], describe) -> list[np.ndarray]:
    """`describe` applied once per distinct combination of the columns' values
    (a busy account reads thousands of times; missing values as None),
    spread back over every row: one array per value of the tuple it returns."""
    codes = np.zeros(len(columns[0]), dtype=np.int64)
    for column in columns:
        column_codes, distinct = pd.factorize(column, use_na_sentinel=False)
        codes = codes * max(len(distinct), 1) + column_codes
    _, first_rows, spread = np.unique(codes, return_index=True, return_inverse=True)
    keys = zip(*([None if pd.isna(v) else v for v in column.iloc[first_rows].tolist()] for column in columns))
    described = np.array([describe(*key) for key in keys], dtype=object)
    return list(described[spread].T)


def _warehouse_accesses(register: Register, events: pd.DataFrame, accessors: _Accessors) -> pd.DataFrame:
    if events.empty:
        return pd.DataFrame(columns=ACCESS_COLUMNS)
    who, role = _per_distinct([events["user"], events["user_type"]], accessors.describe)

    def undeclared(table: str, purpose: str | None) -> tuple[bool]:
        registered = register.get(table)
        return (purpose is None or registered is None or purpose not in registered.purposes,)

    [drift] = _per_distinct([events["table"], events["purpose"]], undeclared)
    return pd.DataFrame({
        "when": events["at"], "source": "warehouse", "who": who, "role": role, "by me": False,
        "tables": events["table"], "my rows": events["my_rows"], "how": events["reach"], "purpose": events["purpose"],
        "justification": events["justification"], "no justification": events["justification"].isna().to_numpy(),
        "purpose not in the register": drift.astype(bool)})


def _utc(moment: datetime) -> pd.Timestamp:
    stamp = pd.Timestamp(moment)
    return stamp.tz_localize(UTC) if stamp.tzinfo is None else stamp.tz_convert(UTC)


def _held_at(daily: list[tuple[str, date, int]], tables: set[str], moment: datetime) -> int:
    return sum(rows for table, day, rows in daily if table in tables and day <= moment.date())


def exposure_windows(grants: AccessGrants, broad_groups: set[str], me: str, daily: list[tuple[str, date, int]],
                     events: pd.DataFrame, now: datetime) -> list[ExposureWindow]:
    """Each grant to a broad group that covered tables holding my rows, with
    how many people it let read them beyond those whose purpose covers the
    table, and who of them did."""
    first_day: dict[str, date] = {}
    for table, day, _ in daily:
        first_day[table] = min(day, first_day.get(table, day))
    users, tables = events["user"].astype("category"), events["table"].astype("category")
    windows = []
    for window in grants.broad_windows(broad_groups, now, first_day):
        grant, outsiders = window.grant, window.outsiders - {me}
        readers = users[tables.isin(window.tables) & users.isin(outsiders)
                        & (events["at"] >= _utc(grant.granted_at)) & (events["at"] < _utc(window.end))]
        windows.append(ExposureWindow(grant, grant.granted_at, grant.revoked_at, window.tables,
                                      _held_at(daily, set(window.tables), window.end), len(outsiders),
                                      tuple(sorted(set(readers.astype(str)))), len(readers)))
    return windows


def _newest_first(accesses: pd.DataFrame) -> pd.DataFrame:
    """Sorted by time, newest first; accesses at the same moment keep the
    order given: the warehouse's, then the portal's in ledger order, which
    `up_to_date` keeps by adding the new ledger entries last."""
    return accesses.sort_values("when", ascending=False, kind="stable", ignore_index=True)


def access_history(backend: Backend, principal: Principal, now: datetime | None = None) -> AccessHistory:
    ensure(principal, VIEW_OWN_ACCESS_LOG, Resource.about(principal.employee_id))
    me = backend.directory.by_id(principal.employee_id)
    settings = backend.settings.audit
    backend.catalog()
    problems = [backend.audit_problem] if backend.audit_problem else []
    grants = configured_grants(settings.grants, settings.groups, problems)
    accessors = _Accessors(backend.directory, settings, grants)
    daily = backend.audit.holdings(me.employee_id, backend.index.daily_rows(me.employee_id))
    events = backend.audit.events_about(me.employee_id, daily)
    recorded = backend.ledger.entries_about(me.employee_id)
    frames = [frame for frame in (_warehouse_accesses(backend.register, events, accessors),
                                  _portal_accesses(recorded, accessors, me.employee_id)) if not frame.empty]
    accesses = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=ACCESS_COLUMNS)
    exposures = [replace(w, readers=tuple(accessors.describe(user, "human")[0] for user in w.readers))
                 for w in (exposure_windows(grants, set(settings.broad_groups), me.employee_id, daily, events,
                                            now or datetime.now(UTC)) if grants else [])]
    return AccessHistory(_newest_first(accesses), tuple(exposures), tuple(problems),
                         recorded[-1].seq if recorded else 0)


def up_to_date(backend: Backend, principal: Principal, history: AccessHistory) -> AccessHistory:
    """`history` with the reads of the person's data the ledger recorded
    since it was read. Every visit to Home, My data or the console records
    one; reading the whole history again for each cost 0.2–0.7 s at L (the
    warehouse's 87,000 audit events, and a frequent visitor's thousand
    ledger entries of a thousand tables each). The rest changes only with
    the warehouse's data generation, which a page's session starts again
    from (`session.remembered`)."""
    ensure(principal, VIEW_OWN_ACCESS_LOG, Resource.about(principal.employee_id))
    recorded = backend.ledger.entries_about(principal.employee_id, after=history.through)
    if not recorded:
        return history
    added = _portal_accesses(recorded, _Accessors(backend.directory, backend.settings.audit, None),
                             principal.employee_id)
    accesses = pd.concat([history.accesses, added], ignore_index=True) if not history.accesses.empty else added
    return replace(history, accesses=_newest_first(accesses), through=recorded[-1].seq)


def history_csv(history: AccessHistory) -> bytes:
    """The history as a spreadsheet people can keep: one line per access,
    text that a spreadsheet would run as a formula neutralized."""
    frame = history.accesses.assign(when=history.accesses["when"].map(lambda t: t.isoformat()))
    schema = pa.schema([(c, pa.bool_() if c in ("by me", "no justification", "purpose not in the register")
                         else pa.int64() if c == "my rows" else pa.string()) for c in ACCESS_COLUMNS])
    return csv_bytes(pa.Table.from_pandas(frame[ACCESS_COLUMNS], schema=schema, preserve_index=False))[0]

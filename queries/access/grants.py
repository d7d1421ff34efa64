"""Who could read what in the warehouse: its grants history and the
members of its access groups, as the warehouse exports them.

Both files are the warehouse's word, read as given; a malformed row is
reported rather than guessed at.
"""

from __future__ import annotations

import csv
import json
import logging
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

log = logging.getLogger(__name__)


class AccessGrantsError(Exception):
    """The grants or groups file cannot be used; the message says why."""


@dataclass(frozen=True)
class Grant:
    grant_id: str
    resource: str
    grantee_type: str
    grantee: str
    granted_at: datetime
    revoked_at: datetime | None
    reason: str

    def covers(self, table: str) -> bool:
        """`db.*` covers every table of `db`; anything else names one table."""
        if self.resource.endswith(".*"):
            return table.startswith(self.resource[:-1])
        return table == self.resource

    def until(self, now: datetime) -> datetime:
        """When the grant ended, or `now` for one still open (naive, like the grants file)."""
        return self.revoked_at or now.replace(tzinfo=None)

    def open_during(self, start: datetime, end: datetime) -> bool:
        return self.granted_at < end and (self.revoked_at is None or self.revoked_at > start)


@dataclass(frozen=True)
class BroadWindow:
    """A grant to a broad group over tables holding people's rows: from the
    grant until it ended (or now), `outsiders` could read them with no
    purpose-bound grant that covers them."""

    grant: Grant
    end: datetime
    tables: tuple[str, ...]
    outsiders: frozenset[str]


@dataclass(frozen=True)
class AccessGrants:
    grants: tuple[Grant, ...]
    groups: dict[str, frozenset[str]]

    def members(self, grant: Grant) -> frozenset[str]:
        if grant.grantee_type == "group":
            return self.groups.get(grant.grantee, frozenset())
        return frozenset({grant.grantee})

    def broad(self, broad_groups: set[str]) -> list[Grant]:
        """The grants to groups no table's purpose covers."""
        return [g for g in self.grants if g.grantee_type == "group" and g.grantee in broad_groups]

    def beyond_purpose(self, grant: Grant, tables: list[str], broad_groups: set[str], end: datetime) -> frozenset[str]:
        """Who `grant` let read `tables` until `end` without another,
        purpose-bound grant open meanwhile that covers any of them."""
        entitled = set().union(*(self.members(g) for g in self.grants
                                 if g is not grant and g.grantee not in broad_groups
                                 and g.open_during(grant.granted_at, end) and any(g.covers(t) for t in tables)))
        return self.members(grant) - entitled

    def broad_windows(self, broad_groups: set[str], now: datetime, first_held: dict[str, date]) -> list[BroadWindow]:
        """The exposure windows of every broad grant, over the tables it
        covers that held the rows concerned before it ended (`first_held`:
        table → the first day it did); the employee's access page and the
        council's figures both count from these."""
        windows = []
        for grant in self.broad(broad_groups):
            end = grant.until(now)
            tables = tuple(sorted(t for t, day in first_held.items() if grant.covers(t) and day <= end.date()))
            if tables:
                outsiders = self.beyond_purpose(grant, list(tables), broad_groups, end)
                windows.append(BroadWindow(grant, end, tables, outsiders))
        return windows

    def groups_of(self, user: str) -> list[str]:
        return sorted(name for name, members in self.groups.items() if user in members)

    @staticmethod
    def load(grants_path: Path, groups_path: Path) -> AccessGrants:
        try:
            with open(grants_path, newline="", encoding="utf-8") as source:
                grants = tuple(Grant(row["grant_id"], row["resource"], row["grantee_type"], row["grantee"],
                                     datetime.fromisoformat(row["granted_at"]),
                                     datetime.fromisoformat(row["revoked_at"]) if row["revoked_at"] else None,
                                     row.get("reason") or "")
                               for row in csv.DictReader(source))
            groups = {str(name): frozenset(map(str, members))
                      for name, members in json.loads(Path(groups_path).read_text(encoding="utf-8")).items()}
        except FileNotFoundError as problem:
            raise AccessGrantsError(f"{problem.filename} not found") from None
        except (OSError, KeyError, TypeError, ValueError, AttributeError) as problem:
            raise AccessGrantsError(f"the grants history or access groups cannot be read: {problem!r}") from None
        return AccessGrants(grants, groups)


def configured_grants(grants: Path | None, groups: Path | None, problems: list[str]) -> AccessGrants | None:
    """The grants history the configuration names, or None with the reason
    added to `problems` in words for the page (the detail goes to the log)."""
    if grants is None or groups is None:
        problems.append("no grants history is configured, so exposure cannot be shown")
        return None
    try:
        return AccessGrants.load(grants, groups)
    except AccessGrantsError as problem:
        log.error("%s", problem)
        problems.append("the warehouse's grants history could not be read, so exposure cannot be shown")
        return None

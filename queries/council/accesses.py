"""The accesses of one period as atoms and views, ready for release.

An atom is the finest cell: the reads of one period from one source, by
one accessor group, for one purpose, of one table, with or without a
justification. Each atom keeps how many reads it holds, the people who
read (accessor ids that are people; service accounts are not), and a
lower bound of the people whose data was read: a full read describes
everyone the table holds, a filtered read the people it was attributed
to at import, a read through Daylight the subjects it recorded.

No label is free text or an identifier: a warehouse purpose is shown only
when the register names it for some table, portal actions are fixed
categories (never one per request), accessor groups under k members are
folded. Reads through Daylight are counted per group and purpose, never
per table: the list of tables an officer read for one request would
describe that employee. The per-table view lists every table holding
people, read or not, so that which rows it has tells nothing.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field

from auth.policy import (ADMINISTER_CONSOLE, ADMINISTER_INVENTORY, AUDIT_AGGREGATES, ERASE, EXPORT_OWN_DATA,
                         PLACE_LEGAL_HOLD, PROCESS_DELETION, QUERY_OWN_TELEMETRY, VIEW_OWN_TELEMETRY)
from auth.principal import Role, known_role
from queries.access.grants import AccessGrants
from queries.access.ledger import RecordedAccess
from queries.council.disclosure import TOTAL, View
from queries.council.suppression import Candidate
from queries.discovery.directory import Directory
from queries.warehouse.register import Register

SMALLER_GROUPS = "smaller groups (each under the minimum size)"
NO_GROUP = "people in no access group"
OTHER_SERVICE_ACCOUNTS = "service accounts not in the grants history"
UNNAMED_PURPOSE = "(a purpose the register does not name)"
NO_PURPOSE = "(none given)"
REGISTERED = "registered"
DRIFT = "not in the register for the table"
PORTAL = "portal (a legal right or duty)"
# What each kind of read through Daylight is for, as the council sees it: fixed words, never a request's own.
PORTAL_PURPOSES = {
    VIEW_OWN_TELEMETRY.name: "employees viewing their own data",
    QUERY_OWN_TELEMETRY.name: "employees querying their own data",
    EXPORT_OWN_DATA.name: "employees exporting their own data",
    PROCESS_DELETION.name: "HR: reviewing deletion requests",
    PLACE_LEGAL_HOLD.name: "HR: legal holds",
    ERASE: "Daylight: carrying out deletions",
    AUDIT_AGGREGATES.name: "works council: oversight figures",
    ADMINISTER_INVENTORY.name: "operators: audits",
    ADMINISTER_CONSOLE.name: "operators: audits",
}
OTHER_PORTAL_PURPOSE = "Daylight: other duties"


@dataclass
class _Atom:
    reads: int = 0
    readers: set[str] = field(default_factory=set)
    largest: int = 0
    named: set[str] = field(default_factory=set)


class AccessAtoms:
    """Collects one period's reads into atoms keyed by
    (source, group, purpose, register, table, justified)."""

    def __init__(self):
        self._atoms: dict[tuple, _Atom] = defaultdict(_Atom)

    def add(self, key: tuple, reader: str | None, population: int, named: set[str]) -> None:
        atom = self._atoms[key]
        atom.reads += 1
        atom.largest = max(atom.largest, population)
        atom.named |= named
        if reader:
            atom.readers.add(reader)

    def views(self, all_tables: list[str]) -> dict[str, View]:
        """By accessor group, by purpose, by table (warehouse reads), and the
        reads without a justification by group, each with its total."""
        keys = list(self._atoms)
        index = {key: n for n, key in enumerate(keys)}
        views = {
            "by_group": self._view(keys, index, lambda key: (key[0], key[1])),
            "by_purpose": self._view(keys, index, lambda key: (key[2], key[3])),
            "by_table": self._view([k for k in keys if k[0] == "warehouse"], index, lambda key: (key[4],),
                                   [(t,) for t in all_tables]),
            "unjustified": self._view([k for k in keys if not k[5]], index, lambda key: (key[0], key[1])),
        }
        return views

    def _view(self, keys: list[tuple], index: dict[tuple, int], cell_of, always: list[tuple] = ()) -> View:
        grouped: dict[tuple, list[tuple]] = {key: [] for key in always}
        for key in keys:
            grouped.setdefault(cell_of(key), []).append(key)
        cells = [self._candidate(cell, members, index) for cell, members in grouped.items()]
        return View(cells, self._candidate(TOTAL, keys, index))

    def _candidate(self, key: tuple, members: list[tuple], index: dict[tuple, int]) -> Candidate:
        atoms = [self._atoms[m] for m in members]
        named = set().union(*(a.named for a in atoms)) if atoms else set()
        subjects = max([len(named), *(a.largest for a in atoms)])
        readers = len(set().union(*(a.readers for a in atoms))) if atoms else 0
        return Candidate(key, sum(a.reads for a in atoms), frozenset(index[m] for m in members), subjects, readers)


class AccessorGroups:
    """An accessor as the council sees them: an access group of at least k
    members, "smaller groups", "no access group", or a service account. A
    service account is named only when the grants history grants it
    something: that name was given by the warehouse's administrators, while
    any other comes from the audit log as the engine wrote it."""

    def __init__(self, grants: AccessGrants | None, broad: set[str], k: int):
        self._groups = {} if grants is None else {
            name: members for name, members in grants.groups.items() if name not in broad}
        self._services = set() if grants is None else {g.grantee for g in grants.grants if g.grantee_type == "service"}
        self._k = k
        self._memo: dict[str, str] = {}

    def of(self, user: str, user_type: str | None) -> str:
        if user_type == "service":
            return f"service account {user}" if user in self._services else OTHER_SERVICE_ACCOUNTS
        if user not in self._memo:
            mine = sorted(name for name, members in self._groups.items() if user in members)
            large = [name for name in mine if len(self._groups[name]) >= self._k]
            self._memo[user] = large[0] if large else (SMALLER_GROUPS if mine else NO_GROUP)
        return self._memo[user]


def add_warehouse_reads(atoms: AccessAtoms, events: list[tuple], period: str, register: Register,
                        directory: Directory, coverage: dict[str, tuple[int, int]], groups: AccessorGroups) -> None:
    named_purposes = register.purposes()
    for at, user, user_type, table, purpose, justification, full_read, subjects in events:
        if at[:7] != period:
            continue
        entry = register.get(table)
        if purpose is None:
            label, registered = NO_PURPOSE, DRIFT
        else:
            label = purpose if purpose in named_purposes else UNNAMED_PURPOSE
            registered = REGISTERED if entry and purpose in entry.purposes else DRIFT
        population, named = (coverage.get(table, (0, 0))[0], set()) if full_read else (0, set(json.loads(subjects)))
        reader = user if user_type != "service" and directory.by_id(user) else None
        atoms.add(("warehouse", groups.of(user, user_type), label, registered, table, bool(justification)),
                  reader, population, named)


def add_portal_reads(atoms: AccessAtoms, entries: list[RecordedAccess], period: str) -> None:
    for entry in entries:
        if entry.at.strftime("%Y-%m") != period:
            continue
        access = entry.access
        role = known_role(access.actor_role)
        group = role.readers if role else "other portal users"
        justified = bool(access.justification) or access.actor_role == Role.EMPLOYEE
        atoms.add(("portal", group, PORTAL_PURPOSES.get(access.action, OTHER_PORTAL_PURPOSE), PORTAL, None, justified),
                  access.actor_id, 0, set(access.subjects))

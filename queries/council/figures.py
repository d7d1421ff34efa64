"""The works council's oversight figures: what is collected, who uses it,
exposure, deletion requests and exemptions, released only through
`queries/council/disclosure.py` so that no figure describes fewer than k employees.

Nothing here returns a name, an id or a row. Accessors are described by
their access group (a group with fewer than k members is folded into
"smaller groups"); service accounts are not people and keep their names.
Computing the figures is recorded in the ledger as one aggregate access.

How many employees an access figure describes is counted from below: a
full read of a table describes everyone the table holds, a filtered read
the people its filter names, a portal view the subjects it recorded. The
union of several is at least the largest of them and at least the people
named, so a figure released on that count describes at least k people.
"""

from __future__ import annotations

import json
import logging
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from auth.policy import AUDIT_AGGREGATES
from auth.principal import Principal, Role, known_role
from queries.access.grants import AccessGrants, BroadWindow, configured_grants
from queries.access.ledger import RecordedAccess
from queries.access.reads import personal_read
from queries.backend import Backend
from queries.council.disclosure import Cell, Table, one, release, split_people
from queries.discovery.directory import Employee
from queries.erasure.requests import Request, State
from queries.warehouse.register import Register

log = logging.getLogger(__name__)

SMALLER_GROUPS = "smaller groups (each under the minimum size)"
NO_GROUP = "people in no access group"
UNREGISTERED = "(not in the register)"


@dataclass(frozen=True)
class CollectedTable:
    table: str
    category: str
    registered: bool
    purposes: str
    legal_basis: str
    retention_days: int | None
    works_agreement_clause: str
    employees: int | None
    rows: float | None


@dataclass(frozen=True)
class Exposure:
    grant: str
    group: str
    start: datetime
    end: datetime | None
    tables: int
    employees_exposed: int | None
    could_read: int | None
    did_read: int | None
    reads: int | None


@dataclass(frozen=True)
class Oversight:
    min_group_size: int
    collected: tuple[CollectedTable, ...]
    category_employees: dict[str, int | None]
    category_rows: dict[str, Table]
    months: tuple[str, ...]
    by_group: dict[str, Table]       # month → cells (source, accessor group)
    by_purpose: dict[str, Table]     # month → cells (purpose, "registered" | "not in the register for the table")
    by_table: dict[str, Table]       # month → cells (table,)
    unjustified: dict[str, Table]    # month → cells (source, accessor group)
    exposures: tuple[Exposure, ...]
    requests_by_state: Table
    median_days_to_complete: float | None
    deadline_breaches: int | None
    denials: Table
    exempt_by_level: Table
    exempt_by_department: Table
    computed_at: datetime
    problems: tuple[str, ...] = field(default=())


class _Accesses:
    """Access cells per month, counted with a lower bound of the people they describe."""

    def __init__(self):
        self.count: dict[tuple, int] = defaultdict(int)
        self.largest: dict[tuple, int] = defaultdict(int)
        self.named: dict[tuple, set[str]] = defaultdict(set)

    def add(self, key: tuple, population: int, named: set[str]) -> None:
        self.count[key] += 1
        self.largest[key] = max(self.largest[key], population)
        self.named[key] |= named

    def merged(self, other: _Accesses) -> _Accesses:
        """Both sets of accesses, neither changed (one of them is cached)."""
        both = _Accesses()
        for source in (self, other):
            for key, count in source.count.items():
                both.count[key] += count
                both.largest[key] = max(both.largest[key], source.largest[key])
                both.named[key] = both.named[key] | source.named[key]
        return both

    def people(self, key: tuple) -> int:
        return max(self.largest[key], len(self.named[key]))

    def tables(self, k: int) -> dict[str, Table]:
        months = sorted({key[0] for key in self.count})
        released = {}
        for month in months:
            keys = [key for key in self.count if key[0] == month]
            total_people = max(max(self.largest[key] for key in keys), len(set().union(*(self.named[key] for key in keys))))
            released[month] = release([Cell(key[1:], self.count[key], self.people(key)) for key in keys], k,
                                      total_people)
        return released


class _AccessorGroups:
    def __init__(self, grants: AccessGrants | None, broad: set[str], k: int):
        self._groups = {} if grants is None else {
            name: members for name, members in grants.groups.items() if name not in broad}
        self._k = k
        self._memo: dict[str, str] = {}

    def of(self, user: str, user_type: str | None) -> str:
        if user_type == "service":
            return f"service account {user}"
        if user not in self._memo:
            mine = sorted(name for name, members in self._groups.items() if user in members)
            large = [name for name in mine if len(self._groups[name]) >= self._k]
            self._memo[user] = large[0] if large else (SMALLER_GROUPS if mine else NO_GROUP)
        return self._memo[user]


@dataclass(frozen=True)
class _FromWarehouse:
    """The figures that change only with the warehouse (the index,
    discovery, the imported audit log): computed again only when a refresh
    found something new (`Backend.generation`)."""

    generation: int
    collected: tuple[CollectedTable, ...]
    category_employees: dict[str, int | None]
    category_rows: dict[str, Table]
    audit: tuple[_Accesses, _Accesses, _Accesses, _Accesses]
    exposures: tuple[Exposure, ...]
    problems: tuple[str, ...]


def forget_cached(backend: Backend) -> None:
    """Drops the figures kept since the warehouse last changed (the benchmark times a first view)."""
    backend.derived.pop(__name__, None)


def oversight(backend: Backend, principal: Principal, now: datetime | None = None) -> Oversight:
    """Every figure of the works council's page, released under the minimum group size."""
    now = now or datetime.now(UTC)
    k = backend.settings.council.min_group_size
    with personal_read(backend.ledger, principal, AUDIT_AGGREGATES,
                       justification="works council oversight figures (aggregates only)"):
        warehouse = _from_warehouse(backend, k, now)
        portal = _portal_accesses(backend.ledger.entries())
        by_group, by_purpose, by_table, unjustified = (a.merged(b) for a, b in zip(warehouse.audit, portal))
        figures = Oversight(
            k, warehouse.collected, warehouse.category_employees, warehouse.category_rows,
            tuple(sorted({key[0] for key in by_group.count})),
            by_group.tables(k), by_purpose.tables(k), by_table.tables(k), unjustified.tables(k), warehouse.exposures,
            *_deletions(backend.requests.all(), k, now), *_exemptions(list(backend.directory), k), computed_at=now,
            problems=warehouse.problems)
    return figures


def _from_warehouse(backend: Backend, k: int, now: datetime) -> _FromWarehouse:
    catalog = backend.catalog()
    cached = backend.derived.get(__name__)
    if cached and cached.generation == backend.generation:
        return cached
    problems = [backend.audit_problem] if backend.audit_problem else []
    grants = configured_grants(backend.settings.audit.grants, backend.settings.audit.groups, problems)
    coverage = backend.index.table_coverage()
    events = backend.audit.all_events()
    holding = {t: date.min for t, (people, _) in coverage.items() if people}
    windows = grants.broad_windows(set(backend.settings.audit.broad_groups), now, holding) if grants else []
    categories: dict[str, list[str]] = defaultdict(list)
    for finding in _holding_people(catalog, coverage):
        entry = backend.register.get(finding.table.qualified_name)
        categories[entry.category if entry else UNREGISTERED].append(finding.table.qualified_name)
    unions = backend.index.employees_in_groups({**{f"category {c}": t for c, t in categories.items()},
                                                **{f"grant {w.grant.grant_id}": list(w.tables) for w in windows}})
    collected, category_employees, category_rows = _collected(backend.register, catalog, coverage, categories, unions,
                                                              k)
    groups = _AccessorGroups(grants, set(backend.settings.audit.broad_groups), k)
    fresh = _FromWarehouse(backend.generation, collected, category_employees, category_rows,
                           _audit_accesses(backend.register, coverage, groups, events),
                           tuple(_exposures(windows, events, unions, k)), tuple(problems))
    backend.derived[__name__] = fresh
    return fresh


def _holding_people(catalog, coverage: dict[str, tuple[int, int]]) -> list:
    """The tables in which the subject index found at least one employee."""
    return [f for f in catalog.findings if coverage.get(f.table.qualified_name, (0, 0))[0]]


def _collected(register: Register, catalog, coverage: dict[str, tuple[int, int]], categories: dict[str, list[str]],
               unions: dict[str, int], k: int):
    raw = []
    for finding in _holding_people(catalog, coverage):
        name = finding.table.qualified_name
        entry = register.get(name)
        raw.append((name, entry.category if entry else UNREGISTERED, entry, coverage.get(name, (0, 0))[0]))
    category_rows = {category: release([Cell((t,), coverage.get(t, (0, 0))[1], coverage.get(t, (0, 0))[0])
                                        for t in tables], k, unions[f"category {category}"])
                     for category, tables in categories.items()}
    released_rows = {f.key[0]: f.value for table in category_rows.values() for f in table.figures}
    collected = tuple(CollectedTable(
        name, category, entry is not None, ", ".join(entry.purposes) if entry else "",
        entry.legal_basis if entry else "", entry.retention_days if entry else None,
        (entry.works_agreement_clause or "") if entry else "", one(people, people, k), released_rows[name])
        for name, category, entry, people in sorted(raw, key=lambda r: (r[1], r[0])))
    category_employees = {c: one(unions[f"category {c}"], unions[f"category {c}"], k) for c in categories}
    return collected, category_employees, category_rows


def _portal_accesses(entries: list[RecordedAccess]) -> tuple[_Accesses, _Accesses, _Accesses, _Accesses]:
    by_group, by_purpose, by_table, unjustified = _Accesses(), _Accesses(), _Accesses(), _Accesses()
    for entry in entries:
        access = entry.access
        month, named = entry.at.strftime("%Y-%m"), set(access.subjects)
        group = role.readers if (role := known_role(access.actor_role)) else access.actor_role
        by_group.add((month, "portal", group), 0, named)
        by_purpose.add((month, access.purpose, "portal (a legal right or duty)"), 0, named)
        for table in access.tables:
            by_table.add((month, table), 0, named)
        if not access.justification and access.actor_role != Role.EMPLOYEE:
            unjustified.add((month, "portal", group), 0, named)
    return by_group, by_purpose, by_table, unjustified


def _audit_accesses(register: Register, coverage: dict[str, tuple[int, int]], groups: _AccessorGroups,
                    events: list[tuple]) -> tuple[_Accesses, _Accesses, _Accesses, _Accesses]:
    by_group, by_purpose, by_table, unjustified = _Accesses(), _Accesses(), _Accesses(), _Accesses()
    for at, user, user_type, table, purpose, justification, full_read, values in events:
        month = at[:7]
        if full_read:
            population, named = coverage.get(table, (0, 0))[0], set()
        else:
            population, named = 0, set(json.loads(values))
        entry = register.get(table)
        registered = bool(entry and purpose in entry.purposes)
        group = groups.of(user, user_type)
        by_group.add((month, "warehouse", group), population, named)
        by_purpose.add((month, purpose or "(none given)",
                        "registered" if registered else "not in the register for the table"), population, named)
        by_table.add((month, table), population, named)
        if not justification:
            unjustified.add((month, "warehouse", group), population, named)
    return by_group, by_purpose, by_table, unjustified


def _exposures(windows: list[BroadWindow], events: list[tuple], unions: dict[str, int], k: int) -> list[Exposure]:
    found = []
    for window in windows:
        grant, tables, outsiders = window.grant, window.tables, window.outsiders
        covered, start, stop = set(tables), grant.granted_at.isoformat(), window.end.isoformat()
        reads = [user for at, user, _, table, *_ in events if table in covered and start <= at < stop and user in outsiders]
        readers, exposed = len(set(reads)), unions[f"grant {grant.grant_id}"]
        found.append(Exposure(grant.grant_id, grant.grantee, grant.granted_at, grant.revoked_at, len(tables),
                              one(exposed, exposed, k), one(len(outsiders), len(outsiders), k),
                              one(readers, readers, k), one(len(reads), readers, k)))
    return found


def _deletions(requests: list[Request], k: int, now: datetime) -> tuple[Table, float | None, int | None, Table]:
    subjects: dict[str, set[str]] = defaultdict(set)
    for request in requests:
        subjects[request.state.value].add(request.subject_id)
    everyone = {r.subject_id for r in requests}
    by_state = release([Cell((state.value,), sum(r.state is state for r in requests), len(subjects[state.value]))
                        for state in State], k, len(everyone))
    durations, breached = [], set()
    for request in requests:
        finished = next((t.at for t in request.history if t.to_state in (State.COMPLETED.value, State.DENIED.value)),
                        None)
        if request.state is State.COMPLETED and finished:
            durations.append((finished - request.received_at).total_seconds() / 86400)
        if (finished or now) > request.deadline and request.state not in (State.WITHDRAWN,):
            breached.add(request.subject_id)
    median = statistics.median(durations) if durations else None
    completed = len(subjects[State.COMPLETED.value])
    reasons: dict[str, set[str]] = defaultdict(set)
    for request in requests:
        if request.state is State.DENIED:
            reasons[request.decision_reason or "(no reason given)"].add(request.subject_id)
    denials = release([Cell((reason,), len(people), len(people)) for reason, people in reasons.items()], k,
                      len(set().union(*reasons.values())) if reasons else 0)
    return (by_state, None if median is None or one(1, completed, k) is None else round(median, 1),
            one(len(breached), len(breached), k), denials)


def _exemptions(people: list[Employee], k: int) -> tuple[Table, Table]:
    exempt = sum(p.exempt_from_collection for p in people)
    tables = []
    for attribute in ("level", "department"):
        groups: dict[str, list] = defaultdict(list)
        for person in people:
            groups[getattr(person, attribute)].append(person)
        cells = [Cell((name,), sum(p.exempt_from_collection for p in members),
                      split_people(sum(p.exempt_from_collection for p in members), len(members)))
                 for name, members in groups.items()]
        tables.append(release(cells, k, split_people(exempt, len(people))))
    return tables[0], tables[1]

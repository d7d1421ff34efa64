"""The works council's oversight figures, published per closed month.

A month's figures are computed once, after the month has ended, and kept
(`queries/council/releases.py`): every later view shows the same figures,
so nothing can be learnt by comparing one view with the next. The month
under way is not shown. Figures are released only through
`queries/council/disclosure.py` (both sides counted, every view audited
together by linear programming, population counts rounded to k).

Nothing here returns a name, an id, free text or a row. Computing or
showing the figures is recorded in the ledger as one aggregate access.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime

from auth.policy import AUDIT_AGGREGATES
from auth.principal import Principal
from queries.access.grants import BroadWindow, configured_grants
from queries.access.reads import personal_read
from queries.backend import Backend
from queries.council.accesses import AccessAtoms, AccessorGroups, add_portal_reads, add_warehouse_reads
from queries.council.disclosure import Cell, Table, one, release, release_views, rounded
from queries.council.releases import CollectedTable, Exposure, Oversight
from queries.council.requests_released import exceptions_beyond_policy, requests_released
from queries.warehouse.register import Register

UNREGISTERED = "(not in the register)"


class NoPeriodError(Exception):
    """No month has ended yet for which figures could be published."""


def _month(moment: datetime | date) -> str:
    return f"{moment.year:04d}-{moment.month:02d}"


def periods(backend: Backend, now: datetime | None = None) -> list[str]:
    """The months whose figures can be shown, newest first: every ended
    month in which an access was recorded or a deletion request received."""
    current = _month(now or datetime.now(UTC))
    backend.catalog()  # the audit log is imported by the first refresh
    active = (backend.audit.event_months() | backend.ledger.months() | set(backend.releases.periods())
              | {_month(r.received_at) for r in backend.requests.all()})
    return sorted((month for month in active if month < current), reverse=True)


def oversight(backend: Backend, principal: Principal, period: str | None = None,
              now: datetime | None = None) -> Oversight:
    """The figures of an ended month (default: the last one), published
    the first time they are asked for and the same ever after."""
    now = now or datetime.now(UTC)
    with personal_read(backend.ledger, principal, AUDIT_AGGREGATES,
                       justification="works council oversight figures (aggregates only)"):
        available = periods(backend, now)
        if period is None:
            if not available:
                raise NoPeriodError("No month has ended yet since the first recorded access; figures are "
                                    "published once a month is over.")
            period = available[0]
        if period >= _month(now):
            raise NoPeriodError(f"The figures of {period} are published once the month is over.")
        kept = backend.releases.get(period)
        if kept is None:
            kept = backend.releases.publish(computed(backend, period, now))
    return kept


def computed(backend: Backend, period: str, now: datetime) -> Oversight:
    """The period's figures as they would be published now."""
    settings = backend.settings.council
    k = settings.min_group_size
    problems = [backend.audit_problem] if backend.audit_problem else []
    grants = configured_grants(backend.settings.audit.grants, backend.settings.audit.groups, problems)
    catalog = backend.catalog()
    coverage = backend.index.table_coverage()
    holding = {t: date.min for t, (people, _) in coverage.items() if people}
    broad = set(backend.settings.audit.broad_groups)
    windows = [w for w in (grants.broad_windows(broad, now, holding) if grants else [])
               if _month(w.grant.granted_at) <= period and _month(w.end) >= period]
    categories: dict[str, list[str]] = defaultdict(list)
    for finding in catalog.findings:
        if coverage.get(finding.table.qualified_name, (0, 0))[0]:
            entry = backend.register.get(finding.table.qualified_name)
            categories[entry.category if entry else UNREGISTERED].append(finding.table.qualified_name)
    unions = backend.index.employees_in_groups({**{f"category {c}": t for c, t in categories.items()},
                                                **{f"grant {w.grant.grant_id}": list(w.tables) for w in windows}})
    events = backend.audit.all_events()
    atoms = AccessAtoms()
    add_warehouse_reads(atoms, events, period, backend.register, backend.directory, coverage,
                        AccessorGroups(grants, broad, k))
    add_portal_reads(atoms, backend.ledger.entries(), period)
    accesses = release_views(atoms.views(sorted(t for tables in categories.values() for t in tables)), k)
    by_state, denials, median, breaches = requests_released(backend.requests.all(), period, settings, now)
    collected, category_rows = _collected(backend.register, coverage, categories, k)
    return Oversight(
        period, now, k, collected, {c: rounded(unions[f"category {c}"], k) for c in categories}, category_rows,
        accesses, tuple(_exposures(windows, events, period, unions, backend.directory, k)), by_state, denials, median,
        breaches, settings.exemption_policy, tuple(settings.exempt_levels),
        exceptions_beyond_policy(list(backend.directory), settings), tuple(problems))


def _collected(register: Register, coverage: dict[str, tuple[int, int]], categories: dict[str, list[str]],
               k: int) -> tuple[tuple[CollectedTable, ...], dict[str, Table]]:
    category_rows = {category: release([Cell((t,), coverage[t][1], coverage[t][0]) for t in tables], k)
                     for category, tables in categories.items()}
    released_rows = {f.key[0]: f.value for table in category_rows.values() for f in table.figures}
    collected = []
    for category, tables in sorted(categories.items()):
        for name in sorted(tables):
            entry = register.get(name)
            collected.append(CollectedTable(
                name, category, entry is not None, ", ".join(entry.purposes) if entry else "",
                entry.legal_basis if entry else "", entry.retention_days if entry else None,
                (entry.works_agreement_clause or "") if entry else "", rounded(coverage[name][0], k),
                released_rows[name]))
    return tuple(collected), category_rows


def _exposures(windows: list[BroadWindow], events: list[tuple], period: str, unions: dict[str, int], directory,
               k: int) -> list[Exposure]:
    """Each broad grant open during the period: its reach as rounded
    population counts, and the reads in the period by people it let in
    beyond their purpose, released only when they are at least k people."""
    found = []
    for window in windows:
        grant, covered = window.grant, set(window.tables)
        start, stop = grant.granted_at.isoformat(), window.end.isoformat()
        reads = [user for at, user, _, table, *_ in events
                 if at[:7] == period and table in covered and start <= at < stop and user in window.outsiders]
        readers = len({user for user in reads if directory.by_id(user)})
        found.append(Exposure(grant.grant_id, grant.grantee, grant.granted_at, grant.revoked_at, len(window.tables),
                              rounded(unions[f"grant {grant.grant_id}"], k), rounded(len(window.outsiders), k),
                              one(readers, readers, k), rounded(len(reads), k) if one(1, readers, k) else None))
    return found

"""The works council's figures attacked from outside, with nothing but the
council's own view: the six ways they broke, each reproduced and shown
closed. An attacker's knowledge of a release is what it shows: every
released figure, that the cells of a table add up to its total, that views
of one month share their total, that counts are whole numbers, zero or
more, and that a withheld figure is at least 1."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import linprog

from auth.principal import Role
from queries.backend import Backend
from queries.council.disclosure import Table
from queries.council.figures import computed, oversight
from queries.council.releases import to_json
from queries.erasure.plan import preview
from queries.erasure.requests import Move, Scope
from queries.erasure.run import execute
from tests.conftest import seeded_config, write_config
from tests.test_deletion import approved, people
from tests.test_my_data import principal_for

K = 10
OCTOBER = datetime(2026, 10, 5, 9, tzinfo=UTC)
AFTER_OCTOBER = datetime(2026, 12, 2, tzinfo=UTC)


def council_member(backend, demo_users):
    return principal_for(backend.directory.by_id(demo_users["works-council member"]["employee_id"]),
                         Role.WORKS_COUNCIL, Role.EMPLOYEE)


def open_lake(tmp_path, lake, indexed_state: Path | None = None, **council) -> Backend:
    """A backend over `lake`; over the sample itself (which the test then
    must not change), with the sample's index (`indexed_state`)."""
    sections = {"council": council} if council else None
    config = write_config(tmp_path, lake, sections) if indexed_state is None else \
        seeded_config(tmp_path, lake, indexed_state, sections)
    backend = Backend.open(config)
    backend.refresh()
    return backend


def attacker_intervals(tables: list[Table], same_total: bool = False, links: list[tuple] = ()) -> list[tuple]:
    """Per withheld cell of `tables`, the narrowest interval an attacker can
    prove from the released figures alone (linear programming)."""
    names: list[tuple] = []
    for t, table in enumerate(tables):
        names += [(t, f.key) for f in table.figures if f.value is None]
        if table.total is None:
            names.append((t, "total"))
    position = {name: n for n, name in enumerate(names)}
    rows, values = [], []

    def total_of(t: int):
        return (position[(t, "total")], None) if tables[t].total is None else (None, tables[t].total)
    for t, table in enumerate(tables):
        row, known = np.zeros(len(names)), 0.0
        for figure in table.figures:
            if figure.value is None:
                row[position[(t, figure.key)]] = 1
            else:
                known += figure.value
        variable, total = total_of(t)
        if variable is not None:
            row[variable] -= 1
        rows.append(row)
        values.append((total or 0) - known)
    pairs = [(0, t) for t in range(1, len(tables))] if same_total else []
    for left, right in pairs:
        (lv, lt), (rv, rt) = total_of(left), total_of(right)
        row = np.zeros(len(names))
        if lv is not None:
            row[lv] += 1
        if rv is not None:
            row[rv] -= 1
        rows.append(row)
        values.append((rt or 0) - (lt or 0))
    for table, key, cell in links:  # a cell of one table equals another table's total
        row = np.zeros(len(names))
        figure = next(f for f in tables[table].figures if f.key == key)
        if figure.value is None:
            row[position[(table, key)]] += 1
        variable, total = total_of(cell)
        if variable is not None:
            row[variable] -= 1
        rows.append(row)
        values.append((total or 0) - (figure.value or 0))
    lower = [1 if name[1] != "total" else 0 for name in names]
    found = []
    for name in names:
        if name[1] == "total":
            continue
        target = np.zeros(len(names))
        target[position[name]] = 1
        ends = []
        for sign in (1, -1):
            result = linprog(sign * target, A_eq=np.array(rows), b_eq=np.array(values),
                             bounds=list(zip(lower, [None] * len(names))), method="highs")
            ends.append(np.inf if result.status == 3 else sign * result.fun)
        found.append((name, ends[0], ends[1]))
    return found


def assert_nothing_pinned(tables: list[Table], **how) -> None:
    for name, low, high in attacker_intervals(tables, **how):
        assert high - low >= K - 1e-6, f"{name} is pinned to [{low}, {high}]"


def test_1_exempt_people_are_not_identified_by_level_department_or_totals(tmp_path, lake, demo_users):
    """Before: exemptions by level and by department named the executives of
    Finance and Operations, and totals minus parts (300 − 297) pinned them."""
    directory = lake / "directory.csv"
    lines = directory.read_text().splitlines()
    header = lines[0].split(",")
    level, exempt = header.index("level"), header.index("exempt_from_collection")
    one_more = next(n for n, line in enumerate(lines[1:], 1) if line.split(",")[level] != "Executive")
    cells = lines[one_more].split(",")
    cells[exempt] = "True"
    lines[one_more] = ",".join(cells)
    directory.write_text("\n".join(lines) + "\n")
    backend = open_lake(tmp_path, lake, exemption_policy="Executives are exempt under clause 4.2 of the works "
                                                          "agreement.", exempt_levels=["Executive"])
    release = oversight(backend, council_member(backend, demo_users), "2026-10", now=AFTER_OCTOBER)
    text = to_json(release)
    departments = {p.department for p in backend.directory} | {p.level for p in backend.directory} - {"Executive"}
    for label in departments:
        assert f'"{label}"' not in text, f"{label} is a row label of some figure"
    assert release.exemption_policy.startswith("Executives are exempt") and release.exempt_levels == ("Executive",)
    assert release.exceptions_beyond_policy is None, "one exception beyond the policy is one person"
    counts = [t.employees for t in release.collected] + list(release.category_employees.values()) + [
        n for e in release.exposures for n in (e.employees_exposed, e.could_read)]
    released = sorted({n for n in counts if n is not None})
    assert all(abs(a - b) == 0 or abs(a - b) >= K for a in released for b in released), \
        "no two population counts differ by 1 to k−1"
    backend.close()


def test_2_denial_reasons_are_categories_and_their_counts_cannot_be_pinned(tmp_path, sample, indexed_state, demo_users):
    """Before: ten denials under ten typed reasons were ten row labels, word
    for word, and with every cell withheld and the total 10 released each was one person."""
    backend = open_lake(tmp_path, sample, indexed_state)
    _, officer = people(backend, demo_users)
    reasons = [f"Records of {p.name} are needed for case {n}" if n % 2 else f"{p.name}: retention under HGB {n}"
               for n, p in enumerate(list(backend.directory)[:10])]
    others = [p for p in backend.directory if p.employee_id != officer.employee_id]
    for person, reason in zip(others[20:30], reasons):
        employee = principal_for(person)
        request = backend.requests.submit(employee, Scope(True), "please", now=OCTOBER)
        backend.requests.transition(officer, request.request_id, Move.DENY, reason, now=OCTOBER + timedelta(days=2))
    release = oversight(backend, council_member(backend, demo_users), "2026-10", now=AFTER_OCTOBER)
    text = to_json(release)
    assert not any(reason in text or reason.split(":")[0] in text for reason in reasons)
    labels = {f.key[0] for f in release.denials.figures}
    assert labels <= {*backend.settings.council.reason_categories.values(), "other reason"}
    assert_nothing_pinned([release.requests_by_state, release.denials],
                          links=[(0, ("denied",), 1)])
    backend.close()


def test_3_request_ids_never_appear(tmp_path, lake, demo_users):
    """Before: each erasure was a purpose row, "erasure on request DR-…"."""
    backend = open_lake(tmp_path, lake)
    employee, officer = people(backend, demo_users)
    request = approved(backend, employee, officer)
    execute(backend, request.request_id)
    month = datetime.now(UTC)
    release = computed(backend, f"{month:%Y-%m}", month + timedelta(days=40))
    text = to_json(release)
    assert request.request_id not in text and "DR-" not in text
    assert "Daylight: carrying out deletions" in {f.key[0] for f in release.accesses["by_purpose"].figures}
    backend.close()


def test_4_an_officer_s_reads_for_one_request_do_not_list_that_person_s_tables(tmp_path, sample, indexed_state,
                                                                               demo_users):
    """Before: after HR previewed the only open request, "accesses per table"
    listed exactly the tables holding that employee."""
    backend = open_lake(tmp_path, sample, indexed_state)
    employee, officer = people(backend, demo_users)
    month = f"{datetime.now(UTC):%Y-%m}"
    later = datetime.now(UTC) + timedelta(days=40)
    before = computed(backend, month, later).accesses["by_table"]
    request = backend.requests.submit(employee, Scope(True), None)
    preview(backend, officer, request)
    after = computed(backend, month, later).accesses["by_table"]
    assert after == before, "the per-table view does not move with an officer's reads"
    holding = {t for t, (people_, _) in backend.index.table_coverage().items() if people_}
    assert {f.key[0] for f in after.figures} == holding, "every table holding people is listed, read or not"
    backend.close()


def test_5_a_published_month_does_not_move_with_later_changes(tmp_path, lake, demo_users):
    """Before: one request moving through its states moved one withheld cell
    with it, and a count going from 10 to 11 told of one new request."""
    backend = open_lake(tmp_path, lake)
    member = council_member(backend, demo_users)
    employee, officer = people(backend, demo_users)
    first = oversight(backend, member, "2026-10", now=AFTER_OCTOBER)
    request = backend.requests.submit(employee, Scope(True), None, now=OCTOBER)
    backend.requests.transition(officer, request.request_id, Move.APPROVE, "granted", now=OCTOBER)
    with open(lake / "audit" / "ranger_audit.jsonl", "a") as log:
        log.write(json.dumps({"event_id": "late-1", "event_time": "2026-10-20T10:00:00", "request_user": "E00001",
                              "resource": "hr.reviews", "result": "allowed", "row_filter": None}) + "\n")
    backend.refresh()
    again = oversight(backend, member, "2026-10", now=AFTER_OCTOBER + timedelta(days=1))
    assert again == first
    assert computed(backend, "2026-10", AFTER_OCTOBER) != first, "the figures would have moved, had they been live"
    backend.close()


def test_6_figures_about_fewer_than_k_readers_are_withheld(tmp_path, lake, demo_users):
    """Before: it_security's accesses were exactly two people's, 147 and 130
    reads, and per-table reads of security tables described two readers."""
    groups = json.loads((lake / "access_groups.json").read_text())
    everyone = [p.employee_id for p in Backend.open(write_config(tmp_path, lake)).directory]
    groups["it_security"] = everyone[30:30 + K + 2]  # a group of k+2, of whom two read
    (lake / "access_groups.json").write_text(json.dumps(groups))
    backend = open_lake(tmp_path, lake)
    coverage = backend.index.table_coverage()
    read = {event["resource"] for event in map(json.loads, (lake / "audit" / "ranger_audit.jsonl").open())}
    quiet = next(t for t, (held, _) in sorted(coverage.items()) if held and t not in read)
    with open(lake / "audit" / "ranger_audit.jsonl", "a") as log:
        for n in range(277):
            log.write(json.dumps({
                "event_id": f"sec-{n}", "event_time": f"2026-10-{1 + n % 28:02d}T{n % 24:02d}:00:00",
                "request_user": everyone[30 + n % 2], "resource": quiet, "result": "allowed", "row_filter": None,
                "purpose": "incident_forensics", "justification": "ticket"}) + "\n")
    backend.refresh()
    release = oversight(backend, council_member(backend, demo_users), "2026-10", now=AFTER_OCTOBER)
    accesses = release.accesses
    cell = {f.key: f.value for f in accesses["by_group"].figures}
    assert ("warehouse", "it_security") in cell and cell[("warehouse", "it_security")] is None
    assert {f.key: f.value for f in accesses["by_table"].figures}[(quiet,)] is None
    purposes = {f.key: f.value for f in accesses["by_purpose"].figures}
    assert all(v is None for k, v in purposes.items() if k[0] in ("incident_forensics",
                                                                   "(a purpose the register does not name)"))
    for view in ("by_group", "by_purpose", "by_table"):
        assert_nothing_pinned([accesses[view]])
    assert_nothing_pinned([accesses["by_group"], accesses["by_purpose"]], same_total=True)
    backend.close()


@pytest.mark.parametrize("view", ["by_group", "by_purpose", "unjustified"])
def test_council_members_own_views_are_not_counted_exactly(tmp_path, sample, indexed_state, demo_users, view):
    """A council member who looks twice must not find their own two views
    released as a cell of one or two readers."""
    backend = open_lake(tmp_path, sample, indexed_state)
    member = council_member(backend, demo_users)
    for _ in range(2):
        oversight(backend, member, "2026-10", now=AFTER_OCTOBER)
    month = f"{datetime.now(UTC):%Y-%m}"
    release = computed(backend, month, datetime.now(UTC) + timedelta(days=40))
    for figure in release.accesses[view].figures:
        if "works council" in " ".join(figure.key):
            assert figure.value is None
    backend.close()

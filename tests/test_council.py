"""The works council's figures: the release rules as properties (no figure
below k, no withheld figure recoverable by subtracting views or filters),
the service on the sample warehouse, and the page."""

from __future__ import annotations

import itertools
import json
import shutil
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog
from streamlit.testing.v1 import AppTest

from auth.policy import AccessDenied
from auth.principal import Role
from portal import council_views as views
from queries.backend import Backend
from queries.council.disclosure import Cell, Figure, View, release, release_views, rounded
from queries.council.figures import NoPeriodError, oversight, periods
from queries.council.ledger_check import AnchorError, ledger_evidence, verify_ledger
from queries.council.suppression import Candidate, required
from settings import ConfigError, load_settings
from tests.conftest import signed_in_claims, write_config
from tests.test_my_data import principal_for
from tests.test_pages import PORTAL, page_text

people_counts = st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=12)


def _table(counts: list[int], k: int):
    cells = [Cell((f"g{n}",), count, count) for n, count in enumerate(counts)]
    return cells, release(cells, k)


@settings(max_examples=200, deadline=None)
@given(people_counts, st.integers(min_value=5, max_value=15))
def test_no_released_figure_describes_fewer_than_k(counts, k):
    cells, table = _table(counts, k)
    by_key = {c.key: c for c in cells}
    for figure in table.figures:
        if figure.value is not None:
            assert by_key[figure.key].people == 0 or by_key[figure.key].people >= k
    if table.total is not None:
        assert sum(counts) == 0 or sum(counts) >= k


@settings(max_examples=200, deadline=None)
@given(people_counts, st.integers(min_value=5, max_value=15))
def test_a_withheld_figure_cannot_be_worked_out_from_the_total(counts, k):
    """With the total released, the withheld cells are at least two and
    describe at least k people together: total minus the released cells is
    their sum, which pins none of them."""
    cells, table = _table(counts, k)
    people = {c.key: c.people for c in cells}
    withheld = [people[f.key] for f in table.figures if f.value is None]
    if table.total is not None and withheld:
        assert len(withheld) >= 2 and sum(withheld) >= k


def _feasible(rows: np.ndarray, values: np.ndarray, withheld_rows: np.ndarray, target: np.ndarray) -> tuple:
    """An independent check of the audit: the interval of `target` over non-negative
    atoms meeting every released fact, every withheld figure at least 1."""
    found = []
    for sign in (1, -1):
        result = linprog(sign * target, A_eq=rows if len(rows) else None, b_eq=values if len(rows) else None,
                         A_ub=-withheld_rows, b_ub=-np.ones(len(withheld_rows)), bounds=(0, None), method="highs")
        found.append(np.inf if result.status == 3 else sign * result.fun)
    return found[0], found[1]


@settings(max_examples=120, deadline=None)
@given(st.lists(st.lists(st.integers(min_value=0, max_value=12), min_size=3, max_size=3), min_size=2, max_size=5),
       st.integers(min_value=5, max_value=10))
def test_two_views_of_one_population_released_together_pin_no_withheld_cell(joint, k):
    """Two views of one group (say by level and by department) and their
    totals, released together: for every withheld cell, no combination of
    everything released narrows it below the protection required."""
    levels, departments = len(joint), len(joint[0])
    atoms = {(a, b): n for n, (a, b) in enumerate(itertools.product(range(levels), range(departments)))}
    value = {atoms[(a, b)]: joint[a][b] for a, b in atoms}

    def candidate(key, members):
        total = sum(value[m] for m in members)
        return Candidate(key, total, frozenset(m for m in members if value[m]), total)
    views = {"level": View([candidate((str(a),), [atoms[(a, b)] for b in range(departments)]) for a in range(levels)],
                           candidate(("total",), list(atoms.values()))),
             "department": View([candidate((str(b),), [atoms[(a, b)] for a in range(levels)])
                                 for b in range(departments)], candidate(("total",), list(atoms.values())))}
    released = release_views(views, k)
    figures = [(c, f) for name in views for c, f in zip(sorted(views[name].cells, key=lambda c: c.key),
                                                        released[name].figures)]
    figures += [(views[name].total, Figure(("total",), released[name].total)) for name in views]
    rows = np.array([[1.0 if m in c.atoms else 0.0 for m in range(len(atoms))] for c, f in figures
                     if f.value is not None]).reshape(-1, len(atoms))
    values = np.array([f.value for c, f in figures if f.value is not None], dtype=float)
    hidden = [c for c, f in figures if f.value is None]
    hidden_rows = np.array([[1.0 if m in c.atoms else 0.0 for m in range(len(atoms))] for c in hidden]).reshape(
        -1, len(atoms))
    for cell, row in zip(hidden, hidden_rows):
        assert cell.value > 0, "a zero is never withheld"
        low, high = _feasible(rows, values, hidden_rows, row)
        assert high - low >= required(cell.value, k) - 1e-6, f"{cell.key} pinned to [{low}, {high}]"
    for cell, figure in figures:
        if figure.value is not None:
            assert not cell.sensitive(k)


def test_the_minimum_group_size_cannot_be_set_below_five(tmp_path, sample):
    config = write_config(tmp_path, sample)
    config.write_text(config.read_text() + "\n[council]\nmin_group_size = 4\n")
    with pytest.raises(ConfigError, match="at least 5"):
        load_settings(config)


@pytest.fixture
def backend(tmp_path, sample):
    opened = Backend.open(write_config(tmp_path, sample))
    opened.refresh()
    yield opened
    opened.close()


def council_member(backend, demo_users):
    return principal_for(backend.directory.by_id(demo_users["works-council member"]["employee_id"]),
                         Role.WORKS_COUNCIL, Role.EMPLOYEE)


def test_the_figures_name_nobody_and_are_recorded(backend, demo_users):
    member = council_member(backend, demo_users)
    figures = oversight(backend, member)
    text = json.dumps(repr(figures))
    for person in backend.directory:
        assert person.email not in text and f"'{person.employee_id}'" not in text and person.name not in text
    k = figures.min_group_size
    assert figures.period == "2026-10", "the last ended month in which anything happened"
    counts = [t.employees for t in figures.collected] + list(figures.category_employees.values())
    assert all(n is None or n % k == 0 for n in counts), "people counts of a population are rounded to k"
    assert any(not t.registered for t in figures.collected), "the sample has unregistered tables"
    october = oversight(backend, member, "2026-10")
    assert october.exposures and all(e.did_read is None or e.did_read >= k for e in october.exposures)
    assert october.accesses["by_group"].withheld and october.accesses["by_group"].total
    entry = backend.ledger.entries()[-1].access
    assert entry.action == "audit-aggregates" and entry.subjects == () and entry.actor_id == member.employee_id


def test_only_the_works_council_sees_the_figures(backend, demo_users):
    employee = principal_for(backend.directory.by_id(demo_users["employee, median data"]["employee_id"]))
    with pytest.raises(AccessDenied):
        oversight(backend, employee)


def test_the_ledger_check_finds_it_intact_and_refuses_a_bad_anchor(backend, demo_users):
    member = council_member(backend, demo_users)
    oversight(backend, member)
    assert verify_ledger(backend, member).intact
    with pytest.raises(AnchorError):
        verify_ledger(backend, member, "not a checkpoint")


def test_the_ledger_evidence_is_the_council_s_and_checks_against_itself(backend, demo_users):
    member = council_member(backend, demo_users)
    oversight(backend, member)
    evidence = ledger_evidence(backend, member)
    assert evidence.public_key_pem.startswith(b"-----BEGIN PUBLIC KEY-----")
    if evidence.latest_checkpoint:
        assert verify_ledger(backend, member, evidence.latest_checkpoint.to_json()).intact
    employee = principal_for(backend.directory.by_id(demo_users["employee, median data"]["employee_id"]))
    with pytest.raises(AccessDenied):
        ledger_evidence(backend, employee)


def test_a_month_is_published_once_and_the_month_under_way_never(backend, demo_users):
    member = council_member(backend, demo_users)
    first = oversight(backend, member, "2026-10", now=datetime(2026, 12, 2, tzinfo=UTC))
    later = oversight(backend, member, "2026-10", now=datetime(2027, 3, 1, tzinfo=UTC))
    assert later == first and later.published_at == datetime(2026, 12, 2, tzinfo=UTC)
    with pytest.raises(NoPeriodError, match="once the month is over"):
        oversight(backend, member, "2026-12", now=datetime(2026, 12, 2, tzinfo=UTC))
    assert periods(backend, datetime(2026, 12, 2, tzinfo=UTC)) == ["2026-10"], "a month with no activity is skipped"


def test_figures_read_as_people_read_them():
    frame = pd.DataFrame({"table": ["a", "b"], "registered": [True, False], "employees": [None, 2400.0],
                          "rows": [3.0, None]})
    assert views.readable(frame).to_dict("list") == {"table": ["a", "b"], "registered": ["yes", "no"],
                                                     "employees": ["withheld", "2,400"], "rows": ["3", "withheld"]}


def test_rounded_population_counts_differ_by_zero_or_at_least_k():
    assert [rounded(n, 10) for n in (0, 3, 9, 10, 14, 15, 297, 300, 304)] == [0, None, None, 10, 10, 20, 300, 300, 300]


def test_the_page_shows_every_view_and_a_report(tmp_path, sample, monkeypatch, demo_users):
    monkeypatch.setenv("PORTAL_CONFIG", str(write_config(tmp_path, sample)))
    at = AppTest.from_file(str(PORTAL / "pages" / "council.py"), default_timeout=120)
    at.user = signed_in_claims(demo_users["works-council member"])
    at.run()
    assert not at.exception
    next(s for s in at.selectbox if s.label == "Month").set_value("2026-10").run()
    text = page_text(at)
    for heading in ("Accesses per accessor group", "Accesses per purpose", "Accesses without a justification",
                    "Warehouse reads per table", "Employees covered per category", "Denials by reason",
                    "published"):
        assert heading in text
    assert "missing from the register" in text
    next(b for b in at.button if b.label == "Verify the ledger").click().run()
    assert not at.exception and at.success and "intact" in at.success[0].value.lower()
    opened = Backend.open(write_config(tmp_path, sample))
    html = views.report_html(oversight(opened, council_member(opened, demo_users), "2026-10"))
    opened.close()
    assert "What is collected" in html and "2026-10" in html
    assert "<svg" in html and "<script" not in html, "charts drawn without a script"


def test_a_view_of_a_month_is_recorded_once_per_session_not_once_per_click(tmp_path, sample, monkeypatch,
                                                                           demo_users):
    """Every filter reruns the page; a month's figures are kept for the
    session, as every page keeps its reads, and recorded when first shown."""
    config = write_config(tmp_path, sample)
    monkeypatch.setenv("PORTAL_CONFIG", str(config))

    def views_recorded() -> int:
        opened = Backend.open(config)
        try:
            return sum(e.access.action == "audit-aggregates" for e in opened.ledger.entries())
        finally:
            opened.close()

    at = AppTest.from_file(str(PORTAL / "pages" / "council.py"), default_timeout=120)
    at.user = signed_in_claims(demo_users["works-council member"])
    at.run()
    assert not at.exception and views_recorded() == 1
    at.run()
    next(m for m in at.multiselect if m.label == "Source").set_value(["portal"]).run()
    assert not at.exception and views_recorded() == 1
    again = AppTest.from_file(str(PORTAL / "pages" / "council.py"), default_timeout=120)
    again.user = signed_in_claims(demo_users["works-council member"])
    again.run()
    assert not again.exception and views_recorded() == 2, "another session's view is recorded too"


def test_an_employee_cannot_open_the_page(tmp_path, sample, monkeypatch, demo_users):
    monkeypatch.setenv("PORTAL_CONFIG", str(write_config(tmp_path, sample)))
    at = AppTest.from_file(str(PORTAL / "pages" / "council.py"), default_timeout=60)
    at.user = signed_in_claims(demo_users["employee, median data"])
    at.run()
    assert not at.exception and "Accesses per purpose" not in page_text(at)


def test_figures_belong_to_the_backend_that_computed_them(tmp_path, sample, demo_users):
    """Two portals over different warehouses, at the same data generation,
    never see each other's figures (a cache keyed on `id()` would, once the
    first is gone and its id reused)."""
    (tmp_path / "first").mkdir()
    (tmp_path / "second").mkdir()
    first = Backend.open(write_config(tmp_path / "first", sample))
    first.refresh()
    seen = {t.table for t in oversight(first, council_member(first, demo_users)).collected}
    generation = first.generation
    first.close()
    del first
    lake = tmp_path / "copy"
    shutil.copytree(sample, lake)
    shutil.rmtree(lake / "warehouse" / "security.db" / "badge_events")
    second = Backend.open(write_config(tmp_path / "second", lake))
    second.refresh()
    assert second.generation == generation
    figures = oversight(second, council_member(second, demo_users))
    assert "security.badge_events" in seen
    assert "security.badge_events" not in {t.table for t in figures.collected}
    second.close()

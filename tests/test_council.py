"""The works council's figures: the release rules as properties (no figure
below k, no withheld figure recoverable by subtracting views or filters),
the service on the sample warehouse, and the page."""

from __future__ import annotations

import itertools
import json
import shutil

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from auth.policy import AccessDenied
from auth.principal import Role
from portal import council_views as views
from queries.backend import Backend
from queries.council.disclosure import Cell, release, split_people
from queries.council.figures import oversight
from queries.council.ledger_check import AnchorError, ledger_evidence, verify_ledger
from settings import ConfigError, load_settings
from tests.conftest import signed_in_claims, write_config
from tests.test_my_data import principal_for
from tests.test_pages import PORTAL, page_text

people_counts = st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=12)


def _table(counts: list[int], k: int):
    cells = [Cell((f"g{n}",), count, count) for n, count in enumerate(counts)]
    return cells, release(cells, k)


@settings(max_examples=300, deadline=None)
@given(people_counts, st.integers(min_value=5, max_value=15))
def test_no_released_figure_describes_fewer_than_k(counts, k):
    cells, table = _table(counts, k)
    by_key = {c.key: c for c in cells}
    for figure in table.figures:
        if figure.value is not None:
            assert by_key[figure.key].people == 0 or by_key[figure.key].people >= k
    if table.total is not None:
        assert sum(counts) == 0 or sum(counts) >= k


@settings(max_examples=300, deadline=None)
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


def _determined(equations: np.ndarray, unknown: int) -> bool:
    """Whether the released linear facts pin one unknown (its unit vector lies in their row space)."""
    target = np.zeros(equations.shape[1])
    target[unknown] = 1
    rank = np.linalg.matrix_rank(equations)
    return np.linalg.matrix_rank(np.vstack([equations, target])) == rank


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.integers(min_value=0, max_value=12), min_size=3, max_size=3), min_size=2, max_size=5),
       st.integers(min_value=5, max_value=10))
def test_two_views_of_one_population_cannot_be_subtracted_to_recover_a_cell(joint, k):
    """Exempt people by level and by department are two views of one group:
    every released margin cell and total is a linear fact about the joint
    (level × department) counts; no withheld margin cell may follow from them."""
    levels, departments = len(joint), len(joint[0])
    unknowns = levels * departments
    views_released = []
    for axis in (0, 1):
        sums = np.array(joint).sum(axis=1 - axis)
        rows = []
        for index, value in enumerate(sums):
            row = np.zeros(unknowns)
            for level, department in itertools.product(range(levels), range(departments)):
                if (level if axis == 0 else department) == index:
                    row[level * departments + department] = 1
            rows.append(row)
        table = release([Cell((str(i),), int(v), int(v)) for i, v in enumerate(sums)], k)
        views_released.append((rows, table))
    facts = [row for rows, table in views_released for row, f in zip(rows, table.figures) if f.value is not None]
    facts += [np.ones(unknowns) for _, table in views_released if table.total is not None]
    for rows, table in views_released:
        for row, figure in zip(rows, table.figures):
            if figure.value is None and facts:
                stacked = np.vstack(facts)
                assert np.linalg.matrix_rank(np.vstack([stacked, row])) > np.linalg.matrix_rank(stacked), \
                    "a withheld cell follows from the released ones"


def test_two_overlapping_filters_do_not_reveal_a_small_month():
    """The differencing attack: accesses of group A in {September, October}
    minus those in {October} would give September's 3 people; the filter sums
    released cells only, so the difference is nothing."""
    k = 10
    september = release([Cell(("A",), 3, 3), Cell(("B",), 40, 40), Cell(("C",), 30, 30)], k)
    october = release([Cell(("A",), 25, 25), Cell(("B",), 30, 30)], k)
    frame = views.cells({"2026-09": september, "2026-10": october}, ["accessor group"])
    both = views.selected(frame, ["2026-09", "2026-10"], ["accessor group"]).set_index("accessor group")["accesses"]
    one = views.selected(frame, ["2026-10"], ["accessor group"]).set_index("accessor group")["accesses"]
    assert both["A"] - one["A"] == 0
    assert september.total == 73 and september.withheld == 2, "A withheld, and one more so the total hides it"


def test_a_yes_no_split_describes_the_smaller_side():
    assert split_people(49, 50) == 1 and split_people(3, 50) == 3 and split_people(50, 50) == 50
    assert split_people(0, 50) == 50


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
    for table in [*figures.by_group.values(), *figures.by_purpose.values(), figures.exempt_by_level,
                  figures.exempt_by_department, figures.requests_by_state, *figures.category_rows.values()]:
        assert table.total is None or table.withheld != 1
    assert all(t.employees is None or t.employees >= k for t in figures.collected)
    assert any(not t.registered for t in figures.collected), "the sample has unregistered tables"
    assert figures.exposures and all(e.did_read is None or e.did_read >= k for e in figures.exposures)
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


def test_the_figures_are_computed_again_only_when_the_warehouse_changed(tmp_path, sample, demo_users, monkeypatch):
    """A refresh runs every minute; the warehouse's figures cost seconds at
    scale, so a refresh that found nothing new keeps them."""
    grants = tmp_path / "grants.csv"
    grants.write_bytes((sample / "grants.csv").read_bytes())
    config = write_config(tmp_path, sample)
    config.write_text(config.read_text().replace(str(sample / "grants.csv"), str(grants)))
    opened = Backend.open(config)
    opened.refresh()
    member = council_member(opened, demo_users)
    computed = []
    coverage = opened.index.table_coverage
    monkeypatch.setattr(opened.index, "table_coverage", lambda: computed.append(1) or coverage())
    first = oversight(opened, member)
    opened.refresh()
    assert oversight(opened, member).collected == first.collected and len(computed) == 1, "nothing new: kept"
    grants.write_text(grants.read_text() + "G-NEW,collab.chat_messages,group,all-employees,SELECT,"
                      "2026-11-01T00:00:00,,it-admin,misconfiguration\n")
    opened.refresh()
    assert len(oversight(opened, member).exposures) == len(first.exposures) + 1 and len(computed) == 2
    opened.close()


def test_the_page_shows_every_view_and_a_report(tmp_path, sample, monkeypatch, demo_users):
    monkeypatch.setenv("PORTAL_CONFIG", str(write_config(tmp_path, sample)))
    at = AppTest.from_file(str(PORTAL / "pages" / "council.py"), default_timeout=120)
    at.user = signed_in_claims(demo_users["works-council member"])
    at.run()
    assert not at.exception
    text = page_text(at)
    for heading in ("Accesses per accessor group", "Accesses per purpose", "Accesses without a justification",
                    "Employees covered per category", "Denials by reason"):
        assert heading in text
    assert "missing from the register" in text
    next(b for b in at.button if b.label == "Verify the ledger").click().run()
    assert not at.exception and at.success and "intact" in at.success[0].value.lower()
    html = views.report_html(oversight(Backend.open(write_config(tmp_path, sample)),
                                       council_member(Backend.open(write_config(tmp_path, sample)), demo_users)))
    assert "What is collected" in html and "plotly" in html.lower()


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

"""The subject index answers exactly what a scan of the warehouse would,
and follows the warehouse when files land or vanish."""

from __future__ import annotations

import re
import shutil
from datetime import date, timedelta

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from auth.policy import VIEW_OWN_TELEMETRY
from auth.principal import Principal, Role
from queries import sql
from queries.backend import Backend
from queries.discovery.catalog import discover
from queries.discovery.index_scan import batches
from queries.discovery.subject_index import SubjectIndex
from queries.discovery.subject_rows import scan_rows_about
from queries.mydata.inventory import inventory_for
from queries.mydata.my_rows import my_rows
from tests.conftest import write_config
from tests.ground_truth import truth_rows

TODAY = date(2026, 11, 22)


def principal_for(employee) -> Principal:
    return Principal(employee.employee_id, employee.name, employee.email, employee.department,
                     frozenset({Role.EMPLOYEE}))


@pytest.mark.parametrize("label", ["employee, heavy data", "employee, median data", "employee, light data",
                                   "executive, exempt from collection"])
def test_inventory_rows_and_capture_span_equal_a_full_scan(backend, sample, demo_users, label):
    employee = backend.directory.by_id(demo_users[label]["employee_id"])
    inventory = inventory_for(backend, principal_for(employee), TODAY)
    by_table = {e.name: e.postings for e in inventory.entries}
    for finding in backend.catalog().scannable():
        name = finding.table.qualified_name
        truth = truth_rows(sample, name, employee)
        scan = scan_rows_about(backend.warehouse, finding, backend.directory, employee)
        assert (by_table[name].rows if name in by_table else 0) == truth == scan.rows, name
        if truth:
            assert (by_table[name].first_seen, by_table[name].last_seen) == (scan.first_seen, scan.last_seen), name


def test_overdue_rows_follow_the_register_retention(backend, sample, demo_users):
    employee = backend.directory.by_id(demo_users["employee, heavy data"]["employee_id"])
    entry = next(e for e in inventory_for(backend, principal_for(employee), TODAY).entries
                 if e.name == "telemetry_raw.screen_captures")
    cutoff = TODAY - timedelta(days=entry.register.retention_days)
    rows = ds.dataset(sample / "warehouse" / "telemetry_raw.db" / "screen_captures", format="parquet",
                      partitioning="hive").to_table().to_pylist()
    overdue = [r["ts"] for r in rows if r["employee_id"] == employee.employee_id and r["ts"].date() < cutoff]
    assert entry.postings.overdue_rows == len(overdue) > 0
    assert entry.postings.overdue_since == min(overdue).date()


def test_unregistered_tables_have_no_retention_to_be_overdue_against(backend, demo_users):
    employee = backend.directory.by_id(demo_users["employee, heavy data"]["employee_id"])
    inventory = inventory_for(backend, principal_for(employee), TODAY)
    assert inventory.unregistered
    assert all(e.postings.overdue_rows == 0 for e in inventory.unregistered)


@pytest.fixture
def lake_backend(tmp_path, sample):
    """A backend over a private copy of the sample, free to be changed."""
    lake = tmp_path / "copy"
    shutil.copytree(sample, lake)
    opened = Backend.open(write_config(tmp_path, lake))
    yield opened, lake / "warehouse"
    opened.close()


def test_landing_and_vanishing_files_update_the_index(lake_backend, demo_users):
    backend, lake = lake_backend
    employee = backend.directory.by_id(demo_users["employee, light data"]["employee_id"])
    before = {e.name: e.postings.rows for e in inventory_for(backend, principal_for(employee), TODAY).entries}
    folder = lake / "hr.db" / "landed_today"
    folder.mkdir()
    pq.write_table(pa.table({"employee_id": [employee.employee_id] * 3 + ["E00001"]}), folder / "part-0.parquet")
    shutil.rmtree(lake / "security.db" / "badge_events")
    report = backend.refresh()
    assert report.indexed == ("hr.landed_today",) and report.forgotten == ("security.badge_events",)
    after = {e.name: e.postings.rows for e in inventory_for(backend, principal_for(employee), TODAY).entries}
    assert after["hr.landed_today"] == 3
    assert "security.badge_events" not in after
    assert {k: v for k, v in after.items() if k != "hr.landed_today"} == \
        {k: v for k, v in before.items() if k != "security.badge_events"}
    assert backend.refresh().indexed == ()


def test_an_index_built_before_summaries_were_kept_is_summarized_once_when_opened(lake_backend, tmp_path):
    """A lookup reads the per-table summaries, not the postings: an index
    file from before they were kept must not show everyone an empty
    inventory, nor need the warehouse read again."""
    backend, lake = lake_backend
    people = [p.employee_id for p in backend.directory]

    def looked_up(opened: Backend) -> dict:
        return {e: opened.index.tables_about(e, opened.register, TODAY) for e in people}

    backend.refresh()
    kept = looked_up(backend)
    assert sum(len(tables) for tables in kept.values()) > len(people)
    backend.index._connection.execute("DROP TABLE table_summaries")
    backend.close()
    reopened = Backend.open(write_config(tmp_path, lake.parent))
    try:
        assert looked_up(reopened) == kept
        assert reopened.refresh().indexed == (), "the summaries came from the index, not from the warehouse"
    finally:
        reopened.close()


def _out_of_order(index: SubjectIndex) -> tuple[int, int]:
    """(postings stored after a posting of a later employee, rows added since the last sort)."""
    connection = index._connection
    [(disordered,)] = connection.execute("SELECT count(*) FROM (SELECT employee_id, lag(employee_id) OVER "
                                         "(ORDER BY rowid) AS before FROM postings) WHERE employee_id < before"
                                         ).fetchall()
    [(unsorted,)] = connection.execute("SELECT coalesce(sum(row_count), 0) FROM unsorted_rows").fetchall()
    return disordered, unsorted


def test_the_index_is_sorted_again_only_when_enough_of_it_came_after_the_last_sort(lake_backend, demo_users,
                                                                                   monkeypatch):
    """A lookup prunes by employee, so the index is kept sorted; sorting
    rewrites all of it, so one small table changing does not trigger it."""
    backend, lake = lake_backend
    backend.refresh()
    assert _out_of_order(backend.index) == (0, 0), "a whole build ends sorted"
    employee = backend.directory.by_id(demo_users["employee, light data"]["employee_id"])
    folder = lake / "hr.db" / "landed_today"
    folder.mkdir()
    pq.write_table(pa.table({"employee_id": ["E00002", employee.employee_id, "E00001"]}), folder / "part-0.parquet")
    backend.refresh()
    disordered, unsorted = _out_of_order(backend.index)
    assert disordered > 0 and unsorted > 0, "a small change is appended, not sorted in"
    entry = next(e for e in inventory_for(backend, principal_for(employee), TODAY).entries if e.name == "hr.landed_today")
    assert entry.postings.rows == 1
    monkeypatch.setattr("queries.discovery.subject_index.UNSORTED_SHARE", 0.0)
    pq.write_table(pa.table({"employee_id": ["E00003"]}), folder / "part-1.parquet")
    backend.refresh()
    assert _out_of_order(backend.index) == (0, 0)


def test_a_row_naming_someone_twice_counts_once(lake_backend, demo_users):
    backend, lake = lake_backend
    employee = backend.directory.by_id(demo_users["employee, median data"]["employee_id"])
    folder = lake / "collab.db" / "odd_shapes"
    folder.mkdir()
    pq.write_table(pa.table({
        "author": [employee.employee_id, employee.employee_id, "E00002"],
        "cc": [[employee.email.upper(), employee.email], [], [employee.email]],
        "reviewer_email": [employee.email, None, None],
    }), folder / "part-0.parquet")
    backend.refresh()
    inventory = inventory_for(backend, principal_for(employee), TODAY)
    assert next(e for e in inventory.entries if e.name == "collab.odd_shapes").postings.rows == 3


def test_an_employee_with_no_rows_gets_an_empty_inventory(lake_backend):
    backend, _ = lake_backend
    nobody = next(p for p in backend.directory if p.exempt_from_collection)
    named = {e.name for e in inventory_for(backend, principal_for(nobody), TODAY).entries}
    assert not any(name.startswith("telemetry_raw.") for name in named)


def test_a_table_that_cannot_be_read_holds_back_none_of_its_lookalikes(lake_backend, demo_users, tmp_path):
    """Tables that share a schema are read by one statement; one of them
    vanishing between discovery and indexing fails alone."""
    backend, lake = lake_backend
    employee = backend.directory.by_id(demo_users["employee, light data"]["employee_id"])
    for name, rows in (("copy_a", 2), ("copy_b", 3), ("copy_c", 4)):
        (lake / "hr.db" / name).mkdir()
        pq.write_table(pa.table({"employee_id": [employee.employee_id] * rows + ["E00001"]}),
                       lake / "hr.db" / name / "part-0.parquet")
    catalog = discover(backend.warehouse, tmp_path / "fresh")
    assert len(batches([catalog.get(f"hr.copy_{x}") for x in "abc"])) == 1
    shutil.rmtree(lake / "hr.db" / "copy_b")
    index = SubjectIndex(tmp_path / "fresh")
    report = index.refresh(backend.warehouse, catalog, backend.directory)
    assert report.failed == ("hr.copy_b",)
    rows = {p.table: p.rows for p in index.tables_about(employee.employee_id, backend.register, TODAY)}
    assert rows["hr.copy_a"] == 2 and rows["hr.copy_c"] == 4 and "hr.copy_b" not in rows
    index.close()


ROWS_IN_FILE = 300_000
ROW_GROUP = 2_048


@pytest.fixture
def runs_table(lake_backend, demo_users):
    """One file of many row groups: me at rows 5, 7, 9,000 and 19,990 (a
    colleague between my first two), and another person once every 4,096
    rows, in more runs than a file keeps."""
    backend, lake = lake_backend
    me = backend.directory.by_id(demo_users["employee, light data"]["employee_id"])
    other = backend.directory.by_id(demo_users["employee, median data"]["employee_id"])
    owner = [None] * ROWS_IN_FILE
    for row in (5, 7, 9_000, 19_990):
        owner[row] = me.employee_id
    owner[6] = other.employee_id
    scattered = list(range(1_000, ROWS_IN_FILE, 4_096))
    for row in scattered:
        owner[row] = other.employee_id
    folder = lake / "hr.db" / "row_runs"
    folder.mkdir()
    pq.write_table(pa.table({"owner": owner, "n": list(range(ROWS_IN_FILE))}), folder / "part-0.parquet",
                   row_group_size=ROW_GROUP)
    backend.refresh()
    return backend, me, other, str(folder / "part-0.parquet"), scattered


def _entry(backend, employee, table):
    return next(e for e in inventory_for(backend, principal_for(employee), TODAY).entries if e.name == table)


def test_the_index_keeps_the_runs_of_rows_each_person_sits_in(runs_table):
    """Rows less than a block apart share a run; every run starts and ends
    on a row naming its person; a person in more runs than a file keeps
    gets one run from their first row to their last."""
    backend, me, other, file, scattered = runs_table
    assert backend.index.row_runs(me.employee_id, ["hr.row_runs"]) == {file: ((5, 7), (9_000, 9_000),
                                                                              (19_990, 19_990))}
    assert len(scattered) > 64
    assert backend.index.row_runs(other.employee_id, ["hr.row_runs"]) == {file: ((6, scattered[-1]),)}
    assert backend.index.row_runs(me.employee_id, ["hr.something_else"]) == {}


def test_my_rows_are_read_from_my_runs_only_and_exactly(runs_table):
    """The runs only narrow where the token search looks: a colleague's row
    inside my run is not mine, and the row groups outside my runs are
    never read."""
    backend, me, other, file, _ = runs_table
    entry = _entry(backend, me, "hr.row_runs")
    [mine] = my_rows(backend, principal_for(me), VIEW_OWN_TELEMETRY, [entry])
    assert sorted(mine.rows["n"].to_pylist()) == [5, 7, 9_000, 19_990]
    rows = backend.warehouse.rows([(entry.finding.table, entry.postings.files)],
                                  runs=backend.index.row_runs(me.employee_id, [entry.name]))
    plan = backend.warehouse.query(sql.Fragment(f"EXPLAIN ANALYZE SELECT count(*) FROM {rows.numbered.text}",
                                                rows.numbered.params))
    scanned = re.search(r"Row Groups Scanned: (\d+) / (\d+)", plan[0][1])
    assert scanned and (int(scanned[1]), int(scanned[2])) == (3, -(-ROWS_IN_FILE // ROW_GROUP))

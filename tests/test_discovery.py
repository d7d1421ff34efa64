"""Discovery finds every identifier column in every table, registered or
not, and per-employee row counts match a ground truth computed here with
pyarrow alone, independently of the portal's SQL."""

from __future__ import annotations

import shutil

import pytest

from queries.discovery.catalog import discover
from queries.discovery.subject_rows import scan_rows_about
from sample_data.plan import plan_tables
from tests.conftest import SMALL
from tests.ground_truth import truth_rows


def planned_tables() -> set[str]:
    return {t.qualified_name for t in plan_tables(SMALL.tables, SMALL.rows, SMALL.end_date)}


def test_every_table_is_described_and_every_column_that_can_hold_someone_is_searched(backend):
    catalog = backend.catalog()
    assert {f.table.qualified_name for f in catalog.findings} == planned_tables()
    for finding in catalog.findings:
        assert finding.error is None
        assert {c for c, _ in finding.scanned} | {c for c, _ in finding.skipped} == {c for c, _ in finding.columns}
        assert all(kind.startswith(("DOUBLE", "FLOAT", "DECIMAL", "DATE", "TIME", "BOOLEAN", "INTERVAL"))
                   for _, kind in finding.skipped), finding.table.qualified_name
    chats = catalog.get("collab.chat_messages")
    assert ("recipients", True) in chats.scanned and ("message_text", False) in chats.scanned


def test_unregistered_tables_are_discovered_like_any_other(backend):
    unregistered = [f for f in backend.catalog().scannable() if backend.register.get(f.table.qualified_name) is None]
    assert {"staging", "sandbox"} <= {f.table.database for f in unregistered}


@pytest.mark.parametrize("label", ["employee, heavy data", "employee, light data", "executive, exempt from collection"])
def test_row_counts_match_the_ground_truth(backend, sample, demo_users, label):
    employee = backend.directory.by_id(demo_users[label]["employee_id"])
    for finding in backend.catalog().scannable():
        counted = scan_rows_about(backend.warehouse, finding, backend.directory, employee)
        assert counted.rows == truth_rows(sample, finding.table.qualified_name, employee), finding.table.qualified_name


def test_an_exempt_executive_appears_only_where_colleagues_named_them(backend, demo_users):
    executive = backend.directory.by_id(demo_users["executive, exempt from collection"]["employee_id"])
    holding = {c.table.qualified_name for f in backend.catalog().scannable()
               if (c := scan_rows_about(backend.warehouse, f, backend.directory, executive)).rows}
    assert not any(name.startswith("telemetry_raw.") for name in holding)


def test_a_corrupt_file_is_reported_and_does_not_hide_other_tables(tmp_path, sample, backend):
    lake = tmp_path / "lake"
    shutil.copytree(sample / "warehouse", lake)
    victim = next((lake / "hr.db" / "performance_ratings").glob("*.parquet"))
    victim.write_bytes(b"PAR1 this is not parquet")
    catalog = discover(type(backend.warehouse)(lake), tmp_path / "state")
    broken = catalog.get("hr.performance_ratings")
    assert broken.error and "cannot be read" in broken.error
    assert len(catalog.scannable()) == len(catalog.findings) - 1


def test_findings_are_cached_until_the_files_change(tmp_path, sample, backend):
    lake = tmp_path / "lake"
    shutil.copytree(sample / "warehouse", lake)
    warehouse = type(backend.warehouse)(lake)
    first = discover(warehouse, tmp_path / "state")
    assert discover(warehouse, tmp_path / "state") == first
    folder = lake / "hr.db" / "performance_ratings"
    source = next(folder.glob("*.parquet"))
    shutil.copy(source, folder / "part-99999.parquet")
    again = discover(warehouse, tmp_path / "state")
    assert again.get("hr.performance_ratings").fingerprint != first.get("hr.performance_ratings").fingerprint
    assert len(again.get("hr.performance_ratings").files) == len(first.get("hr.performance_ratings").files) + 1


def test_a_corrupt_cache_is_rebuilt(tmp_path, backend):
    state = tmp_path / "corrupt-state"
    state.mkdir()
    (state / "discovery.json").write_text("{not json")
    assert len(discover(backend.warehouse, state).scannable()) > 0

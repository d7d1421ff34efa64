"""Discovery finds every identifier column in every table, registered or
not, and per-employee row counts match a ground truth computed here with
pyarrow alone, independently of the portal's SQL."""

from __future__ import annotations

import json
import shutil

import pyarrow.dataset as ds
import pytest

from queries.discovery import discover
from queries.subject_rows import scan_rows_about
from sample_data.plan import plan_tables
from tests.conftest import SMALL


def expected_identifiers() -> dict[str, set]:
    return {t.qualified_name: {(i.column, i.holds, i.shape, i.json_path) for i in t.template.identifiers}
            for t in plan_tables(SMALL.tables, SMALL.rows, SMALL.end_date)}


def found(finding) -> set:
    return {(i.column, i.holds, i.shape, i.json_path) for i in finding.identifiers}


def json_leaf(document: str, path: str):
    node = json.loads(document)
    for key in path.removeprefix("$.").split("."):
        node = node.get(key) if isinstance(node, dict) else None
    return node


def truth_rows(sample, qualified: str, employee) -> int:
    """Counts rows naming the employee in any identifier column, in Python."""
    identifiers = expected_identifiers()[qualified]
    database, name = qualified.split(".")
    table = ds.dataset(sample / "warehouse" / f"{database}.db" / name, format="parquet", partitioning="hive").to_table()
    wanted = {"employee_id": employee.employee_id, "email": employee.email.casefold()}
    columns = {column: table[column].to_pylist() for column, *_ in identifiers}
    count = 0
    for row in range(table.num_rows):
        for column, holds, shape, path in identifiers:
            value = columns[column][row]
            if shape == "list":
                values = [v.casefold() if holds == "email" else v for v in value or []]
            elif shape == "json":
                values = [json_leaf(value, path)]
                values = [v.casefold() if holds == "email" and v else v for v in values]
            else:
                values = [value.casefold() if holds == "email" and value else value]
            if wanted[holds] in values:
                count += 1
                break
    return count


def test_every_identifier_column_is_found_in_every_table(backend):
    catalog = backend.catalog()
    expected = expected_identifiers()
    assert {f.table.qualified_name for f in catalog.findings} == set(expected)
    for finding in catalog.findings:
        assert finding.error is None
        assert found(finding) == expected[finding.table.qualified_name], finding.table.qualified_name


def test_unregistered_tables_are_discovered_like_any_other(backend):
    unregistered = [f for f in backend.catalog().with_people() if backend.register.get(f.table.qualified_name) is None]
    assert {"staging", "sandbox"} <= {f.table.database for f in unregistered}


@pytest.mark.parametrize("label", ["employee, heavy data", "employee, light data", "executive, exempt from collection"])
def test_row_counts_match_the_ground_truth(backend, sample, demo_users, label):
    employee = backend.directory.by_id(demo_users[label]["employee_id"])
    for finding in backend.catalog().with_people():
        counted = scan_rows_about(backend.warehouse, finding, employee)
        assert counted.rows == truth_rows(sample, finding.table.qualified_name, employee), finding.table.qualified_name


def test_an_exempt_executive_appears_only_where_colleagues_named_them(backend, demo_users):
    executive = backend.directory.by_id(demo_users["executive, exempt from collection"]["employee_id"])
    holding = {c.table.qualified_name for f in backend.catalog().with_people()
               if (c := scan_rows_about(backend.warehouse, f, executive)).rows}
    assert not any(name.startswith("telemetry_raw.") for name in holding)


def test_a_corrupt_file_is_reported_and_does_not_hide_other_tables(tmp_path, sample, backend):
    lake = tmp_path / "lake"
    shutil.copytree(sample / "warehouse", lake)
    victim = next((lake / "hr.db" / "performance_ratings").glob("*.parquet"))
    victim.write_bytes(b"PAR1 this is not parquet")
    catalog = discover(type(backend.warehouse)(lake), backend.directory, tmp_path / "state")
    broken = catalog.get("hr.performance_ratings")
    assert broken.error and "cannot be read" in broken.error
    assert len(catalog.with_people()) == len(catalog.findings) - 1


def test_findings_are_cached_until_the_files_change(tmp_path, sample, backend):
    lake = tmp_path / "lake"
    shutil.copytree(sample / "warehouse", lake)
    warehouse = type(backend.warehouse)(lake)
    first = discover(warehouse, backend.directory, tmp_path / "state")
    assert discover(warehouse, backend.directory, tmp_path / "state") == first
    folder = lake / "hr.db" / "performance_ratings"
    source = next(folder.glob("*.parquet"))
    shutil.copy(source, folder / "part-99999.parquet")
    again = discover(warehouse, backend.directory, tmp_path / "state")
    assert again.get("hr.performance_ratings").fingerprint != first.get("hr.performance_ratings").fingerprint
    assert len(again.get("hr.performance_ratings").files) == len(first.get("hr.performance_ratings").files) + 1


def test_a_corrupt_cache_is_rebuilt(tmp_path, backend):
    state = tmp_path / "corrupt-state"
    state.mkdir()
    (state / "discovery.json").write_text("{not json")
    assert len(discover(backend.warehouse, backend.directory, state).with_people()) > 0

"""Identifiers are quoted, values are bound, and the warehouse connection
cannot read anything outside the warehouse folder."""

from __future__ import annotations

import os

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from queries import sql
from queries.discovery.catalog import TableFinding
from queries.discovery.subject_rows import row_texts
from queries.warehouse.engine import Rows, TableRef, Warehouse, WarehouseError


@pytest.mark.parametrize("name, quoted", [
    ("employee_id", '"employee_id"'),
    ('x"; DROP TABLE t; --', '"x""; DROP TABLE t; --"'),
    ("Straße", '"Straße"'),
    ("$employee_id", '"$employee_id"'),
])
def test_quote_identifier(name, quoted):
    assert sql.quote_identifier(name) == quoted


@pytest.mark.parametrize("bad", ["", "a\x00b", None, 3])
def test_quote_identifier_refuses_non_names(bad):
    with pytest.raises(ValueError):
        sql.quote_identifier(bad)


def test_render_refuses_missing_or_extra_placeholders():
    with pytest.raises(ValueError, match="needs"):
        sql.render("scan_subject_rows")
    with pytest.raises(ValueError, match="needs"):
        sql.render("describe_table", identifiers={"column": "x"})


def test_render_only_loads_queries_from_the_sql_folder():
    with pytest.raises(ValueError, match="no query"):
        sql.load("../../settings")


def test_fragment_parameters_are_renamed_per_copy():
    value = sql.render("tokens/scalar_value", identifiers={"column": "payload"})
    fragment = sql.render("tokens/scalar_text", fragments={"value": value}, param_suffix="_3")
    assert "{'c': $column_number_3, 'nested': false, 't': " in fragment.text
    assert fragment.text.endswith("CAST(\"payload\" AS VARCHAR)}")


def test_a_hostile_column_name_stays_one_identifier(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq
    folder = tmp_path / "lake" / "odd.db" / "t"
    folder.mkdir(parents=True)
    hostile = 'id" = id OR 1=1 --'
    pq.write_table(pa.table({hostile: ["E1", "E2"]}), folder / "part-0.parquet")
    warehouse = Warehouse(tmp_path / "lake")
    files = [f.path for f in warehouse.files(TableRef("odd", "t"))]
    finding = TableFinding(TableRef("odd", "t"), columns=((hostile, "VARCHAR"),), files=tuple(files),
                           scanned=((hostile, False),))
    rows = warehouse.rows([(finding.table, files)])
    texts = sql.render("bench/read_searched_columns", fragments={"rows": rows.plain, "row_texts": row_texts(finding)})
    [(count,)] = warehouse.query(texts, relations=rows.relations)
    assert count == 2


@pytest.fixture
def warehouse(sample):
    opened = Warehouse(sample / "warehouse")
    yield opened
    opened.close()


def test_reading_outside_the_warehouse_is_refused(warehouse, sample):
    for outside in ["/etc/passwd", str(sample / "directory.csv"), str(sample / "warehouse" / ".." / "grants.csv")]:
        with pytest.raises(WarehouseError, match="Permission|disabled"):
            warehouse.query(sql.Fragment("SELECT * FROM read_csv($files)", {}), {"files": [outside]})


def test_the_connection_configuration_cannot_be_changed(warehouse):
    for statement in ["SET enable_external_access = true", "SET allowed_directories = ['/']",
                      "RESET lock_configuration", "INSTALL httpfs"]:
        with pytest.raises(WarehouseError):
            warehouse.query(sql.Fragment(statement, {}))


def test_no_progress_bar_is_drawn_into_the_portal_output(backend):
    """DuckDB may draw a progress bar on standard output for a statement past
    two seconds (the index's sort at L did); in a server that is noise in the
    operators' log."""
    [(warehouse_bar,)] = backend.warehouse.query(sql.Fragment("SELECT current_setting('enable_progress_bar')", {}))
    [(index_bar,)] = backend.index._connection.execute("SELECT current_setting('enable_progress_bar')").fetchall()
    assert warehouse_bar is False and index_bar is False


def test_tables_are_listed_from_the_folders(warehouse):
    tables = warehouse.tables()
    assert TableRef("telemetry_raw", "keystrokes") in tables
    assert TableRef("staging", "chat_export") in tables


def test_hidden_temporary_and_linked_files_are_not_data(tmp_path, sample):
    folder = tmp_path / "lake" / "db.db" / "t"
    (folder / "_temporary").mkdir(parents=True)
    source = next((sample / "warehouse" / "hr.db" / "performance_ratings").glob("*.parquet"))
    (folder / "part-0.parquet").write_bytes(source.read_bytes())
    (folder / ".part-1.parquet.crc").write_bytes(b"x")
    (folder / "_temporary" / "part-2.parquet").write_bytes(source.read_bytes())
    os.symlink(sample / "directory.csv", folder / "part-3.parquet")
    files = Warehouse(tmp_path / "lake").files(TableRef("db", "t"))
    assert [os.path.basename(f.path) for f in files] == ["part-0.parquet"]


def test_a_missing_warehouse_folder_is_explained(tmp_path):
    with pytest.raises(WarehouseError, match="does not exist"):
        Warehouse(tmp_path / "nowhere")


def test_rows_a_format_hands_over_are_cut_to_their_runs():
    """Formats that read their own files (Delta, Iceberg, object storage)
    number the rows as DuckDB would, then keep only the runs given; a file
    without runs is kept whole."""
    first, second = pa.table({"v": list("abcdef")}), pa.table({"v": list("xyz")})
    rows = Rows.of_tables([first, second], runs=[((1, 2), (5, 5)), None])
    [table] = rows.relations.values()
    assert list(zip(table["file_index"].to_pylist(), table["file_row_number"].to_pylist(), table["v"].to_pylist())) \
        == [(0, 1, "b"), (0, 2, "c"), (0, 5, "f"), (1, 0, "x"), (1, 1, "y"), (1, 2, "z")]

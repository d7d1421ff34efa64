"""The warehouse is refreshed off the pages' threads, and the engine keeps
no state of its callers."""

from __future__ import annotations

import shutil
import threading
import time

import pyarrow as pa
import pyarrow.parquet as pq

from queries import sql
from queries.backend import Backend
from tests.conftest import write_config


def refreshing_every_second(folder, sample):
    config = write_config(folder, sample)
    config.write_text(config.read_text().replace("[warehouse]\n", "[warehouse]\nrefresh_seconds = 1\n", 1))
    return config


def test_a_page_never_refreshes_a_stale_catalog_on_its_own_thread(tmp_path, sample, monkeypatch):
    lake = tmp_path / "copy"
    shutil.copytree(sample, lake)
    backend = Backend.open(refreshing_every_second(tmp_path, lake))
    threads = []
    refresh = backend._refresh
    monkeypatch.setattr(backend, "_refresh", lambda: threads.append(threading.current_thread().name) or refresh())
    try:
        assert "hr.landed_today" not in {f.table.qualified_name for f in backend.catalog().findings}
        assert threads == [threading.current_thread().name], "nothing known yet: the first call refreshes"
        folder = lake / "warehouse" / "hr.db" / "landed_today"
        folder.mkdir()
        pq.write_table(pa.table({"employee_id": ["E00001"]}), folder / "part-0.parquet")
        deadline = time.monotonic() + 60
        while "hr.landed_today" not in {f.table.qualified_name for f in backend.catalog().findings}:
            assert time.monotonic() < deadline, "the background refresher never picked up the new table"
            time.sleep(0.2)
        assert threads[1:] and set(threads[1:]) == {"daylight-refresh"}
        refresher = backend._refresher
    finally:
        backend.close()
    assert not refresher.is_alive(), "closing stops the refresher"


def test_a_failed_background_refresh_keeps_the_last_catalog(tmp_path, sample, monkeypatch):
    backend = Backend.open(refreshing_every_second(tmp_path, sample))
    try:
        catalog = backend.catalog()
        failures = []

        def failing() -> None:
            failures.append(1)
            raise OSError("the warehouse's disk went away")

        monkeypatch.setattr(backend, "_refresh", failing)
        deadline = time.monotonic() + 30
        while len(failures) < 2:
            assert time.monotonic() < deadline, "a failed refresh stopped the refresher"
            time.sleep(0.2)
        assert backend.catalog() is catalog
    finally:
        monkeypatch.undo()
        backend.close()


def test_indexing_leaves_nothing_behind_in_the_warehouse_engine(backend):
    backend.refresh()
    leftovers = backend.warehouse.query(sql.Fragment(
        "SELECT table_name FROM duckdb_tables() UNION ALL SELECT view_name FROM duckdb_views() WHERE NOT internal",
        {}))
    assert leftovers == []

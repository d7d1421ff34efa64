"""Several portal processes on one state folder: one writes the subject
index and publishes copies, the others read the newest copy. A reading
process never opens the index itself (DuckDB would refuse it while the
writer holds it), never opens a copy that is half written or cannot be
read, moves on to a newer copy without dropping a statement under way, and
leaves erasures, which change the index, to the writer."""

from __future__ import annotations

import json
import logging
import shutil
import time

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from auth.principal import Role
from queries.backend import Backend, BackendError
from queries.discovery import index_copies
from queries.discovery.subject_index import INDEX_FILE
from queries.erasure import run as erasure
from queries.erasure import service as deletions
from queries.erasure.requests import State
from queries.erasure.run import ErasureError
from queries.mydata.inventory import inventory_of
from tests.conftest import write_config
from tests.test_cli import daylight
from tests.test_deletion import approved, second_officer
from tests.test_my_data import principal_for


def role_config(tmp_path, lake, role: str):
    folder = tmp_path / role
    folder.mkdir()
    config = write_config(folder, lake)
    text = config.read_text().replace(f'path = "{folder / "state"}"',
                                      f'path = "{tmp_path / "state"}"\nindex_role = "{role}"')
    config.write_text(text + "[erasure]\nworkers = 3\n")
    return config


@pytest.fixture
def writer(tmp_path, lake):
    opened = Backend.open(role_config(tmp_path, lake, "writer"))
    opened.refresh()
    yield opened
    opened.close()


@pytest.fixture
def reader(tmp_path, lake, writer):
    opened = Backend.open(role_config(tmp_path, lake, "reader"))
    opened.refresh()
    yield opened
    opened.close()


def copies(tmp_path) -> list[str]:
    """The published copies' names, oldest first."""
    return sorted(p.name for p in (tmp_path / "state" / index_copies.COPIES_DIR).iterdir()
                  if p.name.endswith(".duckdb") and not p.name.startswith("."))


def land_table(lake, employee_id: str, name: str) -> None:
    """A new table naming one employee, as a load job would write it."""
    folder = next((lake / "warehouse").glob("*.db")) / name
    folder.mkdir()
    pq.write_table(pa.table({"employee_id": [employee_id] * 3, "event": ["a", "b", "c"]}), folder / "part-0.parquet")


def test_another_process_reads_the_copy_while_the_writer_holds_the_index(tmp_path, lake, writer, demo_users):
    """The reading process is a real second process: opening the index
    itself would fail on DuckDB's lock, so its answer comes from the copy."""
    employee = demo_users["employee, median data"]["employee_id"]
    assert copies(tmp_path)
    done = daylight("inventory", employee, "--json", "--config", str(role_config(tmp_path, lake, "reader")))
    assert done.returncode == 0, done.stderr
    answered = json.loads(done.stdout)
    own = inventory_of(writer, employee)
    assert answered["rows"] == own.rows > 0
    assert [t["table"] for t in answered["tables"]] == [e.name for e in own.entries]


def test_the_sole_process_publishes_nothing(tmp_path, lake):
    opened = Backend.open(write_config(tmp_path, lake))
    opened.refresh()
    opened.close()
    assert not (tmp_path / "state" / index_copies.COPIES_DIR).exists()


def test_a_reader_moves_to_a_newer_copy_when_it_refreshes(tmp_path, lake, writer, reader, demo_users):
    employee = demo_users["employee, light data"]["employee_id"]
    before, generation = reader.index.version, reader.generation
    tables_before = {e.name for e in inventory_of(reader, employee).entries}
    land_table(lake, employee, "landed_after_start")
    reader.refresh()
    assert (reader.index.version, reader.generation) == (before, generation), \
        "a reader sees the warehouse as the writer's index does, not before"
    assert not [f for f in reader.catalog().findings if f.table.name == "landed_after_start"]
    writer.refresh()
    assert reader.index.version == before, "a reader moves only when it refreshes"
    reader.refresh()
    assert reader.index.version != before and reader.generation == generation + 1
    landed = {e.name for e in inventory_of(reader, employee).entries} - tables_before
    assert [name.split(".")[-1] for name in landed] == ["landed_after_start"]


def test_a_statement_under_way_finishes_on_the_copy_it_started_on(tmp_path, lake, writer, reader, demo_users):
    """Older copies are removed as newer ones are published; a reader still
    holding one keeps reading it (the file lives until it is closed)."""
    employee = demo_users["employee, median data"]["employee_id"]
    expected = inventory_of(reader, employee).rows
    under_way = reader.index._connection.cursor()
    for number in range(index_copies.KEPT + 1):
        land_table(lake, f"nobody-{number}", f"landed_{number}")
        writer.refresh()
    assert len(copies(tmp_path)) == index_copies.KEPT
    assert reader.index.version not in copies(tmp_path)
    [(rows,)] = under_way.execute("SELECT sum(row_count) FROM table_summaries WHERE employee_id = ?",
                                  [employee]).fetchall()
    assert rows == expected
    reader.refresh()
    assert reader.index.version == copies(tmp_path)[-1]


def test_a_half_written_or_unreadable_copy_is_never_opened(tmp_path, lake, writer, reader, demo_users, caplog):
    employee = demo_users["employee, median data"]["employee_id"]
    expected, kept = inventory_of(reader, employee).rows, reader.index.version
    folder = tmp_path / "state" / index_copies.COPIES_DIR
    later = f"{time.time_ns() + 10**12:020d}.duckdb"
    (folder / f".{later}{index_copies.PARTIAL}").write_bytes(b"half a copy")
    reader.refresh()
    assert reader.index.version == kept
    shutil.copy(folder / kept, folder / later)
    with caplog.at_level(logging.ERROR):
        reader.refresh()
    assert reader.index.version == kept, "a copy without its catalog is not opened"
    (folder / later).write_bytes(b"not a DuckDB file " * 100)
    shutil.copy(index_copies.catalog_of_path(folder / kept), index_copies.catalog_of_path(folder / later))
    with caplog.at_level(logging.ERROR):
        reader.refresh()
    assert reader.index.version == kept and inventory_of(reader, employee).rows == expected
    assert sum("cannot be opened" in r.getMessage() for r in caplog.records) == 2
    (folder / later).unlink()
    land_table(lake, "nobody", "landed")
    writer.refresh()
    left = sorted(p.name for p in folder.iterdir())
    assert left == sorted(name.removesuffix(".duckdb") + suffix for name in copies(tmp_path)
                          for suffix in (".duckdb", index_copies.CATALOG_SUFFIX)), "leftovers are removed"


def test_a_reader_without_a_published_copy_says_what_to_start(tmp_path, lake):
    with pytest.raises(BackendError, match="start the process that writes the index"):
        Backend.open(role_config(tmp_path, lake, "reader"))
    assert not (tmp_path / "state" / INDEX_FILE).exists()


def test_an_erasure_started_in_a_reader_runs_in_the_writer(tmp_path, lake, writer, reader, demo_users):
    employee = principal_for(reader.directory.by_id(demo_users["employee, light data"]["employee_id"]))
    officer = principal_for(reader.directory.by_id(demo_users["HR privacy officer"]["employee_id"]),
                            Role.HR, Role.EMPLOYEE)
    assert inventory_of(reader, employee.employee_id).rows > 0
    request_id = approved(reader, employee, officer).request_id
    assert deletions.resume_erasure(reader, second_officer(reader, officer, employee), request_id)
    assert deletions.erasure_progress(reader, officer, request_id).running, "the officer sees it under way"
    assert not erasure.running(request_id) and not reader.journal.entries(request_id), "nothing ran in the reader"
    with pytest.raises(ErasureError, match="erasures run in the process that writes it"):
        erasure.execute(reader, request_id)

    published = copies(tmp_path)
    erasure.keep_taking_up(writer, 0.2)
    deadline = time.monotonic() + 120
    while writer.requests.get(request_id).state is State.EXECUTING and time.monotonic() < deadline:
        time.sleep(0.2)
    done = writer.requests.get(request_id)
    assert done.state is State.COMPLETED and done.receipt["verification"]["passed"]
    assert erasure.take_up_started(writer) == []
    assert copies(tmp_path) != published, "the writer published the index without the subject"
    reader.refresh()
    assert inventory_of(reader, employee.employee_id).rows == 0
    assert not deletions.erasure_progress(reader, officer, request_id).running

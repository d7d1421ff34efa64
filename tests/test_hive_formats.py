"""Hive tables as Hive writes them: files named `000000_0`, ORC, `\\x01`
text with `\\N`, gzip, CSV, TSV and JSON lines, partition folders, and
files nobody can read beside ones that read. Counts are checked against a
ground truth read here with the standard library (gzip, json, csv, string
splitting) and pyarrow's own readers, apart from `queries/`."""

from __future__ import annotations

import csv
import gzip
import json
import shutil
from collections import Counter
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.orc as orc
import pyarrow.parquet as pq
import pytest

from auth.principal import Role
from queries.backend import Backend
from queries.discovery.directory import Directory
from queries.erasure.plan import plan
from queries.erasure.requests import Scope
from queries.erasure.run import execute
from queries.mydata.inventory import inventory_of
from tests.conftest import write_config
from tests.test_deletion import approved
from tests.test_my_data import principal_for
from tests.ground_truth import folder_rows, identifiers_of, row_names

TODAY = date(2026, 11, 22)
SAMPLE_KINDS = {"security.vpn_sessions": "ORC", "facilities.door_access": "text",
                "it_ops.device_health": "text", "hr.working_time_records": "Parquet"}


def kind_of(data: bytes) -> str:
    return next((kind for magic, kind in ((b"PAR1", "parquet"), (b"ORC", "orc"), (b"\x1f\x8b", "gzip"),
                                          (b"Obj", "avro"), (b"SEQ", "sequence")) if data.startswith(magic)), "text")


def counted(rows: list[dict], directory: Directory) -> Counter:
    return Counter({person.employee_id: n for person in directory
                    if (n := sum(row_names(row, identifiers_of(person)) for row in rows))})


def found(backend: Backend, table: str) -> Counter:
    return Counter({person.employee_id: postings.rows for person in backend.directory
                    for postings in backend.index.tables_about(person.employee_id, backend.register, TODAY)
                    if postings.table == table and postings.rows})


def test_the_sample_holds_hive_tables_of_every_kind(backend):
    catalog = backend.catalog()
    for table, kind in SAMPLE_KINDS.items():
        finding = catalog.get(table)
        assert finding.error is None and not finding.unread and not finding.notes, table
        assert finding.storage == f"Hive folder of {kind} files"
        assert all(Path(file).name.startswith("00000") for file in finding.files)


@pytest.mark.parametrize("table", SAMPLE_KINDS)
def test_every_person_in_a_hive_table_is_counted_as_the_ground_truth_says(backend, sample, table):
    database, name = table.split(".")
    truth = counted(folder_rows(sample / "warehouse" / f"{database}.db" / name), backend.directory)
    assert truth and found(backend, table) == truth


def test_the_inventory_says_how_each_table_is_stored(backend):
    someone = next(iter(found(backend, "security.vpn_sessions")))
    records = {r["table"]: r for r in inventory_of(backend, someone, TODAY).rows_for_display()}
    assert records["security.vpn_sessions"]["stored as"] == "Hive folder of ORC files"


def test_typed_text_columns_read_as_their_declared_types(backend):
    columns = dict(backend.catalog().get("facilities.door_access").columns)
    assert columns == {"event_time": "TIMESTAMP", "badge_no": "BIGINT", "door": "VARCHAR", "granted": "BOOLEAN"}
    assert backend.catalog().get("facilities.door_access").time_column == "event_time"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, sample):
    """A lake whose Hive folders hold every kind of file, good and bad."""
    lake = tmp_path_factory.mktemp("hive") / "lake"
    shutil.copytree(sample, lake)
    directory = Directory.load(lake / "directory.csv")
    people = sorted(directory, key=lambda e: e.employee_id)[::9][:6]
    a, b, c, d, e, f = people
    root = lake / "warehouse" / "hive_lake.db"

    mixed = root / "mixed_files"
    (mixed / "dt=2026-10-01").mkdir(parents=True)
    orc.write_table(pa.table({"who": [a.employee_id, b.email], "n": [1, 2]}), mixed / "dt=2026-10-01" / "000000_0")
    pq.write_table(pa.table({"who": [c.login, None], "n": [3, 4]}), mixed / "dt=2026-10-01" / "000001_0")
    (mixed / "dt=2026-10-01" / "000002_0").write_bytes(b"Obj\x01" + b"\x00" * 40)  # Avro
    (mixed / "dt=2026-10-01" / "000003_0").write_bytes(b"SEQ\x06 not for us")
    (mixed / "_SUCCESS").write_bytes(b"")
    (mixed / "dt=2026-10-01" / ".000000_0.crc").write_bytes(b"crc")

    text = root / "hive_text"
    text.mkdir(parents=True)
    (text / ".schema").write_text(json.dumps({"columns": [
        {"name": "sender", "type": "string"}, {"name": "recipients", "type": "array<string>"},
        {"name": "meta", "type": "map<string,string>"}, {"name": "size", "type": "bigint"}]}))
    lines = [f"{a.email}\x01{b.email}\x02{c.login}\x01k\x03{d.employee_id}\x01\\N",
             "\\N\x01\\N\x01\\N\x0142", f"nobody@example.org\x01x\x02y\x01{e.badge}\x03v\x017"]
    (text / "000000_0.gz").write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    (text / "000001_0").write_bytes(b"\x1f\x8b this gzip is cut short")
    (text / "000002_0").write_text(f"{f.email}\x01\x01\x01not-a-number\n")

    ragged = root / "ragged_text"
    ragged.mkdir(parents=True)
    (ragged / ".schema").write_text(json.dumps({"columns": [{"name": "a", "type": "string"}]}))
    (ragged / "000000_0").write_text(f"one\x01{a.employee_id}\x01three\n{b.login}\n")

    no_schema = root / "lines_only"
    no_schema.mkdir(parents=True)
    (no_schema / "000000_0").write_text(f"ts=1 user={c.email} action=login\nts=2 user=someone\n")

    for kind, delimiter in (("csv", ","), ("tsv", "\t")):
        folder = root / f"{kind}_table"
        folder.mkdir(parents=True)
        (folder / ".schema").write_text(json.dumps({"format": kind, "header": True, "columns": [
            {"name": "actor", "type": "string"}, {"name": "note", "type": "string"}]}))
        body = [["actor", "note"], [d.email, f"cc {e.login}"], ["", "nobody"]]
        with open(folder / "export.0", "w", newline="") as out:
            csv.writer(out, delimiter=delimiter).writerows(body)

    jsonl = root / "json_lines"
    jsonl.mkdir(parents=True)
    (jsonl / ".schema").write_text(json.dumps({"format": "jsonl", "columns": [{"name": "doc", "type": "string"}]}))
    (jsonl / "000000_0").write_text(json.dumps({"doc": {"owner": f.employee_id, "tags": [a.login]}}) + "\n")

    foreign = root / "uncatalogued_iceberg"
    (foreign / "metadata").mkdir(parents=True)
    (foreign / "data").mkdir()
    (foreign / "metadata" / "00001-1.metadata.json").write_text('{"format-version": 2}\n')
    pq.write_table(pa.table({"owner": [f.email, "nobody"]}), foreign / "data" / "00000-0-1.parquet")

    backend = Backend.open(write_config(lake.parent, lake))
    backend.refresh()
    yield backend, lake
    backend.close()


def hostile_rows(backend: Backend, lake: Path, name: str) -> list[dict]:
    """The rows of the files Daylight could read; a text file whose lines
    do not fit its schema is read as lines, as Hive would not read it either."""
    readable = set(backend.catalog().get(f"hive_lake.{name}").files)
    if name == "ragged_text":
        return [{"line": line} for file in readable for line in Path(file).read_text().splitlines()]
    return folder_rows(lake / "warehouse" / "hive_lake.db" / name, readable)


HOSTILE_TABLES = ["mixed_files", "hive_text", "ragged_text", "lines_only", "csv_table", "tsv_table", "json_lines"]


@pytest.mark.parametrize("name", HOSTILE_TABLES)
def test_every_readable_file_is_counted_against_the_ground_truth(hostile, name):
    backend, lake = hostile
    truth = counted(hostile_rows(backend, lake, name), backend.directory)
    assert truth and found(backend, f"hive_lake.{name}") == truth


def test_files_that_cannot_be_read_are_named_with_the_reason_and_hide_nothing_else(hostile):
    backend, lake = hostile
    unread = {(table, Path(file).name): why for table, file, why in backend.catalog().unread_files()}
    assert set(unread) == {("hive_lake.mixed_files", "000002_0"), ("hive_lake.mixed_files", "000003_0"),
                           ("hive_lake.hive_text", "000001_0")}
    assert "Avro" in unread[("hive_lake.mixed_files", "000002_0")]
    assert "SequenceFile" in unread[("hive_lake.mixed_files", "000003_0")]
    assert "gzip" in unread[("hive_lake.hive_text", "000001_0")]
    someone = next(iter(found(backend, "hive_lake.mixed_files")))
    inventory = inventory_of(backend, someone, TODAY)
    assert "hive_lake.mixed_files" in {e.name for e in inventory.entries}
    assert {(t, Path(f).name) for t, f, _ in inventory.unread_files} == set(unread)


def test_a_column_that_does_not_parse_is_kept_as_text_and_searched(hostile):
    backend, _ = hostile
    columns = dict(backend.catalog().get("hive_lake.hive_text").columns)
    assert columns["size"] == "VARCHAR" and columns["recipients"] == "VARCHAR[]"
    assert columns["meta"] == "MAP(VARCHAR, VARCHAR)"


def test_text_without_a_schema_is_read_line_by_line_and_says_so(hostile):
    backend, _ = hostile
    finding = backend.catalog().get("hive_lake.lines_only")
    assert dict(finding.columns) == {"line": "VARCHAR"}
    assert finding.notes and "line by line" in finding.notes[0]


def test_a_table_format_folder_nobody_claims_is_read_as_its_data_and_never_rewritten(hostile):
    backend, lake = hostile
    finding = backend.catalog().get("hive_lake.uncatalogued_iceberg")
    assert finding.storage.startswith("Iceberg table") and finding.erasure == ""
    assert [Path(f).name for f in finding.files] == ["00000-0-1.parquet"]
    assert "not yet vacuumed" in finding.notes[-1]
    owner = next(iter(found(backend, "hive_lake.uncatalogued_iceberg")))
    request = backend.requests.submit(principal_for(backend.directory.by_id(owner)), Scope(True), "leaving")
    kept = {p.table: p.kept_because for p in plan(backend, request) if not p.erase}
    assert "Daylight cannot rewrite" in kept["hive_lake.uncatalogued_iceberg"]


def test_partition_folders_are_columns(hostile):
    backend, _ = hostile
    assert dict(backend.catalog().get("hive_lake.mixed_files").columns)["dt"] == "VARCHAR"


def test_an_erasure_rewrites_every_kind_of_file_in_its_own_kind(hostile):
    """ORC stays ORC, gzip text stays gzip text in its layout, JSON lines
    and lines stay so; the subject is in none of them afterwards, and
    everyone else's rows are read back as before."""
    backend, lake = hostile
    folder = lake / "warehouse" / "hive_lake.db"
    subject = backend.directory.by_id(next(iter(found(backend, "hive_lake.hive_text"))))
    kinds = {p: kind_of(p.read_bytes()) for p in folder.rglob("*") if p.is_file()}
    others_before = {name: {json.dumps(r, sort_keys=True, default=str) for r in hostile_rows(backend, lake, name)
                            if not row_names(r, identifiers_of(subject))} for name in HOSTILE_TABLES}
    officer = next(p for p in backend.directory if p.employee_id != subject.employee_id)
    request = approved(backend, principal_for(subject), principal_for(officer, Role.HR, Role.EMPLOYEE))
    done = execute(backend, request.request_id)
    verification = done.receipt["verification"]
    assert verification["files_that_cannot_be_searched"] == ["hive_lake.db/hive_text/000001_0"]
    assert not verification["passed"], "a file nobody can read may still hold them"
    assert not any(verification[key] for key in ("rows_left_outside_kept_tables", "files_with_traces_in_raw_bytes",
                                                 "files_with_traces_in_decoded_values",
                                                 "files_with_rows_still_naming_them"))
    erased = {row["table"] for row in done.receipt["deleted"]}
    assert {"hive_lake.hive_text", "hive_lake.mixed_files"} <= erased
    for path, kind in kinds.items():
        assert kind_of(path.read_bytes()) == kind, path
    for name in HOSTILE_TABLES:
        rows = hostile_rows(backend, lake, name)
        assert not any(row_names(r, identifiers_of(subject)) for r in rows), name
        assert {json.dumps(r, sort_keys=True, default=str) for r in rows} >= others_before[name], name
    assert not found(backend, "hive_lake.hive_text").get(subject.employee_id)

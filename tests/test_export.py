"""The export, a copy of my data: every table in three formats with
checksums, a small site that works offline, hostile text escaped, and
nobody else's identifiers."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import shutil
import zipfile

import pyarrow.parquet as pq

from queries.backend import Backend
from queries.mydata.export import build_export
from queries.mydata.inventory import inventory_for
from tests.conftest import write_config
from tests.test_my_data import median, others, principal_for  # noqa: F401 (a fixture)


def test_the_export_holds_every_table_with_checksums_and_nobody_else(backend, median):  # noqa: F811
    inventory = inventory_for(backend, principal_for(median))
    export = build_export(backend, principal_for(median), inventory)
    archive = zipfile.ZipFile(io.BytesIO(export.data))
    manifest = json.loads(archive.read("manifest.json"))
    assert {t["table"] for t in manifest["tables"]} == {e.name for e in inventory.entries}
    for table in manifest["tables"]:
        as_csv, as_json, as_parquet = table["files"]
        parquet = pq.read_table(io.BytesIO(archive.read(as_parquet)))
        rows_in_csv = list(csv.DictReader(io.StringIO(archive.read(as_csv).decode())))
        as_json_text = archive.read(as_json).decode()
        assert table["rows"] == parquet.num_rows == len(rows_in_csv) == len(json.loads(as_json_text))
        assert json.loads(as_json_text) == json.loads(json.dumps(parquet.to_pylist(), default=str)), \
            "the JSON holds the rows the Parquet holds"
        assert as_json_text.count("\n") == parquet.num_rows + 2 if parquet.num_rows else as_json_text == "[]\n", \
            "one row per line"
    for name, digest in manifest["sha256"].items():
        assert hashlib.sha256(archive.read(name)).hexdigest() == digest
    assert set(manifest["sha256"]) == set(archive.namelist()) - {"manifest.json"}
    everything = "\n".join(
        json.dumps(pq.read_table(io.BytesIO(archive.read(n))).to_pylist(), default=str) if n.endswith(".parquet")
        else archive.read(n).decode() for n in archive.namelist())
    for identifier in others(backend, median):
        assert not any(f"{q}{identifier}{q}" in everything for q in ('"', "'", ",")), identifier


def test_the_export_summary_escapes_hostile_text(tmp_path, sample, demo_users):
    lake = tmp_path / "copy"
    shutil.copytree(sample, lake)
    register = json.loads((lake / "register.json").read_text())
    register["tables"][0]["description"] = "<script>alert('x')</script>"
    (lake / "register.json").write_text(json.dumps(register))
    backend = Backend.open(write_config(tmp_path, lake))
    employee = backend.directory.by_id(demo_users["employee, heavy data"]["employee_id"])
    inventory = inventory_for(backend, principal_for(employee))
    archive = zipfile.ZipFile(io.BytesIO(build_export(backend, principal_for(employee), inventory).data))
    pages = [archive.read(n).decode() for n in archive.namelist() if n.endswith(".html")]
    assert len(pages) == len(inventory.entries) + 1
    assert not any("<script>" in page for page in pages) and any("&lt;script&gt;" in page for page in pages)
    backend.close()


def test_the_export_opens_offline_and_every_link_works(tmp_path, backend, median):  # noqa: F811
    """Unpacked, the export is a small site: every link from the front page
    and the table pages leads to a file in the zip, and nothing is fetched
    from anywhere else."""
    inventory = inventory_for(backend, principal_for(median))
    unpacked = tmp_path / "export"
    zipfile.ZipFile(io.BytesIO(build_export(backend, principal_for(median), inventory).data)).extractall(unpacked)
    pages = [unpacked / "index.html", *sorted((unpacked / "data").rglob("index.html"))]
    assert len(pages) == len(inventory.entries) + 1
    linked = set()
    for page in pages:
        text = page.read_text()
        assert not re.search(r"(src|href)=['\"]?(https?:|//)", text), f"{page} fetches from elsewhere"
        assert "<script" not in text
        for target in re.findall(r"href='([^']+)'", text):
            resolved = (page.parent / target).resolve()
            assert resolved.is_file(), f"{page}: {target}"
            linked.add(resolved)
    files = {f.resolve() for f in unpacked.rglob("*") if f.is_file()} - {(unpacked / "manifest.json").resolve()}
    assert files <= linked | {(unpacked / "index.html").resolve()}, "every file is reachable from a page"
    front = (unpacked / "index.html").read_text()
    for entry in inventory.entries:
        kind = entry.register.category if entry.register else "Not in the data register"
        assert f"<h2>{kind}</h2>" in front

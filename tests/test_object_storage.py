"""Iceberg tables on object storage: a real S3-protocol server (moto, in
server mode) on the loopback, started by the tests, with the catalog's
properties in `portal.toml`. Read through the catalog; erased for one
employee until no object under the table's location names them, with
everyone else's rows unchanged, through a crash at each step."""

from __future__ import annotations

import hashlib
import json
import shutil
import socket
from collections import Counter
from datetime import date

import boto3
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from moto.server import ThreadedMotoServer
from pyiceberg.catalog.sql import SqlCatalog

from auth.principal import Role
from queries.backend import Backend
from queries.erasure.byte_sweep import readable_pieces
from queries.erasure.run import execute
from sample_data.lakehouse_writer import write_iceberg_table
from tests.conftest import write_config
from tests.ground_truth import identifiers_of, row_names
from tests.test_deletion import Crash, approved
from tests.test_my_data import principal_for

BUCKET = "lake"
CREDENTIALS = {"s3.access-key-id": "daylight-test", "s3.secret-access-key": "daylight-test", "s3.region": "us-east-1"}
TABLES = {"ai_assistant.responses": True, "security.dlp_alerts": False}  # table → partitioned by day


@pytest.fixture(scope="module")
def s3():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id="daylight-test",
                          aws_secret_access_key="daylight-test", region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    yield endpoint, client
    server.stop()


@pytest.fixture
def lake(tmp_path, sample, s3):
    """An empty local warehouse, the sample's directory and register, and
    two of its tables as Iceberg tables of four snapshots each in the
    bucket, under a prefix of this test's own."""
    endpoint, client = s3
    prefix = tmp_path.name
    catalog_file = tmp_path / "catalog.db"
    properties = {"type": "sql", "uri": f"sqlite:///{catalog_file}", "warehouse": f"s3://{BUCKET}/{prefix}",
                  "s3.endpoint": endpoint, **CREDENTIALS}
    catalog = SqlCatalog("daylight", **{k: v for k, v in properties.items() if k != "type"})
    for table, partitioned in TABLES.items():
        database, name = table.split(".")
        folder = sample / "warehouse" / f"{database}.db" / name
        rows = pa.concat_tables([pq.read_table(f, partitioning=None) for f in sorted(folder.rglob("*.parquet"))])
        write_iceberg_table(catalog, f"s3://{BUCKET}/{prefix}/{database}.db/{name}", database, name, rows, "ts",
                            partitioned)
    (tmp_path / "warehouse").mkdir()
    shutil.copy(sample / "register.json", tmp_path / "register.json")
    shutil.copy(sample / "directory.csv", tmp_path / "directory.csv")
    config = write_config(tmp_path, tmp_path, {"erasure": {"workers": 2}})
    config.write_text(config.read_text() + "[iceberg.properties]\n" +
                      "".join(f'"{k}" = "{v}"\n' for k, v in properties.items()))
    backend = Backend.open(config)
    backend.refresh()
    yield backend, catalog, client, prefix
    backend.close()


def objects(client, prefix: str) -> dict[str, bytes]:
    listed = client.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])
    return {o["Key"]: client.get_object(Bucket=BUCKET, Key=o["Key"])["Body"].read() for o in listed}


def naming_them(client, prefix: str, person) -> list[str]:
    """Objects whose bytes — decompressed, or decoded for Parquet — hold
    their id, email or the email's first 16 characters (a manifest's bound)."""
    needles = [i.encode() for i in {person.employee_id, person.email, person.email[:16]}]
    found = []
    for key, data in objects(client, prefix).items():
        pieces = [json.dumps(pq.read_table(pa.BufferReader(data)).to_pylist(), default=str).encode()] \
            if data[:4] == b"PAR1" else list(readable_pieces(data, key))
        if any(n in piece for piece in pieces for n in needles):
            found.append(key)
    return found


def rows_of(catalog, table: str) -> list[dict]:
    return catalog.load_table(tuple(table.split("."))).scan().to_arrow().to_pylist()


def hashes(rows: list[dict]) -> Counter:
    return Counter(hashlib.sha256(json.dumps(r, sort_keys=True, default=str).encode()).hexdigest() for r in rows)


def subject_of(backend: Backend, catalog) -> object:
    """Someone in both tables, named by a manifest's bound."""
    return next(p for p in sorted(backend.directory, key=lambda e: e.employee_id) if len(p.email) > 16
                and all(any(row_names(r, identifiers_of(p)) for r in rows_of(catalog, t)) for t in TABLES))


def test_tables_on_object_storage_are_found_and_counted(lake):
    backend, catalog, _, _ = lake
    for table in TABLES:
        finding = backend.catalog().get(table)
        assert finding.storage.startswith("Iceberg") and finding.erasure == "iceberg" and not finding.error
        assert all(f.startswith(f"{BUCKET}/") for f in finding.files)
    rows = rows_of(catalog, "security.dlp_alerts")
    person = subject_of(backend, catalog)
    [postings] = [t for t in backend.index.tables_about(person.employee_id, backend.register, date(2026, 11, 22))
                  if t.table == "security.dlp_alerts"]
    assert postings.rows == sum(row_names(r, identifiers_of(person)) for r in rows)


@pytest.mark.parametrize("crash_at", [None, "rewrite", "journal rewritten", "expire", "clean"])
def test_an_erasure_on_object_storage_leaves_no_object_naming_them(lake, crash_at):
    backend, catalog, client, prefix = lake
    person = subject_of(backend, catalog)
    others = {t: hashes([r for r in rows_of(catalog, t) if not row_names(r, identifiers_of(person))]) for t in TABLES}
    assert naming_them(client, prefix, person)
    officer = next(p for p in backend.directory if p.employee_id != person.employee_id)
    request = approved(backend, principal_for(person), principal_for(officer, Role.HR, Role.EMPLOYEE))

    def crash(step: str) -> None:
        if step == f"{crash_at} ai_assistant.responses":
            raise Crash(step)
    if crash_at:
        with pytest.raises(Crash):
            execute(backend, request.request_id, crash)
    done = execute(backend, request.request_id)
    verification = done.receipt["verification"]
    assert verification["passed"], {k: v for k, v in verification.items() if v}
    assert naming_them(client, prefix, person) == []
    for table in TABLES:
        rows = rows_of(catalog, table)
        assert not any(row_names(r, identifiers_of(person)) for r in rows)
        assert others[table] - hashes(rows) == Counter()
        assert len(catalog.load_table(tuple(table.split("."))).metadata.snapshots) == 1

"""The lake on object storage: a real S3-protocol server (moto, in server
mode) on the loopback, started by the tests. Iceberg tables whose catalog
puts them in a bucket (its properties in `portal.toml`), and a whole
warehouse at an `s3://` location (`[object_storage]`): Hive folders of
Parquet, ORC, gzip Hive text and JSON lines, and a Delta table. Each is
read and counted as on a local disk, and erased for one employee until no
object names them, with everyone else's rows unchanged, through a crash at
each step."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from datetime import date

import boto3
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from botocore.exceptions import EndpointConnectionError
from pyiceberg.catalog.sql import SqlCatalog

from auth.principal import Role
from queries.backend import Backend, BackendError
from queries.erasure.byte_sweep import readable_pieces
from queries.erasure.run import execute
from queries.warehouse.table_format import TableRef
from sample_data.lakehouse_writer import write_delta_table, write_iceberg_table
from devtools.stack import free_port
from tests.conftest import write_config
from tests.ground_truth import folder_rows, identifiers_of, row_names, rows_naming
from tests.crashes import Crash, crash_at
from tests.test_deletion import approved
from tests.test_my_data import principal_for

BUCKET = "lake"
CREDENTIALS = {"s3.access-key-id": "daylight-test", "s3.secret-access-key": "daylight-test", "s3.region": "us-east-1"}
TABLES = {"ai_assistant.responses": True, "security.dlp_alerts": False}  # table → partitioned by day


@pytest.fixture(scope="module")
def s3():
    """moto's S3 server in a process of its own: delta-rs holds the GIL
    during some calls, which would stall a server thread in this process."""
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id="daylight-test",
                          aws_secret_access_key="daylight-test", region_name="us-east-1")
    deadline = time.monotonic() + 30
    while True:
        try:
            client.create_bucket(Bucket=BUCKET)
            break
        except EndpointConnectionError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise
            time.sleep(0.1)
    yield endpoint, client
    server.terminate()
    server.wait(10)


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


def erased(backend: Backend, person, first_crash: str) -> dict:
    """Executes an approved request to delete everything about `person`,
    first crashing at the first step starting with `first_crash`, then
    resuming; the receipt's verification, which must have passed."""
    officer = next(p for p in backend.directory if p.employee_id != person.employee_id)
    request = approved(backend, principal_for(person), principal_for(officer, Role.HR, Role.EMPLOYEE))
    with pytest.raises(Crash):
        execute(backend, request.request_id, crash_at(first_crash))
    verification = execute(backend, request.request_id).receipt["verification"]
    assert verification["passed"], {k: v for k, v in verification.items() if v}
    return verification


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


# Every crash point of each format is exercised on a local disk (tests/test_lakehouse_tables.py); here, those
# whose resumption reads the object store: a table half rewritten, and one whose old files await removal. Each
# resumed run goes on to the end and the verification, so a run that never crashed would add no step.
@pytest.mark.parametrize("first_crash", ["journal rewritten", "clean"])
def test_an_erasure_on_object_storage_leaves_no_object_naming_them(lake, first_crash):
    backend, catalog, client, prefix = lake
    person = subject_of(backend, catalog)
    others = {t: hashes([r for r in rows_of(catalog, t) if not row_names(r, identifiers_of(person))]) for t in TABLES}
    assert naming_them(client, prefix, person)
    erased(backend, person, f"{first_crash} ai_assistant.responses")
    assert naming_them(client, prefix, person) == []
    for table in TABLES:
        rows = rows_of(catalog, table)
        assert not any(row_names(r, identifiers_of(person)) for r in rows)
        assert others[table] - hashes(rows) == Counter()
        assert len(catalog.load_table(tuple(table.split("."))).metadata.snapshots) == 1


HIVE_TABLES = ("security.vpn_sessions", "facilities.door_access", "it_ops.device_health", "staging.chat_export")
DELTA_TABLE = "security.device_logins"


@pytest.fixture
def s3_warehouse(tmp_path, sample, s3):
    """The sample's Hive folders of every kind, copied object by object, and
    its device sign-ins as a Delta table, in a warehouse at
    `s3://lake/<prefix>/warehouse`; the endpoint in `[object_storage]`, the
    credentials in the environment, as operators are told to give them."""
    endpoint, client = s3
    prefix = f"{tmp_path.name}/warehouse"
    local = sample / "warehouse"
    for table in HIVE_TABLES:
        database, name = table.split(".")
        for file in sorted((local / f"{database}.db" / name).rglob("*")):
            if file.is_file():
                client.put_object(Bucket=BUCKET, Key=f"{prefix}/{file.relative_to(local)}", Body=file.read_bytes())
    database, name = DELTA_TABLE.split(".")
    rows = pa.concat_tables([pq.read_table(f, partitioning=None)
                             for f in sorted((local / f"{database}.db" / name).rglob("*.parquet"))])
    options = {"AWS_ENDPOINT_URL": endpoint, "AWS_ALLOW_HTTP": "true", "AWS_REGION": "us-east-1",
               "AWS_ACCESS_KEY_ID": "daylight-test", "AWS_SECRET_ACCESS_KEY": "daylight-test",
               "AWS_S3_ALLOW_UNSAFE_RENAME": "true"}
    write_delta_table(f"s3://{BUCKET}/{prefix}/{database}.db/{name}", rows, "ts", True, options)
    shutil.copy(sample / "register.json", tmp_path / "register.json")
    shutil.copy(sample / "directory.csv", tmp_path / "directory.csv")
    (tmp_path / "warehouse").mkdir()
    config = write_config(tmp_path, tmp_path, {"erasure": {"workers": 2}})
    text = config.read_text().replace(f'path = "{tmp_path / "warehouse"}"', f'path = "s3://{BUCKET}/{prefix}"')
    assert f"s3://{BUCKET}/{prefix}" in text
    config.write_text(text + f'[object_storage]\nendpoint = "{endpoint}"\nregion = "us-east-1"\n')
    with pytest.MonkeyPatch.context() as environment:
        environment.setenv("AWS_ACCESS_KEY_ID", "daylight-test")
        environment.setenv("AWS_SECRET_ACCESS_KEY", "daylight-test")
        backend = Backend.open(config)
        backend.refresh()
        yield backend, client, prefix, local
        backend.close()


def delta_rows(backend: Backend) -> list[dict]:
    return backend.warehouse.format_of(TableRef.parse(DELTA_TABLE)).table(
        TableRef.parse(DELTA_TABLE)).to_pyarrow_table().to_pylist()


def hive_rows(client, prefix: str, table: str, scratch) -> list[dict]:
    """A table's rows as they are in the bucket now, read by the tests' own readers."""
    database, name = table.split(".")
    folder = scratch / f"{database}.db" / name
    shutil.rmtree(folder, ignore_errors=True)
    for key, data in objects(client, f"{prefix}/{database}.db/{name}/").items():
        if key.endswith("/"):  # a folder's marker, which pyarrow leaves when it moves a folder's last object
            continue
        path = scratch / key[len(prefix) + 1:]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return folder_rows(folder)


def someone_in_every_table(backend: Backend, local) -> object:
    delta = delta_rows(backend)
    return next(p for p in sorted(backend.directory, key=lambda e: e.employee_id)
                if all(rows_naming(local / f"{t.split('.')[0]}.db" / t.split(".")[1], p) for t in HIVE_TABLES[:2])
                and any(row_names(r, identifiers_of(p)) for r in delta))


def test_a_warehouse_on_object_storage_is_read_as_on_a_disk(s3_warehouse):
    backend, _, _, local = s3_warehouse
    catalog = backend.catalog()
    storages = {t: catalog.get(t).storage for t in (*HIVE_TABLES, DELTA_TABLE)}
    assert storages == {"security.vpn_sessions": "Hive folder of ORC files",
                        "facilities.door_access": "Hive folder of text files",
                        "it_ops.device_health": "Hive folder of text files",
                        "staging.chat_export": "Hive folder of Parquet files",
                        DELTA_TABLE: storages[DELTA_TABLE]}
    assert storages[DELTA_TABLE].startswith("Delta partitioned table")
    assert not any(catalog.get(t).error or catalog.get(t).unread for t in storages)
    person = someone_in_every_table(backend, local)
    counted = {t.table: t.rows for t in backend.index.tables_about(person.employee_id, backend.register,
                                                                  date(2026, 11, 22))}
    for table in HIVE_TABLES:
        database, name = table.split(".")
        assert counted.get(table, 0) == rows_naming(local / f"{database}.db" / name, person), table
    assert counted[DELTA_TABLE] == sum(row_names(r, identifiers_of(person)) for r in delta_rows(backend))


# A Hive file written but not yet swapped in (the copy-then-delete of an object store), a Delta log half expired;
# each resumed to the end, as above.
@pytest.mark.parametrize("first_crash", ["swap", "expire"])
def test_an_erasure_in_a_warehouse_on_object_storage_leaves_no_object_naming_them(s3_warehouse, tmp_path,
                                                                                   first_crash):
    backend, client, prefix, local = s3_warehouse
    person = someone_in_every_table(backend, local)
    scratch = tmp_path / "read-back"
    others = {t: hashes([r for r in hive_rows(client, prefix, t, scratch) if not row_names(r, identifiers_of(person))])
              for t in HIVE_TABLES}
    others[DELTA_TABLE] = hashes([r for r in delta_rows(backend) if not row_names(r, identifiers_of(person))])
    assert naming_them(client, prefix, person)
    verification = erased(backend, person, first_crash)
    assert verification["files_scanned"] == len([key for key in objects(client, prefix) if not key.endswith("/")])
    assert naming_them(client, prefix, person) == []
    assert not any(".daylight-erasure-" in key for key in objects(client, prefix))
    for table in HIVE_TABLES:
        rows = hive_rows(client, prefix, table, scratch)
        assert not any(row_names(r, identifiers_of(person)) for r in rows)
        assert others[table] - hashes(rows) == Counter(), table
    rows = delta_rows(backend)
    assert not any(row_names(r, identifiers_of(person)) for r in rows)
    assert others[DELTA_TABLE] - hashes(rows) == Counter()


@pytest.mark.parametrize("where, endpoint, said", [
    ("s3://no-such-bucket/warehouse", None, "bucket no-such-bucket does not exist"),
    ("s3://lake/warehouse", "http://127.0.0.1:1", "s3://lake/warehouse cannot be reached"),
])
def test_a_warehouse_location_that_cannot_be_used_is_named_in_a_plain_message(tmp_path, sample, s3, where, endpoint,
                                                                                said):
    config = write_config(tmp_path, sample)
    text = config.read_text().replace(f'path = "{sample / "warehouse"}"', f'path = "{where}"')
    config.write_text(text + f'[object_storage]\nendpoint = "{endpoint or s3[0]}"\naccess_key_id = "daylight-test"\n'
                      'secret_access_key = "daylight-test"\n')
    with pytest.raises(BackendError, match=re.escape(said)):
        Backend.open(config)

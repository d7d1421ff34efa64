"""Iceberg tables behind a real SQL catalog (SQLite) and a Delta Lake
table, as the sample writes them: several snapshots or versions, some
partitioned by day. Read through the catalog or the log and counted
against each library's own reading; erased for one employee until no byte
under the table's location names them, with everyone else's rows
unchanged, through a crash at each step and a concurrent writer."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import replace
from datetime import date
from pathlib import Path
from urllib.parse import urlparse

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from deltalake import DeltaTable

from auth.principal import Role
from queries.backend import Backend
from queries.erasure.byte_sweep import readable_pieces
from queries.erasure.run import ErasureError, execute
from queries.warehouse.iceberg_tables import IcebergErasure, IcebergTables
from queries.warehouse.table_format import TableRef
from sample_data.generate import PRESETS, generate
from sample_data.lakehouse_writer import CATALOG_FILE
from tests.conftest import write_config
from tests.crashes import Crash, crash_at
from tests.ground_truth import identifiers_of, row_names
from tests.test_deletion import approved
from tests.test_my_data import principal_for

LAKEHOUSE = replace(PRESETS["demo"], employees=40, days=8, tables=36, rows=8_000, audit_events=100)
ICEBERG = ("ai_assistant.responses", "security.dlp_alerts")
DELTA = ("security.device_logins",)
LAKE = ICEBERG + DELTA
TODAY = date(2026, 11, 22)


def open_lakehouse(folder: Path) -> Backend:
    sample = folder / "data"
    generate(LAKEHOUSE, sample)
    config = write_config(folder, sample, {"iceberg": {"catalog": str(sample / CATALOG_FILE)},
                                           "erasure": {"workers": 2}})
    backend = Backend.open(config)
    backend.refresh()
    return backend


@pytest.fixture
def lakehouse(tmp_path):
    backend = open_lakehouse(tmp_path)
    yield backend, tmp_path / "data"
    backend.close()


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """A lakehouse only read from."""
    backend = open_lakehouse(tmp_path_factory.mktemp("iceberg"))
    yield backend
    backend.close()


def catalog_of(sample: Path) -> IcebergTables:
    return IcebergTables.sql_catalog(sample / CATALOG_FILE)


def scanned(sample: Path, table: str) -> list[dict]:
    """The table's rows as pyiceberg or deltalake itself reads them."""
    if table in DELTA:
        return DeltaTable(str(location_of(sample, table))).to_pyarrow_table().to_pylist()
    return catalog_of(sample).table(TableRef.parse(table)).scan().to_arrow().to_pylist()


def hashes(rows: list[dict]) -> Counter:
    return Counter(hashlib.sha256(json.dumps(r, sort_keys=True, default=str).encode()).hexdigest() for r in rows)


def test_iceberg_tables_are_found_through_the_catalog_with_their_snapshots(shared):
    catalog = shared.catalog()
    assert catalog.get("ai_assistant.responses").storage == "Iceberg partitioned table (4 snapshots)"
    assert catalog.get("security.dlp_alerts").storage == "Iceberg table (4 snapshots)"
    assert all(catalog.get(t).erasure == "iceberg" and not catalog.get(t).error for t in ICEBERG)
    assert catalog.get("security.device_logins").storage == "Delta partitioned table (version 3)"
    assert catalog.get("security.device_logins").erasure == "delta"
    names = {f.table.qualified_name for f in catalog.findings}
    assert not any(name.endswith((".data", ".metadata")) for name in names)
    assert len(names) == LAKEHOUSE.tables


@pytest.mark.parametrize("table", LAKE)
def test_every_person_is_counted_as_the_format_reads_the_table(shared, table):
    rows = scanned(Path(shared.settings.warehouse.path).parent, table)
    truth = Counter({p.employee_id: n for p in shared.directory
                     if (n := sum(row_names(r, identifiers_of(p)) for r in rows))})
    found = Counter({p.employee_id: t.rows for p in shared.directory
                     for t in shared.index.tables_about(p.employee_id, shared.register, TODAY)
                     if t.table == table})
    assert truth and found == truth


def test_an_unreachable_catalog_is_said_and_hides_nothing_else(tmp_path, sample):
    config = write_config(tmp_path, sample)
    config.write_text(config.read_text() + '[iceberg.properties]\ntype = "rest"\nuri = "http://127.0.0.1:9"\n')
    backend = Backend.open(config)
    try:
        backend.refresh()
        catalog = backend.catalog()
        assert [kind for kind, _ in catalog.unlisted] == ["iceberg"]
        assert catalog.get("collab.chat_messages") is not None
    finally:
        backend.close()


def subject_of(backend: Backend):
    """Someone a manifest of the partitioned table names: the lower bound
    of a file's emails, kept as its first 16 characters."""
    sample = Path(backend.settings.warehouse.path).parent
    manifests = b"".join(piece for path in (location_of(sample, "ai_assistant.responses") / "metadata").glob("*.avro")
                         for piece in readable_pieces(path.read_bytes(), path.name))
    return next(p for p in sorted(backend.directory, key=lambda e: e.employee_id)
                if p.email[:16].encode() in manifests and len(p.email) > 16)


def tables_of(backend: Backend, person) -> set[str]:
    return {t.table for t in backend.index.tables_about(person.employee_id, backend.register, TODAY)} & set(LAKE)


def location_of(sample: Path, table: str) -> Path:
    database, name = table.split(".")
    return sample / "warehouse" / f"{database}.db" / name


def names_them_anywhere(folder: Path, person) -> list[str]:
    """Files under `folder` whose bytes, decompressed, hold one of their
    identifiers, or the first 16 characters of their email (a manifest's bound)."""
    needles = [i.encode() for i in {person.employee_id, person.email, person.email[:16]}]

    def pieces(path: Path) -> list[bytes]:
        if path.read_bytes()[:4] == b"PAR1":
            return [json.dumps(pq.read_table(path).to_pylist(), default=str).encode()]
        return list(readable_pieces(path.read_bytes(), path.name))
    return [str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()
            and any(n in piece for piece in pieces(p) for n in needles)]


def erase(backend: Backend, subject, on_step=lambda name: None):
    officer = next(p for p in backend.directory if p.employee_id != subject.employee_id)
    request = approved(backend, principal_for(subject), principal_for(officer, Role.HR, Role.EMPLOYEE))
    return request, lambda: execute(backend, request.request_id, on_step)


def assert_erased(backend: Backend, sample: Path, subject, before: dict[str, Counter]):
    """(a) no byte under either table's location names them, (b) the tables
    read in pyiceberg without them and with every other row, (c) one
    snapshot, and only files it references."""
    for table in LAKE:
        assert names_them_anywhere(location_of(sample, table), subject) == [], table
        rows = scanned(sample, table)
        assert not any(row_names(r, identifiers_of(subject)) for r in rows), table
        assert before[table] - hashes(rows) == Counter(), table
        erasure = backend.warehouse.erasure(TableRef.parse(table), lambda value: False)
        assert set(erasure.location_files()) == erasure.referenced(), table
    for table in ICEBERG:
        assert len(catalog_of(sample).table(TableRef.parse(table)).metadata.snapshots) == 1
    for table in DELTA:
        log = location_of(sample, table) / "_delta_log"
        current = DeltaTable(str(location_of(sample, table))).version()
        assert not [p.name for p in log.glob("*.json") if int(p.name[:20]) < current - 2], \
            "only the checkpoint's version and the vacuum's own commits are left"


def others_rows(sample: Path, subject) -> dict[str, Counter]:
    return {t: hashes([r for r in scanned(sample, t) if not row_names(r, identifiers_of(subject))]) for t in LAKE}


def test_an_iceberg_erasure_leaves_no_byte_and_every_other_row(lakehouse):
    backend, sample = lakehouse
    subject = subject_of(backend)
    assert names_them_anywhere(location_of(sample, "ai_assistant.responses") / "metadata", subject), \
        "before, the manifests' column bounds name them: the sweep must see inside compressed Avro"
    before, theirs = others_rows(sample, subject), tables_of(backend, subject)
    _, run = erase(backend, subject)
    done = run()
    verification = done.receipt["verification"]
    assert verification["passed"], {k: v for k, v in verification.items() if v}
    assert_erased(backend, sample, subject, before)
    deleted = {row["table"]: row for row in done.receipt["deleted"]}
    assert theirs
    for table in theirs:
        assert deleted[table]["rows_deleted"] > 0 and len(deleted[table]["snapshots_expired"]) >= 4
        assert deleted[table]["files_removed"] > 0
    assert not {t.table for t in backend.index.tables_about(subject.employee_id, backend.register, TODAY)}


@pytest.mark.parametrize("table", ["ai_assistant.responses", "security.device_logins"])
def test_a_crash_at_each_step_resumes_to_the_same_end(lakehouse, table):
    """One erasure dies at each of the table's steps in turn (the rewrite,
    its journalling, the expiry, the clean-up), every run resuming what the
    one before left."""
    backend, sample = lakehouse
    subject = subject_of(backend)
    before = others_rows(sample, subject)
    request, _ = erase(backend, subject)
    for step in ("rewrite", "journal rewritten", "expire", "clean"):
        with pytest.raises(Crash):
            execute(backend, request.request_id, crash_at(f"{step} {table}"))
    done = execute(backend, request.request_id)
    assert done.receipt["verification"]["passed"]
    assert_erased(backend, sample, subject, before)
    crashed = next(r for r in done.receipt["deleted"] if r["table"] == table)
    assert crashed["rows_deleted"] > 0 and len(crashed["snapshots_expired"]) >= 4


def test_a_concurrent_writer_is_kept_and_the_commit_retried(lakehouse, monkeypatch):
    """Another writer appends while the erasure computes its rewrite: the
    erasure's commit conflicts, is computed again from the new state, and
    both the new rows and the erasure survive."""
    backend, sample = lakehouse
    subject = subject_of(backend)
    other_writer = catalog_of(sample).table(TableRef.parse("security.dlp_alerts"))
    rows = other_writer.scan().to_arrow()
    landed = pa.Table.from_pylist([r for r in rows.to_pylist() if not row_names(r, identifiers_of(subject))][:3],
                                  rows.schema)
    landed = landed.set_column(landed.schema.get_field_index("alert_id"), "alert_id",
                               pa.array([-1, -2, -3], pa.int64()))
    real_rewrite, raced = IcebergErasure.rewrite, []

    def rewrite_with_a_race(self, files, change, marker):
        def racing_change(rows):
            if not raced:
                raced.append(True)
                other_writer.append(landed)
            return change(rows)
        return real_rewrite(self, files, racing_change, marker)
    monkeypatch.setattr(IcebergErasure, "rewrite", rewrite_with_a_race)
    _, run = erase(backend, subject)
    done = run()
    assert raced and done.receipt["verification"]["passed"]
    after = scanned(sample, "security.dlp_alerts")
    assert {-1, -2, -3} <= {r["alert_id"] for r in after}
    assert not any(row_names(r, identifiers_of(subject)) for r in after)


def test_a_tag_on_an_old_snapshot_stops_the_erasure_and_says_why(lakehouse):
    backend, sample = lakehouse
    subject = subject_of(backend)
    table = catalog_of(sample).table(TableRef.parse("security.dlp_alerts"))
    oldest = table.metadata.snapshots[0].snapshot_id
    with table.manage_snapshots() as snapshots:
        snapshots.create_tag(oldest, "audit-2026")
    _, run = erase(backend, subject)
    with pytest.raises(ErasureError, match="audit-2026"):
        run()


def test_nothing_is_read_from_a_data_file_the_current_snapshot_dropped(lakehouse):
    """Rows Iceberg no longer shows are not anyone's data any more: after an
    overwrite, the old data files stay on disk until expired, and are never read."""
    backend, sample = lakehouse
    ref = TableRef.parse("security.dlp_alerts")
    table = catalog_of(sample).table(ref)
    old_files = {urlparse(task.file.file_path).path for task in table.scan().plan_files()}
    rows = table.scan().to_arrow()
    table.overwrite(rows.slice(0, 5))
    backend.refresh()
    finding = backend.catalog().get("security.dlp_alerts")
    assert not set(finding.files) & old_files and all(Path(f).exists() for f in old_files)
    assert sum(pq.read_metadata(f).num_rows for f in finding.files) == 5

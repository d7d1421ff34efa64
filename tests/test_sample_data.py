"""The sample warehouse: layout, determinism and the messiness the portal
must cope with."""

from __future__ import annotations

import csv
import hashlib
import json
from datetime import datetime

import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from sample_data.__main__ import main as generator_cli
from sample_data.generate import Options, generate
from sample_data.templates import TEMPLATES
from tests.conftest import SMALL


def tree_digest(root) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def read_table(sample, qualified):
    database, name = qualified.split(".")
    return ds.dataset(sample / "warehouse" / f"{database}.db" / name, format="parquet", partitioning="hive").to_table()


@pytest.fixture(scope="module")
def default_sample(tmp_path_factory):
    out = tmp_path_factory.mktemp("default") / "data"
    generate(Options(), out)
    return out


def test_default_sample_has_at_least_60_tables_in_6_databases(default_sample):
    databases = [d for d in (default_sample / "warehouse").iterdir() if d.name.endswith(".db")]
    tables = [t for d in databases for t in d.iterdir()]
    assert len(databases) >= 6
    assert len(tables) >= 60


def test_some_tables_holding_identifiers_are_missing_from_the_register(default_sample):
    registered = {e["table"] for e in json.loads((default_sample / "register.json").read_text())["tables"]}
    on_disk = {f"{d.name[:-3]}.{t.name}" for d in (default_sample / "warehouse").iterdir() for t in d.iterdir()}
    unregistered = on_disk - registered
    assert registered < on_disk
    assert {"staging", "sandbox"} <= {name.split(".")[0] for name in unregistered}
    assert any(name.startswith("ml_training.") for name in unregistered), "forgotten copies of registered tables"


def test_same_seed_gives_identical_files(tmp_path):
    generate(SMALL, tmp_path / "a")
    generate(SMALL, tmp_path / "b")
    assert tree_digest(tmp_path / "a") == tree_digest(tmp_path / "b")


def test_another_seed_gives_other_data(tmp_path, sample):
    from dataclasses import replace
    generate(replace(SMALL, seed=SMALL.seed + 1), tmp_path / "other")
    assert (tmp_path / "other" / "directory.csv").read_bytes() != (sample / "directory.csv").read_bytes()


def test_layout_is_hive_style(sample):
    keystrokes = sample / "warehouse" / "telemetry_raw.db" / "keystrokes"
    partitions = sorted(p.name for p in keystrokes.iterdir())
    assert partitions and all(p.startswith("dt=") for p in partitions)
    datetime.strptime(partitions[0][3:], "%Y-%m-%d")
    assert all(f.name.startswith("part-") and f.suffix == ".parquet" for f in keystrokes.rglob("*.parquet"))


def test_every_identifier_shape_occurs(sample):
    shapes = {(i.column, i.shape) for t in TEMPLATES for i in t.identifiers}
    assert {("employee_id", "scalar"), ("user_email", "scalar"), ("actor", "scalar"), ("sender", "scalar"),
            ("recipients", "list"), ("payload", "json")} <= shapes
    chat = read_table(sample, "collab.chat_messages")
    assert chat.schema.field("recipients").type.value_type == "string"
    assert max(len(r) for r in chat["recipients"].to_pylist()) > 1, "several people per row"
    corpus = read_table(sample, "ml_training.typing_corpus")
    assert json.loads(corpus["payload"][0].as_py())["uid"].startswith("E")


def test_files_are_sorted_by_subject_with_small_row_groups(sample):
    folder = sample / "warehouse" / "telemetry_raw.db" / "keystrokes"
    for path in list(folder.rglob("*.parquet"))[:3]:
        ids = pq.read_table(path, columns=["employee_id"])["employee_id"].to_pylist()
        assert ids == sorted(ids)
        assert pq.ParquetFile(path).metadata.row_group(0).num_rows <= 8192


def test_exempt_people_have_no_rows_in_raw_streams(sample):
    with open(sample / "directory.csv") as source:
        exempt = {row["employee_id"] for row in csv.DictReader(source) if row["exempt_from_collection"] == "True"}
    assert exempt
    captured = set(read_table(sample, "telemetry_raw.keystrokes")["employee_id"].to_pylist())
    assert not exempt & captured


def test_directory_has_the_fields_the_portal_needs(sample):
    with open(sample / "directory.csv") as source:
        rows = list(csv.DictReader(source))
    assert set(rows[0]) == {"employee_id", "name", "email", "department", "manager_id", "location", "level",
                            "start_date", "exempt_from_collection", "login", "badge", "hostnames"}
    assert len({r["login"] for r in rows}) == len({r["badge"] for r in rows}) == len(rows), "unique per person"
    assert len({r["email"] for r in rows}) == len(rows), "emails are unique"


def test_register_entries_are_complete(sample):
    for entry in json.loads((sample / "register.json").read_text())["tables"]:
        assert entry["purposes"] and entry["legal_basis"] and entry["retention_days"] > 0
        assert entry["identifier_columns"], entry["table"]
        assert {"description", "category", "source_system", "works_agreement_clause"} <= set(entry)


def test_audit_log_has_realistic_actors_and_missing_justifications(sample):
    events = [json.loads(line) for line in (sample / "audit" / "ranger_audit.jsonl").read_text().splitlines()]
    users = {e["request_user"] for e in events}
    assert {"svc-ml-train", "svc-feature-pipeline"} <= users
    assert any(e["justification"] is None for e in events)
    assert any(e["row_filter"] for e in events) and any(e["row_filter"] is None for e in events)
    assert [e["event_time"] for e in events] == sorted(e["event_time"] for e in events)


def test_grants_history_has_the_window_readable_by_all_employees(sample):
    with open(sample / "grants.csv") as source:
        grants = list(csv.DictReader(source))
    incident = [g for g in grants if g["grantee"] == "all-employees"]
    assert {g["resource"] for g in incident} >= {"telemetry_raw.*", "collab.*"}
    assert all(g["granted_at"] < g["revoked_at"] for g in incident)


def test_demo_users_cover_every_kind_of_login(demo_users):
    labels = set(demo_users)
    assert {"works-council member", "HR privacy officer", "executive, exempt from collection",
            "contractor with no directory entry"} <= labels
    assert sum(label.startswith("employee") for label in labels) >= 3
    assert "works-council" in demo_users["works-council member"]["claims"]["groups"]
    assert "hr-privacy" in demo_users["HR privacy officer"]["claims"]["groups"]
    assert "hr-privacy" in demo_users["second HR privacy officer"]["claims"]["groups"]
    assert demo_users["second HR privacy officer"]["employee_id"] != demo_users["HR privacy officer"]["employee_id"]


def test_cli_refuses_to_overwrite_and_says_why(sample, capsys):
    assert generator_cli(["--out", str(sample)]) == 2
    assert "already exists" in capsys.readouterr().err


def test_cli_refuses_impossible_sizes(tmp_path, capsys):
    assert generator_cli(["--out", str(tmp_path / "x"), "--tables", "3"]) == 2
    assert "at least" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_row_budget_is_spread_over_the_tables(sample):
    manifest = json.loads((sample / "manifest.json").read_text())
    keystrokes = read_table(sample, "telemetry_raw.keystrokes")
    assert manifest["rows"] >= SMALL.rows
    assert keystrokes.num_rows > read_table(sample, "hr.performance_ratings").num_rows
    assert pc.count_distinct(keystrokes["employee_id"]).as_py() > SMALL.employees // 2

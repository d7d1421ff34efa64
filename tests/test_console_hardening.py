"""The console after an outside attack review: only a query, whatever
wraps it; results capped in bytes; a limit on statements at once; deeply
nested statements refused; an OS sandbox proven from inside; every
statement recorded."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pyarrow as pa
import pytest

from auth.principal import Principal, Role
from queries.backend import Backend
from queries.console import process as console_process
from queries.console.process import WORKER, ConsoleLimits, _exchange, run_in_sandbox
from queries.console.run import SLOTS, ConsoleSlots, run_statement
from queries.console.statement import check_statement
from settings import load_settings
from tests.conftest import write_config
from tests.test_console import console_page_after

FAST = ConsoleLimits(timeout_s=5, max_rows=1_000, memory_mb=256)
TRAP = Path("/tmp/daylight-hardening-trap")

WRAPPED = [
    "EXPLAIN ANALYZE CREATE TABLE planted AS SELECT 1",
    "EXPLAIN ANALYZE SET VARIABLE planted = 1",
    "EXPLAIN ANALYZE CHECKPOINT",
    "EXPLAIN ANALYZE CREATE MACRO planted() AS 1",
    "EXPLAIN ANALYZE PREPARE planted AS SELECT 1",
    "EXPLAIN ANALYZE SELECT 1",
    "EXPLAIN SELECT 1",
    "explain /* comment */ analyze create table planted as select 1",
    "SET VARIABLE planted = 1",
    "CREATE MACRO planted() AS 1",
    "PREPARE planted AS SELECT 1",
    "EXECUTE planted",
    "CHECKPOINT",
    "PIVOT (SELECT 1 AS a, 'x' AS b) ON b USING sum(a)",
    "CREATE TYPE planted AS ENUM ('a')",
    "CALL pragma_version()",
    "VACUUM",
    f"COPY (SELECT 1) TO '{TRAP}'",
]


def principal_for(employee, roles=frozenset({Role.EMPLOYEE})) -> Principal:
    return Principal(employee.employee_id, employee.name, employee.email, employee.department, roles)


@pytest.fixture
def me(backend, demo_users):
    return backend.directory.by_id(demo_users["employee, median data"]["employee_id"])


def console_entries(backend, employee_id, since: int):
    return [e.access for e in backend.ledger.entries_about(employee_id)[since:]
            if e.access.action == "query-own-telemetry"]


@pytest.mark.parametrize("statement", WRAPPED)
def test_the_trusted_side_refuses_anything_but_a_query(statement):
    checked = check_statement(statement)
    assert checked.refusal and not checked.tables


@pytest.mark.parametrize("statement", WRAPPED)
def test_the_worker_refuses_anything_but_a_query_on_its_own(statement):
    """The second, independent check: the worker asked directly, with the
    trusted side's check bypassed, runs none of these either."""
    reply, rows = run_in_sandbox(statement, {}, FAST)
    assert reply["error"] in ("not_a_query", "syntax", "statements") and rows is None
    assert not TRAP.exists()


@pytest.mark.parametrize("statement", WRAPPED)
def test_a_wrapped_statement_is_refused_in_plain_words_and_recorded(backend, me, statement):
    before = len(backend.ledger.entries_about(me.employee_id))
    result = run_statement(backend, principal_for(me), statement, FAST)
    assert not result.ok and "Traceback" not in result.error
    [entry] = console_entries(backend, me.employee_id, before)
    assert entry.outcome.startswith("refused") and entry.tables == () and entry.rows == 0


@pytest.mark.parametrize("statement", [
    "SELECT 1",
    "FROM telemetry_raw.keystrokes LIMIT 1",
    "WITH x AS (SELECT 1 AS a) SELECT * FROM x UNION ALL SELECT 2",
    "SUMMARIZE telemetry_raw.keystrokes",
    "DESCRIBE telemetry_raw.keystrokes",
    "FROM (SELECT 1 AS a, 'x' AS b) PIVOT (sum(a) FOR b IN ('x'))",
    "SELECT * FROM range(3)",
    "SELECT unnest([1, 2])",
])
def test_queries_of_every_shape_still_run(backend, me, statement):
    result = run_statement(backend, principal_for(me), statement, FAST)
    assert result.ok, result.error


@pytest.mark.parametrize("statement", [
    "SELECT * FROM read_parquet('x.parquet')",
    "SELECT * FROM query('SELECT 1')",
    "SELECT * FROM glob('/*')",
])
def test_only_row_generators_may_be_called_as_tables(statement):
    assert "cannot be used here" in check_statement(statement).refusal


def test_a_parsing_database_that_failed_is_replaced_for_the_next_statement():
    """Statements are parsed in one shared, empty DuckDB database (opening
    one per statement took 25 ms); if it fails, one statement is refused in
    plain words and the next is parsed in a new one."""
    from queries.console import statement as statements
    statements._parsing_database().close()
    refused = check_statement("SELECT 1")
    assert refused.kind == "syntax" and "Traceback" not in refused.refusal
    assert check_statement("SELECT n FROM range(3) t(n)") == statements.CheckedStatement()
    assert not check_statement("SELECT 1").refusal


@pytest.mark.parametrize("nesting", [
    "SELECT " + "(SELECT " * 400 + "1" + ")" * 400,
    "SELECT " + "CASE WHEN true THEN " * 400 + "1" + " END" * 400,
    "SELECT " + "(SELECT " * 5000 + "1" + ")" * 5000,
    "SELECT " + "(" * 20000 + "1" + ")" * 20000,
])
def test_a_deeply_nested_statement_is_refused_recorded_and_harmless(backend, me, nesting):
    before = len(backend.ledger.entries_about(me.employee_id))
    result = run_statement(backend, principal_for(me), nesting[:19_999], FAST)
    assert not result.ok and "Traceback" not in result.error
    [entry] = console_entries(backend, me.employee_id, before)
    assert entry.outcome.startswith("refused")
    assert run_statement(backend, principal_for(me), "SELECT 1 AS n", FAST).ok


def test_a_huge_result_is_cut_at_the_byte_cap(backend, me):
    limits = ConsoleLimits(timeout_s=30, max_rows=10_000, max_result_mb=5, memory_mb=512)
    result = run_statement(backend, principal_for(me), "SELECT repeat('x', 45000) AS x FROM range(10000)", limits)
    assert result.ok and result.cut == "bytes"
    assert 0 < result.rows.nbytes <= limits.max_result_bytes
    assert result.rows.num_rows < 10_000


def test_the_trusted_side_stops_reading_past_the_cap():
    """Even a worker that ignored its own cap cannot fill the portal's memory."""
    flood = subprocess.Popen([sys.executable, "-c", "import sys\nwhile True: sys.stdout.buffer.write(b'x' * 65536)"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        ended, output, _ = _exchange(flood, b"", time.monotonic() + 20, 2 * 1024 * 1024)
    finally:
        flood.kill()
        flood.wait()
    assert ended == "too_large"
    assert len(output) <= 3 * 1024 * 1024


def test_the_page_says_a_result_was_cut_by_size(tmp_path, sample, monkeypatch, demo_users):
    config = write_config(tmp_path, sample, {"console": {"max_result_mb": 1}})
    at = console_page_after(config, monkeypatch, demo_users["employee, median data"],
                            "SELECT repeat('x', 45000) AS x FROM range(10000)")
    assert not at.exception
    assert any("cut at 1 MB" in w.value for w in at.warning)


def test_slots_are_counted_per_person_and_in_all():
    slots = ConsoleSlots()
    assert slots.take("a", 2, 3) and slots.take("a", 2, 3)
    assert not slots.take("a", 2, 3)
    assert slots.take("b", 2, 3)
    assert not slots.take("c", 2, 3)
    slots.give_back("a")
    assert slots.take("c", 2, 3)


def test_a_person_over_their_limit_is_told_busy_and_recorded(backend, me):
    limit = backend.settings.console.max_concurrent_per_person
    for _ in range(limit):
        assert SLOTS.take(me.employee_id, limit, 99)
    try:
        before = len(backend.ledger.entries_about(me.employee_id))
        result = run_statement(backend, principal_for(me), "SELECT 1", FAST)
        assert "busy" in result.error
        [entry] = console_entries(backend, me.employee_id, before)
        assert entry.outcome == "refused: busy"
    finally:
        for _ in range(limit):
            SLOTS.give_back(me.employee_id)
    assert run_statement(backend, principal_for(me), "SELECT 1", FAST).ok


def test_everyone_together_is_limited_too(backend, me):
    """Past the limit for everyone a statement waits for a slot, as long as
    one statement may run, and is told "busy" if none is freed."""
    total = backend.settings.console.max_concurrent
    others = [f"someone-{n}" for n in range(total)]
    for person in others:
        assert SLOTS.take(person, 1, total)
    try:
        started = time.monotonic()
        assert "busy" in run_statement(backend, principal_for(me), "SELECT 1", replace(FAST, timeout_s=0.5)).error
        assert time.monotonic() - started >= 0.5
    finally:
        for person in others:
            SLOTS.give_back(person)


def test_a_statement_waits_for_a_slot_freed_meanwhile_but_a_person_over_their_own_limit_does_not():
    slots = ConsoleSlots()
    assert slots.take("a", 1, 2) and slots.take("b", 1, 2)
    freeing = threading.Timer(0.3, slots.give_back, ["a"])
    freeing.start()
    started = time.monotonic()
    assert slots.take("c", 1, 2, wait_s=30)
    assert 0.25 <= time.monotonic() - started < 30
    started = time.monotonic()
    assert not slots.take("b", 1, 9, wait_s=30)
    assert time.monotonic() - started < 1
    assert not slots.take("d", 1, 2, wait_s=0.2)
    freeing.join()


@pytest.mark.parametrize("statement, outcome, tables", [
    ("SELECT 42 AS answer", "ok", ()),
    ("SELECT count(*) FROM telemetry_raw.keystrokes", "ok", ("telemetry_raw.keystrokes",)),
    ("DROP TABLE telemetry_raw.keystrokes", "refused: not_a_query", ()),
    ("SELEC 1", "refused: syntax", ()),
    ("", "refused: empty", ()),
    ("SELECT * FROM range(5000)", "ok, cut at rows", ()),
    ("SELECT * FROM nobody.such_table", "error: CatalogException", ()),
])
def test_every_statement_is_recorded_with_its_outcome_and_time(backend, me, statement, outcome, tables):
    before = len(backend.ledger.entries_about(me.employee_id))
    result = run_statement(backend, principal_for(me), statement, FAST)
    [entry] = console_entries(backend, me.employee_id, before)
    assert entry.outcome == outcome == result.outcome
    assert entry.tables == tables
    assert entry.sql_sha256 == hashlib.sha256(statement.encode()).hexdigest()
    assert entry.seconds is not None and entry.seconds >= 0


@contextmanager
def probe_targets(backend: Backend) -> Iterator[dict]:
    """What the probe tries to reach: the files and folders a worker must
    never read, with a secrets file made for the while, and this process."""
    settings = backend.settings
    warehouse_file = next(settings.warehouse.path.glob("*.db/*/**/*.parquet"))
    secrets = Path(__file__).resolve().parent.parent / ".streamlit" / "secrets.toml"
    secrets.parent.mkdir(exist_ok=True)
    made_secrets = not secrets.exists()
    if made_secrets:
        secrets.write_text("[auth]\ncookie_secret = 'probe'\n")
    try:
        yield {"files": ["/etc/passwd", str(warehouse_file), str(settings.state.path / "pseudonym.key"),
                         str(secrets), str(settings.state.path / "ledger.sqlite"),
                         str(settings.ledger.signing_key), str(settings.directory.path),
                         f"/proc/{os.getpid()}/environ", f"/proc/{os.getpid()}/mem"],
               "folders": [str(settings.warehouse.path), str(settings.state.path), "/", "/proc", "/tmp"],
               "signal": [os.getpid()]}
    finally:
        if made_secrets:
            secrets.unlink()


def probe(backend: Backend) -> dict:
    with probe_targets(backend) as targets:
        probe_script = Path(__file__).resolve().parent / "sandbox_probe.py"
        done = subprocess.run([sys.executable, "-I", str(probe_script), str(WORKER), json.dumps(targets)],
                              capture_output=True, text=True, env={}, cwd=backend.settings.state.path.parent,
                              timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_sandbox_holds_from_inside(backend):
    attempts = probe(backend)
    succeeded = [attempt for attempt, error in attempts.items() if error is None]
    assert succeeded == []
    assert len(attempts) >= 25


def worker_without(folder: Path, layer: str) -> Path:
    """The real worker on a host that lacks one confinement layer, run as a
    script or forked by the zygote, which calls its `main`."""
    script = folder / f"worker_without_{layer}.py"
    script.write_text(
        "import importlib.util\n"
        f"spec = importlib.util.spec_from_file_location('console_worker', {str(WORKER)!r})\n"
        "worker = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(worker)\n"
        f"worker.{layer} = None\n"
        "main = worker.main\n"
        "if __name__ == '__main__':\n"
        "    main()\n")
    return script


def test_the_worker_refuses_to_run_unconfined(tmp_path, monkeypatch):
    """A host without Landlock or seccomp: the worker answers "sandbox" and
    runs nothing, unless the operator explicitly allowed it."""
    monkeypatch.setattr(console_process, "WORKER", worker_without(tmp_path, "landlock"))
    reply, rows = run_in_sandbox("SELECT 42 AS answer", {}, FAST)
    assert reply["error"] == "sandbox" and "Landlock" in reply["message"] and rows is None
    reply, rows = run_in_sandbox("SELECT 42 AS answer", {}, ConsoleLimits(timeout_s=5, allow_unsandboxed=True))
    assert reply["error"] is None and rows.to_pylist() == [{"answer": 42}]


def test_the_console_says_plainly_that_it_is_off_without_a_sandbox(backend, me, tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(console_process, "WORKER", worker_without(tmp_path, "seccomp"))
    result = run_statement(backend, principal_for(me), "SELECT count(*) FROM telemetry_raw.keystrokes", FAST)
    assert "switched off" in result.error and "seccomp" not in result.error
    assert "seccomp" in caplog.text


def test_the_setting_to_allow_an_unconfined_console_is_off_by_default(tmp_path, sample):
    assert load_settings(write_config(tmp_path, sample)).console.allow_unsandboxed is False
    assert ConsoleLimits().allow_unsandboxed is False


def test_a_slice_is_handed_over_whole_and_nothing_else(backend, me):
    """The worker sees exactly the tables it is given: one planted table."""
    planted = pa.table({"n": [1, 2, 3]})
    reply, rows = run_in_sandbox("SELECT sum(n) AS s FROM mine.planted", {"mine.planted": planted}, FAST)
    assert rows.to_pylist() == [{"s": 6}]
    reply, rows = run_in_sandbox("SELECT * FROM telemetry_raw.keystrokes", {"mine.planted": planted}, FAST)
    assert reply["error"] == "CatalogException" and rows is None

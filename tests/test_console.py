"""The SQL console: what must never happen, whatever an employee types.

Each escape attempt runs through the one entry point the page uses. None
may return a row of another employee or anything from outside the
employee's own slice, write a file, or leave the portal unable to serve
the next query.
"""

from __future__ import annotations

import os
import random
import subprocess
from pathlib import Path

import pytest

from auth.policy import AccessDenied
from auth.principal import Principal, Role
from queries.console.examples import examples, placeholder
from queries.console.process import WORKERS, ConsoleLimits
from queries.console.run import run_statement
from queries.console.statement import check_statement
from queries.mydata.inventory import inventory_for
from tests.conftest import signed_in_claims

FAST = ConsoleLimits(timeout_s=3, max_rows=1_000, memory_mb=256)
# For a statement that must answer: on a busy machine, starting a worker and loading the rows it needs can
# take longer than FAST's time limit, which is there to stop the endless statements soon.
ANSWERING = ConsoleLimits(timeout_s=30, max_rows=1_000, memory_mb=256)
TRAPS = Path("/tmp/daylight-console-trap")


def principal_for(employee) -> Principal:
    return Principal(employee.employee_id, employee.name, employee.email, employee.department,
                     frozenset({Role.EMPLOYEE}))


@pytest.fixture
def me(backend, demo_users):
    return backend.directory.by_id(demo_users["employee, median data"]["employee_id"])


def escape_attempts(backend, other) -> list[str]:
    warehouse = backend.settings.warehouse.path
    sample = warehouse.parent
    state = backend.settings.state.path
    a_file = next(warehouse.glob("telemetry_raw.db/keystrokes/*/*.parquet"))
    return [
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT * FROM read_csv_auto('/etc/passwd')",
        "SELECT * FROM read_text('/etc/passwd')",
        "SELECT * FROM read_blob('/etc/passwd')",
        "SELECT * FROM '/etc/passwd'",
        "SELECT * FROM sniff_csv('/etc/passwd')",
        f"SELECT * FROM read_parquet('{warehouse}/telemetry_raw.db/keystrokes/**/*.parquet')",
        f"SELECT * FROM read_parquet('{a_file}')",
        f"SELECT * FROM '{a_file}'",
        f"SELECT * FROM parquet_metadata('{a_file}')",
        f"SELECT * FROM parquet_schema('{a_file}')",
        "SELECT * FROM glob('/*')",
        f"SELECT * FROM glob('{warehouse}/**')",
        f"SELECT * FROM read_csv('{sample}/directory.csv')",
        f"SELECT * FROM read_json('{sample}/demo_users.json')",
        f"SELECT * FROM read_json_auto('{sample}/audit/ranger_audit.jsonl')",
        f"SELECT * FROM read_text('{state}/pseudonym.key')",
        f"ATTACH '{state}/subject_index.duckdb' AS stolen",
        "ATTACH ':memory:' AS other",
        "DETACH memory",
        "USE system",
        f"COPY (SELECT 1) TO '{TRAPS}.csv'",
        f"COPY telemetry_raw.keystrokes TO '{TRAPS}.parquet' (FORMAT parquet)",
        f"EXPORT DATABASE '{TRAPS}'",
        "INSTALL httpfs",
        "LOAD httpfs",
        "INSTALL spatial FROM community",
        "SET enable_external_access = true",
        "RESET enable_external_access",
        "SET lock_configuration = false",
        "SET allowed_directories = ['/']",
        "SET memory_limit = '100GB'",
        "SET threads = 64",
        "PRAGMA enable_profiling",
        "PRAGMA database_list",
        "CALL pragma_version()",
        "CHECKPOINT",
        "SELECT getenv('HOME')",
        "SELECT current_setting('allowed_directories')",
        "SELECT * FROM duckdb_settings()",
        "SELECT * FROM duckdb_databases()",
        "SELECT * FROM duckdb_extensions()",
        "SELECT * FROM duckdb_secrets()",
        "SELECT * FROM duckdb_temporary_files()",
        "SELECT * FROM connection",
        "SELECT * FROM header",
        "SELECT * FROM incoming_0",
        "SELECT * FROM stream",
        "SELECT * FROM query('SELECT * FROM read_csv(''/etc/passwd'')')",
        "SELECT * FROM read_csv('https://example.com/x.csv')",
        "SELECT count(*) FROM range(1000000000000) a, range(1000000) b",
        "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r",
        "SELECT list(range(2000000000))",
        "SELECT repeat('x', 2000000000)",
        "SELECT 1; SELECT * FROM read_csv('/etc/passwd')",
        "SELECT 1; -- harmless?\nATTACH ':memory:' AS sneaky",
        "CREATE TABLE copy AS SELECT * FROM telemetry_raw.keystrokes",
        "DROP TABLE telemetry_raw.keystrokes",
        "DELETE FROM telemetry_raw.keystrokes",
        "UPDATE telemetry_raw.keystrokes SET key = 'x'",
        f"SELECT * FROM telemetry_raw.keystrokes WHERE employee_id = '{other.employee_id}'",
        f"SELECT * FROM collab.chat_messages WHERE list_contains(recipients, '{other.email}') "
        f"OR sender = '{other.email}'",
        f"SELECT * FROM ml_training.typing_corpus WHERE payload LIKE '%{other.employee_id}%'",
    ]


def forbidden_text(backend, me) -> list[str]:
    """Strings that may never appear in a console result or message."""
    key = (backend.settings.state.path / "pseudonym.key").read_text().strip()
    people = [v for p in backend.directory if p.employee_id != me.employee_id for v in (p.employee_id, p.email, p.name)]
    return ["root:x:0:0", key, "exempt_from_collection", "request_user"] + people


def test_no_escape_attempt_reads_past_my_rows_or_breaks_the_console(backend, me, demo_users):
    """The whole corpus in turn on one backend, as one portal process would
    take it: no attempt shows a byte beyond the employee's own rows or
    leaves a file behind, and afterwards the console still answers (one
    check after all of them, rather than a worker started after each)."""
    other = backend.directory.by_id(demo_users["employee, heavy data"]["employee_id"])
    attempts = escape_attempts(backend, other)
    assert len(attempts) >= 60
    forbidden = forbidden_text(backend, me)
    escaped = []
    for statement in attempts:
        result = run_statement(backend, principal_for(me), statement, FAST)
        shown = ((result.error or "") + (repr(result.rows.to_pylist()) if result.rows is not None else "")) \
            .replace(statement, "")
        escaped += [f"{statement!r} showed {text!r}" for text in forbidden if text in shown]
        rows = result.rows if result.ok and result.rows is not None else None
        if rows is not None and "employee_id" in rows.column_names \
                and not set(rows["employee_id"].to_pylist()) <= {me.employee_id}:
            escaped.append(f"{statement!r} returned someone else's rows")
        escaped += [f"{statement!r} left {trap}" for trap in (TRAPS.with_suffix(".csv"), TRAPS.with_suffix(".parquet"),
                                                               TRAPS) if trap.exists()]
    assert not escaped, "\n".join(escaped)
    follow_up = run_statement(backend, principal_for(me), "SELECT count(*) AS n FROM telemetry_raw.keystrokes",
                              ANSWERING)
    assert follow_up.ok and follow_up.rows.num_rows == 1, follow_up.error


def test_no_worker_outlives_its_query(backend, me):
    WORKERS.stop()  # a page run in this process may have kept a zygote, whose cmdline names the worker
    run_statement(backend, principal_for(me), "SELECT count(*) FROM range(1000000000000) a, range(1000000) b", FAST)
    running = subprocess.run(["pgrep", "-P", str(os.getpid()), "-f", "queries/console/worker.py"],
                             capture_output=True, text=True).stdout.split()
    assert running == [], "a worker this process started outlived its query (other test processes run their own)"


@pytest.mark.parametrize("seed", [3, 11])
def test_console_counts_equal_the_inventory_for_random_employees(backend, seed):
    people = sorted(backend.directory, key=lambda p: p.employee_id)
    employee = random.Random(seed).choice([p for p in people if not p.exempt_from_collection])
    inventory = inventory_for(backend, principal_for(employee))
    union = " UNION ALL ".join(
        f"SELECT '{e.name}' AS t, count(*) AS n FROM \"{e.finding.table.database}\".\"{e.finding.table.name}\""
        for e in inventory.entries)
    result = run_statement(backend, principal_for(employee), union, ConsoleLimits(timeout_s=30))
    assert result.ok, result.error
    assert dict(zip(result.rows["t"].to_pylist(), result.rows["n"].to_pylist())) == \
        {e.name: e.postings.rows for e in inventory.entries}


@pytest.mark.parametrize("statement, message", [
    ("SELEC 1", "Syntax error"),
    ("SELECT * FROM telemetry_raw.keystroke", "Did you mean"),
    ("SELECT * FROM hr.secret_salaries", "not one of your tables"),
    ("SELECT count(*) FROM range(1000000000000) a, range(1000000) b", "Time limit reached"),
    ("", "Type a query first"),
    ("SELECT 1; SELECT 2", "one at a time"),
    ("INSTALL httpfs", "Only queries are allowed"),
])
def test_errors_are_explained_in_plain_words(backend, me, statement, message):
    result = run_statement(backend, principal_for(me), statement, FAST)
    assert not result.ok and message in result.error
    assert "Traceback" not in result.error


def test_long_results_are_cut_with_a_note(backend, me):
    result = run_statement(backend, principal_for(me), "SELECT * FROM range(5000)", ANSWERING)
    assert result.ok and result.truncated and result.rows.num_rows == ANSWERING.max_rows


def test_only_the_tables_a_query_names_are_loaded(backend, me):
    result = run_statement(backend, principal_for(me), "SELECT count(*) FROM telemetry_raw.keystrokes", FAST)
    assert result.tables == ("telemetry_raw.keystrokes",)
    assert check_statement("WITH a AS (SELECT * FROM hr.x) SELECT * FROM a JOIN collab.y USING (k)").tables == \
        {"hr.x", "collab.y"}


def test_the_console_needs_the_employee_role(backend, me):
    council_only = Principal(me.employee_id, me.name, me.email, me.department, frozenset({Role.WORKS_COUNCIL}))
    with pytest.raises(AccessDenied):
        run_statement(backend, council_only, "SELECT 1", FAST)


def test_every_example_runs(backend, me):
    inventory = inventory_for(backend, principal_for(me))
    found = examples(inventory.entries)
    assert len(found) >= 6, "the curated questions, and two on each of my two largest tables"
    largest = max(inventory.entries, key=lambda e: e.postings.rows)
    assert any(largest.name in example.question for example in found)
    assert largest.finding.table.name in placeholder(inventory.entries)
    for example in found:
        assert example.tables <= {e.name for e in inventory.entries}
        result = run_statement(backend, principal_for(me), example.statement, ANSWERING)
        assert result.ok, (example.question, result.error)


def test_examples_on_a_lake_with_other_names_use_my_own_tables(backend, me):
    """On a real lake the curated questions name no table the person has;
    the written ones quote odd names as identifiers and still run."""
    from dataclasses import replace

    inventory = inventory_for(backend, principal_for(me))
    entry = max(inventory.entries, key=lambda e: e.postings.rows)
    odd = entry._replace(finding=replace(entry.finding, table=replace(entry.finding.table, database="Sales-EU",
                                                                      name='clicks "raw"')))
    found = examples([odd])
    assert found and all(example.tables == {odd.name} for example in found)
    assert '"Sales-EU"."clicks ""raw"""' in found[0].statement
    assert '"Sales-EU"' in placeholder([odd])


def console_page_after(config, monkeypatch, user: dict, statement: str):
    """The console page as `user` signed in, after running `statement`."""
    from streamlit.testing.v1 import AppTest
    monkeypatch.setenv("PORTAL_CONFIG", str(config))
    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "portal/pages/console.py"), default_timeout=60)
    at.user = signed_in_claims(user)
    at.run()
    at.text_area[0].input(statement)
    at.button[0].click().run()
    return at


def test_the_page_runs_a_query(config, monkeypatch, demo_users):
    at = console_page_after(config, monkeypatch, demo_users["employee, median data"],
                            "SELECT key, count(*) AS n FROM telemetry_raw.keystrokes GROUP BY key ORDER BY n DESC")
    assert not at.exception and not at.error
    assert list(at.dataframe[-1].value.columns) == ["key", "n"]
    at.text_area[0].input("SELECT * FROM read_csv('/etc/passwd')")
    at.button[0].click().run()
    assert not at.exception
    assert "read_csv() cannot be used here" in at.error[0].value


def test_the_page_shows_the_columns_of_any_of_my_tables(config, monkeypatch, demo_users, backend):
    """One picker and one frame, however many tables a person is in (an
    expander per table was 400 elements at 200 tables, for every visit)."""
    from streamlit.testing.v1 import AppTest
    user = demo_users["employee, median data"]
    entries = inventory_for(backend, principal_for(backend.directory.by_id(user["employee_id"]))).entries
    monkeypatch.setenv("PORTAL_CONFIG", str(config))
    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "portal/pages/console.py"), default_timeout=60)
    at.user = signed_in_claims(user)
    at.run()
    [picker] = [box for box in at.selectbox if box.label.startswith("Columns of one of your")]
    assert picker.options == [f"{e.name} · {e.postings.rows:,} rows" for e in entries]
    for entry in (entries[0], entries[-1]):
        picker.set_value(entry).run()
        assert not at.exception
        [columns] = at.dataframe
        assert list(columns.value.itertuples(index=False, name=None)) == list(entry.finding.columns)
    assert len(at.expander) == 0


def test_every_statement_is_recorded_without_the_data(backend, me):
    import hashlib
    statement = "SELECT typed_text FROM telemetry_raw.keystrokes WHERE typed_text IS NOT NULL"
    before = len(backend.ledger.entries_about(me.employee_id))
    result = run_statement(backend, principal_for(me), statement, ANSWERING)
    [entry] = [e for e in backend.ledger.entries_about(me.employee_id)[before:]
               if e.access.action == "query-own-telemetry"]
    access = entry.access
    assert access.subjects == (me.employee_id,) and access.actor_id == me.employee_id
    assert access.action == "query-own-telemetry" and access.tables == ("telemetry_raw.keystrokes",)
    assert access.sql_sha256 == hashlib.sha256(statement.encode()).hexdigest()
    assert access.rows == result.rows_loaded
    body = b"".join(p.read_bytes() for p in backend.ledger.path.parent.glob("ledger.sqlite*"))
    typed = {t for t in result.rows["typed_text"].to_pylist()}
    assert not any(text.encode() in body for text in typed if len(text) > 12), "the ledger never holds the data"

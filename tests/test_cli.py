"""The `daylight` admin command, as an operator runs it: the installed
console script, real configuration, JSON a script can read, exit codes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from auth.principal import Role
from queries.backend import Backend
from queries.cli import main
from tests.conftest import write_config
from tests.ground_truth import truth_rows
from tests.test_deletion import approved
from tests.test_my_data import principal_for

DAYLIGHT = Path(sys.executable).parent / "daylight"


def daylight(*args: str) -> subprocess.CompletedProcess:
    assert DAYLIGHT.exists(), "make run / make test install the daylight command into the venv"
    return subprocess.run([str(DAYLIGHT), *args], capture_output=True, text=True, timeout=300)


COMMANDS = [("refresh",), ("inventory",), ("console",), ("ledger", "verify"), ("ledger", "public-key"), ("erasure", "run"),
            ("erasure", "status"), ("audit", "import"), ("council", "report"), ("council", "publish")]


def test_help_lists_the_commands(capsys):
    """The installed script answers once; each command's help comes from
    the same parser in this process (a start of the script costs about a second)."""
    done = daylight("--help")
    assert done.returncode == 0
    for command in COMMANDS:
        assert command[0] in done.stdout
        with pytest.raises(SystemExit) as helped:
            main([*command, "--help"])
        assert helped.value.code == 0 and "--config" in capsys.readouterr().out, command


def test_the_command_starts_without_the_page_libraries():
    """pandas, scipy and plotly cost a start 0.9 s; only the commands that
    read audit events or draw the council's report load them."""
    loaded = subprocess.run([sys.executable, "-c", "import sys, queries.cli; "
                             "print(sorted({'pandas', 'scipy', 'plotly'} & set(sys.modules)))"],
                            capture_output=True, text=True, timeout=60, check=True)
    assert loaded.stdout.strip() == "[]"


def test_refresh_then_inventory_as_json(tmp_path, sample, demo_users):
    config = write_config(tmp_path, sample)
    refreshed = daylight("refresh", "--config", str(config), "--json")
    assert refreshed.returncode == 0, refreshed.stderr
    assert json.loads(refreshed.stdout)["failed"] == []
    employee_id = demo_users["employee, median data"]["employee_id"]
    done = daylight("inventory", employee_id, "--config", str(config), "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["employee_id"] == employee_id and report["tables_holding_rows"] == len(report["tables"]) > 10
    backend = Backend.open(config)
    person = backend.directory.by_id(employee_id)
    for table in report["tables"]:
        assert table["rows"] == truth_rows(sample, table["table"], person), table["table"]
        assert table["found"] and all(f["finding"] in ("subject", "named", "mentioned") for f in table["found"])
    assert any(not t["registered"] for t in report["tables"])
    assert {"table", "column", "type", "why"} <= set(report["not_searched"][0])
    recorded = backend.ledger.entries_about(employee_id)
    assert recorded[-1].access.action == "administer-inventory"
    assert recorded[-1].access.actor_role == "administrator"
    backend.close()


def test_the_plain_output_reads_as_a_list(tmp_path, sample, demo_users):
    config = write_config(tmp_path, sample)
    done = daylight("inventory", demo_users["employee, light data"]["employee_id"], "--config", str(config))
    assert done.returncode == 0 and "rows in" in done.stdout


@pytest.mark.parametrize("args, code, message", [
    (["inventory", "E99999"], 3, "no employee"),
    (["console", "E99999", "--sql", "SELECT 1"], 3, "no employee"),
    (["erasure", "status", "DR-999999"], 3, "no deletion request"),
    (["erasure", "run", "DR-999999"], 3, "no deletion request"),
    (["ledger", "verify", "--ledger", "/nonexistent/ledger.sqlite", "--public-key", "/nonexistent/key.pub"], 2,
     "cannot read"),
    (["council", "report", "--out", "/nonexistent/folder/report.html"], 2, "cannot write"),
    (["inventory", "E00001", "--config", "/nonexistent/portal.toml"], 2, "not found"),
    (["refresh", "--config", "/nonexistent/portal.toml"], 2, "not found"),
])
def test_bad_input_gets_a_plain_message_and_an_exit_code(tmp_path, sample, args, code, message):
    if "--config" not in args:
        args = [*args, "--config", str(write_config(tmp_path, sample))]
    done = daylight(*args)
    assert done.returncode == code and message in done.stderr
    assert "Traceback" not in done.stderr


def test_an_approved_erasure_runs_from_the_command_line(tmp_path, sample, demo_users):
    lake = tmp_path / "copy"
    shutil.copytree(sample, lake)
    config = write_config(tmp_path, lake)
    backend = Backend.open(config)
    employee = backend.directory.by_id(demo_users["employee, light data"]["employee_id"])
    officer = backend.directory.by_id(demo_users["HR privacy officer"]["employee_id"])
    request = approved(backend, principal_for(employee), principal_for(officer, Role.HR, Role.EMPLOYEE))
    backend.close()
    before = daylight("erasure", "status", request.request_id, "--config", str(config), "--json")
    assert before.returncode == 0 and json.loads(before.stdout)["files_swapped"] == 0
    done = daylight("erasure", "run", request.request_id, "--config", str(config), "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["verification_passed"] is True and result["receipt"]["receipt_for"] == request.request_id
    after = json.loads(daylight("erasure", "status", request.request_id, "--config", str(config), "--json").stdout)
    assert after["state"] == result["state"] and after["files_swapped"] == after["files"] > 0


def test_the_ledger_verifies_and_the_audit_log_imports_as_json(tmp_path, sample, demo_users):
    config = write_config(tmp_path, sample)
    assert daylight("inventory", demo_users["employee, light data"]["employee_id"], "--config", str(config)
                    ).returncode == 0
    verified = daylight("ledger", "verify", "--config", str(config), "--json")
    assert verified.returncode == 0, verified.stderr
    assert json.loads(verified.stdout)["intact"] is True and json.loads(verified.stdout)["entries"] >= 1
    key = daylight("ledger", "public-key", "--config", str(config))
    assert key.returncode == 0 and key.stdout.startswith("-----BEGIN PUBLIC KEY-----")
    imported = daylight("audit", "import", "--config", str(config), "--json")
    assert imported.returncode == 0, imported.stderr
    first = json.loads(imported.stdout)
    again = json.loads(daylight("audit", "import", "--config", str(config), "--json").stdout)
    assert again["imported"] == 0 and again["events"] == first["events"] > 0


def test_the_council_report_holds_aggregates_only_and_is_recorded(tmp_path, sample):
    config = write_config(tmp_path, sample)
    out = tmp_path / "report.html"
    done = daylight("council", "report", "--out", str(out), "--config", str(config), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["report"] == str(out)
    text = out.read_text()
    assert text.startswith("<!doctype html>") and "works council report" in text
    backend = Backend.open(config)
    for person in backend.directory:
        assert person.email not in text and person.name not in text
    entry = backend.ledger.entries()[-1].access
    assert entry.action == "audit-aggregates" and entry.actor_role == "administrator"
    assert entry.actor_id.startswith("cli:") and entry.subjects == ()
    backend.close()


def test_a_month_is_published_from_the_command_line_once(tmp_path, sample):
    config = write_config(tmp_path, sample)
    first = daylight("council", "publish", "--period", "2026-10", "--config", str(config), "--json")
    assert first.returncode == 0, first.stderr
    again = json.loads(daylight("council", "publish", "--period", "2026-10", "--config", str(config), "--json").stdout)
    assert json.loads(first.stdout) == again == {"period": "2026-10", "published_at": again["published_at"]}
    assert daylight("council", "publish", "--period", "2026-13", "--config", str(config)).returncode == 2
    under_way = daylight("council", "publish", "--period", "2099-01", "--config", str(config))
    assert under_way.returncode != 0 and "once the month is over" in under_way.stderr
    assert "Traceback" not in under_way.stderr


def test_an_administrators_console_statement_goes_through_the_sandbox_and_the_ledger(tmp_path, sample, demo_users):
    config = write_config(tmp_path, sample)
    employee_id = demo_users["employee, heavy data"]["employee_id"]
    done = daylight("console", employee_id, "--sql", "SELECT count(*) AS n FROM telemetry_raw.keystrokes",
                    "--config", str(config), "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    backend = Backend.open(config)
    person = backend.directory.by_id(employee_id)
    assert result["rows"] == [{"n": truth_rows(sample, "telemetry_raw.keystrokes", person)}]
    entry = backend.ledger.entries_about(employee_id)[-1].access
    assert entry.action == "administer-console" and entry.actor_role == "administrator"
    assert entry.sql_sha256 == result["statement_sha256"] and entry.outcome == "ok"
    backend.close()
    refused = daylight("console", employee_id, "--sql", "COPY (SELECT 1) TO '/tmp/x.csv'", "--config", str(config))
    assert refused.returncode == 1 and "error:" in refused.stdout and "Traceback" not in refused.stderr

"""The `daylight` admin command, as an operator runs it: the installed
console script, real configuration, JSON a script can read, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from queries.backend import Backend
from tests.conftest import write_config
from tests.ground_truth import truth_rows

DAYLIGHT = Path(sys.executable).parent / "daylight"


def daylight(*args: str) -> subprocess.CompletedProcess:
    assert DAYLIGHT.exists(), "make run / make test install the daylight command into the venv"
    return subprocess.run([str(DAYLIGHT), *args], capture_output=True, text=True, timeout=300)


def test_help_lists_the_commands():
    done = daylight("--help")
    assert done.returncode == 0
    for command in ("refresh", "inventory"):
        assert command in done.stdout
    assert daylight("inventory", "--help").returncode == 0


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
    (["inventory", "E00001", "--config", "/nonexistent/portal.toml"], 2, "not found"),
    (["refresh", "--config", "/nonexistent/portal.toml"], 2, "not found"),
])
def test_bad_input_gets_a_plain_message_and_an_exit_code(tmp_path, sample, args, code, message):
    if "--config" not in args:
        args = [*args, "--config", str(write_config(tmp_path, sample))]
    done = daylight(*args)
    assert done.returncode == code and message in done.stderr
    assert "Traceback" not in done.stderr

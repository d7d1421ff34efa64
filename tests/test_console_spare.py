"""The console's spare worker: started ahead of the next statement, holding
nothing until its statement arrives, used once, and never left behind."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pytest

from queries.console import process as console_process
from queries.console.process import SPARE, ConsoleLimits, run_in_sandbox
from tests.test_console_hardening import worker_without

ROOT = Path(__file__).resolve().parent.parent

FAST = ConsoleLimits(timeout_s=10, max_rows=1_000, memory_mb=256)
ROWS = {"mine.planted": pa.table({"n": [1, 2, 3]})}


def state_of(pid: int) -> tuple[str, int]:
    """A process's state letter ("Z": ended, not yet reaped) and its parent."""
    state, parent = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[:2]
    return state, int(parent)


def workers(parent: int | None = None) -> dict[int, Path]:
    """The console workers of this process (or of `parent`) still running: pid → working folder."""
    parent = parent or os.getpid()
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            state, started_by = state_of(int(entry.name))
            command = (entry / "cmdline").read_bytes().split(b"\0")
            if started_by == parent and state != "Z" and any(part.endswith(b"worker.py") for part in command):
                found[int(entry.name)] = Path(os.readlink(entry / "cwd"))
        except (OSError, IndexError, ValueError):
            continue  # it ended while we looked
    return found


@pytest.fixture
def spare():
    SPARE.stop()
    yield SPARE
    SPARE.stop()


def test_a_kept_spare_answers_the_next_statement_and_another_takes_its_place(spare):
    spare.keep()
    [(waiting, folder)] = workers().items()
    reply, rows = run_in_sandbox("SELECT sum(n) AS s FROM mine.planted", ROWS, FAST)
    assert reply["error"] is None and rows.to_pylist() == [{"s": 6}]
    [(next_one, _)] = workers().items()
    assert next_one != waiting, "the spare that waited answered, and a new one was started after it"
    assert not folder.exists(), "the used worker's folder is removed with it"


def test_as_many_spares_are_kept_as_statements_may_run_at_once(spare):
    """People who press Run together each find a worker started."""
    spare.keep(3)
    waiting = set(workers())
    assert len(waiting) == 3
    taken = [spare.take() for _ in range(3)]
    assert {worker.process.pid for worker in taken} == waiting
    for worker in taken:
        worker.end()
    spare.refill()
    again = set(workers())
    assert len(again) == 3 and not again & waiting


def test_a_spare_holds_nothing_before_its_statement(spare, monkeypatch):
    """Started ahead, it must not be able to carry anything into a later
    statement: no environment (the portal's secrets), an empty folder."""
    monkeypatch.setenv("DAYLIGHT_SECRET_FOR_THIS_TEST", "must not reach the worker")
    spare.keep()
    [(waiting, folder)] = workers().items()
    assert Path(f"/proc/{waiting}/environ").read_bytes() == b""
    assert list(folder.iterdir()) == []


def test_a_dead_spare_is_replaced_and_the_statement_still_runs(spare):
    spare.keep()
    [(waiting, _)] = workers().items()
    os.kill(waiting, 9)
    while state_of(waiting)[0] != "Z":
        time.sleep(0.01)  # dead, not yet reaped: as a spare that died while it waited
    reply, rows = run_in_sandbox("SELECT count(*) AS n FROM mine.planted", ROWS, FAST)
    assert reply["error"] is None and rows.to_pylist() == [{"n": 3}]
    assert len(workers()) == 1


def test_a_spare_started_from_another_worker_script_is_not_used(spare, tmp_path, monkeypatch):
    """After the worker script changed, a spare of the old one never runs a
    statement: here the new script lacks Landlock, and the answer shows it ran."""
    spare.keep()
    monkeypatch.setattr(console_process, "WORKER", worker_without(tmp_path, "landlock"))
    reply, rows = run_in_sandbox("SELECT 42 AS answer", {}, FAST)
    assert reply["error"] == "sandbox" and rows is None


def test_stopping_ends_the_spare_and_removes_its_folder(spare):
    spare.keep()
    [(_, folder)] = workers().items()
    spare.stop()
    assert workers() == {} and not folder.exists()


def test_without_a_kept_spare_no_worker_outlives_its_statement(spare):
    """The command line keeps no spare: nothing is left running after it."""
    reply, _ = run_in_sandbox("SELECT 1 AS one", {}, FAST)
    assert reply["error"] is None
    assert workers() == {}


def test_a_spare_ends_when_the_portal_that_kept_it_is_killed():
    """Killed outright, a portal runs no exit handler: its spare reads the
    end of its input and ends, rather than waiting for ever."""
    portal = subprocess.Popen([sys.executable, "-c", "import time\nfrom queries.console.process import SPARE\n"
                               "SPARE.keep()\ntime.sleep(120)"], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    deadline = time.monotonic() + 60
    while not (spares := workers(portal.pid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    [spare] = spares
    portal.kill()
    portal.wait()
    while Path(f"/proc/{spare}").exists() and time.monotonic() < deadline:
        if state_of(spare)[0] == "Z":
            break
        time.sleep(0.05)
    else:
        assert not Path(f"/proc/{spare}").exists(), "the spare outlived its portal"

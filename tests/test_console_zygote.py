"""The console's zygote: started once, holding nothing, it forks each
statement's worker; a forked worker inherits nothing but its pipes, serves
one statement and is never left behind."""

from __future__ import annotations

import json
import logging
import os
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pytest

from queries.console import process as console_process
from queries.console.process import WORKER, WORKERS, ConsoleLimits, Zygote, _read_reply, run_in_sandbox
from tests.test_console_hardening import probe_targets, worker_without

ROOT = Path(__file__).resolve().parent.parent
PROBE = ROOT / "tests" / "sandbox_probe.py"

FAST = ConsoleLimits(timeout_s=10, max_rows=1_000, memory_mb=256)
ROWS = {"mine.planted": pa.table({"n": [1, 2, 3]})}


def state_of(pid: int) -> tuple[str, int]:
    """A process's state letter ("Z": ended, not yet waited for) and its parent; OSError once it is gone."""
    state, parent = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[:2]
    return state, int(parent)


def children(parent: int, naming: str) -> dict[int, Path]:
    """The running processes `parent` started as `python -I <naming>`: pid →
    working folder. A forked worker keeps the zygote's command line."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().split(b"\0")
            if state_of(int(entry.name))[1] == parent and command[2].endswith(naming.encode()):
                found[int(entry.name)] = Path(os.readlink(entry / "cwd"))
        except (OSError, IndexError, ValueError):
            continue  # it ended while we looked
    return found


def zombies(parent: int) -> list[int]:
    """The ended processes of `parent` it has not yet waited for."""
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            if state_of(int(entry.name)) == ("Z", parent):
                found.append(int(entry.name))
        except OSError:
            continue  # gone while we looked
    return found


def ended(pid: int) -> bool:
    """Gone, or ended and not yet waited for."""
    try:
        return state_of(pid)[0] == "Z"
    except OSError:
        return True


def the_zygote(parent: int | None = None) -> tuple[int, Path]:
    """The one zygote `parent` keeps, once it runs the zygote's script (a
    process just started may not have replaced its image yet)."""
    assert waited_for(lambda: len(children(parent or os.getpid(), "zygote.py")) == 1)
    [(pid, folder)] = children(parent or os.getpid(), "zygote.py").items()
    return pid, folder


def waited_for(condition, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


@pytest.fixture
def workers():
    WORKERS.stop()
    yield WORKERS
    WORKERS.stop()


def test_a_statement_runs_in_a_worker_the_zygote_forked_and_no_worker_is_left(workers):
    workers.keep()
    zygote, _ = the_zygote()
    reply, rows = run_in_sandbox("SELECT sum(n) AS s FROM mine.planted", ROWS, FAST)
    assert reply["error"] is None and rows.to_pylist() == [{"s": 6}]
    assert waited_for(lambda: children(zygote, "zygote.py") == {}), "the forked worker ended with its statement"
    assert waited_for(lambda: zombies(zygote) == []), "and the zygote waited for it"
    assert the_zygote()[0] == zygote, "the zygote stays for the next statement"


def test_the_zygote_holds_nothing(workers, monkeypatch):
    """It must not be able to pass anything to a worker: no environment (the
    portal's secrets), an empty folder, nothing open but its socket."""
    monkeypatch.setenv("DAYLIGHT_SECRET_FOR_THIS_TEST", "must not reach the zygote")
    workers.keep()
    zygote, folder = the_zygote()
    assert run_in_sandbox("SELECT 1 AS one", {}, FAST)[0]["error"] is None, "ready: its imports are done"
    assert Path(f"/proc/{zygote}/environ").read_bytes() == b""
    assert list(folder.iterdir()) == []
    opened = {os.readlink(f"/proc/{zygote}/fd/{fd}") for fd in os.listdir(f"/proc/{zygote}/fd")}
    assert opened == {"/dev/null"} | {target for target in opened if target.startswith("socket:")}
    assert len([target for target in opened if target.startswith("socket:")]) == 1


def test_a_forked_worker_inherits_nothing_but_its_pipes(workers):
    """Before its statement arrives: its own session, its own empty folder
    (not the zygote's), no environment, and open only its three pipes —
    not the socket through which the zygote is asked for workers."""
    workers.keep()
    zygote, zygote_folder = the_zygote()
    worker = workers.take()
    try:
        [pid] = children(zygote, "zygote.py")
        assert waited_for(lambda: sorted(os.listdir(f"/proc/{pid}/fd")) == ["0", "1", "2"]), \
            "set up, it waits for its statement with its pipes only"
        folder = Path(os.readlink(f"/proc/{pid}/cwd"))
        assert folder != zygote_folder and list(folder.iterdir()) == []
        assert Path(f"/proc/{pid}/environ").read_bytes() == b""
        assert os.getsid(pid) == pid
        assert all(os.readlink(f"/proc/{pid}/fd/{fd}").startswith("pipe:") for fd in range(3))
    finally:
        worker.end()
    assert waited_for(lambda: not Path(f"/proc/{pid}").exists()), "an unused worker is stopped and reaped"
    assert not folder.exists()


def probing_worker(folder: Path) -> Path:
    """A worker script whose `main`, once forked, confines itself as the
    worker does and tries what an exploit would (`sandbox_probe.attempts`)
    on the targets sent as its statement, and on the zygote, its parent."""
    script = folder / "probing_worker.py"
    script.write_text(
        "import importlib.util, json, os, sys\n"
        "def load(name, path):\n"
        "    spec = importlib.util.spec_from_file_location(name, path)\n"
        "    module = importlib.util.module_from_spec(spec)\n"
        "    spec.loader.exec_module(module)\n"
        "    return module\n"
        f"worker = load('console_worker', {str(WORKER)!r})\n"
        f"probe = load('sandbox_probe', {str(PROBE)!r})\n"
        "def main():\n"
        "    targets = json.loads(json.loads(worker._read_block(sys.stdin.buffer))['statement'])\n"
        "    targets['signal'].append(os.getppid())\n"
        "    worker._reply({'error': 'probed', 'message': json.dumps(probe.attempts(worker, targets))})\n")
    return script


def test_the_sandbox_holds_from_inside_a_forked_worker(workers, backend, tmp_path, monkeypatch):
    """As `test_the_sandbox_holds_from_inside`, in a worker the zygote forked:
    nothing it inherited opens a way out, and it cannot signal the zygote."""
    monkeypatch.setattr(console_process, "WORKER", probing_worker(tmp_path))
    workers.keep()
    zygote, _ = the_zygote()
    with probe_targets(backend) as targets:
        reply, _ = run_in_sandbox(json.dumps(targets), {}, FAST)
    assert reply["error"] == "probed", reply
    tried = json.loads(reply["message"])
    assert f"signal process {zygote}" in tried and f"signal process {os.getpid()}" in tried
    assert [attempt for attempt, error in tried.items() if error is None] == []
    assert len(tried) >= 25


def test_a_request_the_zygote_cannot_read_forks_nothing(workers):
    """Nothing that can fail runs in a child before it left the zygote's
    loop, or the child would serve requests as a second zygote: a request
    without a folder or three pipes is answered "no worker", and the next
    one is served."""
    workers.keep()
    zygote, _ = the_zygote()
    channel = workers._zygote._channel
    read, write = os.pipe()
    try:
        for message, pipes in ((b"not json", [read, write, write]), (b'{"folder": 1}', [read, write, write]),
                               (b"{}", [read, write, write]), (b'{"folder": "/tmp"}', [read])):
            socket.send_fds(channel, [message], pipes)
            assert channel.recv(16) == struct.pack(">i", 0)
    finally:
        os.close(read)
        os.close(write)
    assert children(zygote, "zygote.py") == {}
    reply, rows = run_in_sandbox("SELECT sum(n) AS s FROM mine.planted", ROWS, FAST)
    assert reply["error"] is None and rows.to_pylist() == [{"s": 6}] and the_zygote()[0] == zygote


def test_a_worker_past_its_time_is_stopped(workers):
    workers.keep()
    zygote, _ = the_zygote()
    reply, rows = run_in_sandbox("SELECT count(*) FROM range(1000000000000) a, range(1000000) b", ROWS,
                                 ConsoleLimits(timeout_s=1, max_rows=1_000, memory_mb=256))
    assert reply["error"] == "timeout" and rows is None
    assert waited_for(lambda: children(zygote, "zygote.py") == {}), "the worker was killed, not left running"


def test_a_dead_zygote_is_replaced_and_the_statement_still_runs(workers):
    workers.keep()
    zygote, _ = the_zygote()
    os.kill(zygote, 9)
    assert waited_for(lambda: ended(zygote))
    reply, rows = run_in_sandbox("SELECT count(*) AS n FROM mine.planted", ROWS, FAST)
    assert reply["error"] is None and rows.to_pylist() == [{"n": 3}]
    assert the_zygote()[0] != zygote


def test_a_zygote_of_another_worker_script_is_not_used(workers, tmp_path, monkeypatch):
    """After the worker script changed, the zygote that imported the old one
    forks no statement's worker: here the new script lacks Landlock, and the
    answer shows it ran."""
    workers.keep()
    old, _ = the_zygote()
    monkeypatch.setattr(console_process, "WORKER", worker_without(tmp_path, "landlock"))
    reply, rows = run_in_sandbox("SELECT 42 AS answer", {}, FAST)
    assert reply["error"] == "sandbox" and rows is None
    assert the_zygote()[0] != old


def test_a_zygote_whose_worker_script_was_edited_since_is_not_used(workers, tmp_path, monkeypatch):
    """A fix deployed in place, without a restart: the next statement runs
    the script as it is now, here one that lacks Landlock."""
    script = tmp_path / "worker_in_place.py"
    script.write_text(Path(WORKER).read_text())
    monkeypatch.setattr(console_process, "WORKER", script)
    workers.keep()
    old, _ = the_zygote()
    assert run_in_sandbox("SELECT 42 AS answer", {}, FAST)[1].to_pylist() == [{"answer": 42}]
    script.write_text(worker_without(tmp_path, "landlock").read_text())
    reply, rows = run_in_sandbox("SELECT 42 AS answer", {}, FAST)
    assert reply["error"] == "sandbox" and rows is None
    assert the_zygote()[0] != old


def test_a_worker_is_started_from_scratch_when_the_zygote_cannot_fork(workers, monkeypatch, caplog):
    workers.keep()

    def cannot_fork(self):
        raise OSError("no more processes")
    monkeypatch.setattr(Zygote, "fork", cannot_fork)
    with caplog.at_level(logging.WARNING, logger="queries.console.process"):
        reply, rows = run_in_sandbox("SELECT sum(n) AS s FROM mine.planted", ROWS, FAST)
    assert reply["error"] is None and rows.to_pylist() == [{"s": 6}]
    assert "from scratch" in caplog.text
    assert children(os.getpid(), "worker.py") == {}, "the worker started from scratch ended too"


def test_a_zygote_that_does_not_answer_is_given_up_and_replaced(workers, tmp_path, monkeypatch, caplog):
    """Stuck, it would hold every statement: after `FORK_WAIT_S` the statement
    runs in a worker started from scratch and the next one has a new zygote."""
    stuck = tmp_path / "stuck_zygote.py"
    stuck.write_text("import time\ntime.sleep(600)\n")
    monkeypatch.setattr(console_process, "ZYGOTE", stuck)
    monkeypatch.setattr(console_process, "FORK_WAIT_S", 0.5)
    workers.keep()
    assert waited_for(lambda: len(children(os.getpid(), "stuck_zygote.py")) == 1)
    [first] = children(os.getpid(), "stuck_zygote.py")
    with caplog.at_level(logging.WARNING, logger="queries.console.process"):
        reply, rows = run_in_sandbox("SELECT sum(n) AS s FROM mine.planted", ROWS, FAST)
    assert reply["error"] is None and rows.to_pylist() == [{"s": 6}]
    assert "forked no worker" in caplog.text
    assert waited_for(lambda: ended(first)), "the stuck zygote was stopped"
    monkeypatch.setattr(console_process, "ZYGOTE", Path(console_process.__file__).parent / "zygote.py")
    reply, rows = run_in_sandbox("SELECT sum(n) AS s FROM mine.planted", ROWS, FAST)
    assert reply["error"] is None and the_zygote()[0] != first


@pytest.mark.parametrize("cut", ["", "\0\0", "header only", "rows cut", "more after the rows"])
def test_a_reply_that_is_not_whole_is_never_taken_for_an_answer(cut):
    """A forked worker's exit status is not the portal's to read: a worker
    that died while answering is told by its reply alone."""
    header = b'{"error": null, "cut": null}'
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, pa.schema([("n", pa.int64())])) as writer:
        writer.write_table(pa.table({"n": [1]}))
    rows = sink.getvalue().to_pybytes()
    whole = len(header).to_bytes(4, "big") + header + len(rows).to_bytes(4, "big") + rows
    assert _read_reply(whole)[1].to_pylist() == [{"n": 1}]
    broken = {"": b"", "\0\0": b"\0\0", "header only": whole[:4 + len(header)], "rows cut": whole[:-10],
              "more after the rows": whole + b"\0"}[cut]
    with pytest.raises(ValueError):
        _read_reply(broken)


def test_stopping_ends_the_zygote_and_removes_its_folder(workers):
    workers.keep()
    zygote, folder = the_zygote()
    workers.stop()
    assert waited_for(lambda: not Path(f"/proc/{zygote}").exists())
    assert not folder.exists()


def test_without_a_kept_zygote_no_worker_outlives_its_statement(workers):
    """The command line keeps no zygote: nothing is left running after it."""
    reply, _ = run_in_sandbox("SELECT 1 AS one", {}, FAST)
    assert reply["error"] is None
    assert children(os.getpid(), "worker.py") == {} and children(os.getpid(), "zygote.py") == {}


def test_the_zygote_ends_when_the_portal_that_kept_it_is_killed():
    """Killed outright, a portal runs no exit handler: its zygote reads the
    end of its socket and ends, rather than waiting for ever."""
    keeping = "import time\nfrom queries.console.process import WORKERS\nWORKERS.keep()\ntime.sleep(120)"
    portal = subprocess.Popen([sys.executable, "-c", keeping], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    zygote, _ = the_zygote(portal.pid)
    portal.kill()
    portal.wait()
    assert waited_for(lambda: ended(zygote), 60), "the zygote outlived its portal"

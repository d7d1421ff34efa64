"""The load case's placement of processes on cores (`--portal-cores`):
the portal and all it starts stay on their cores, the browsers on the
others, and nothing is left pinned after the run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.load import main as load_main
from bench.placement import pin_process_tree, split_cores, started_on

USABLE = sorted(os.sched_getaffinity(0))
needs_two_cores = pytest.mark.skipif(len(USABLE) < 2, reason="placing processes apart needs two cores")

PARENT = """
import subprocess, sys, threading
threading.Thread(target=threading.Event().wait, daemon=True).start()
first = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
print(first.pid, flush=True)
sys.stdin.readline()
later = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
print(later.pid, flush=True)
sys.stdin.readline()
first.kill(); later.kill()
"""


def _threads_cores(pid: int) -> list[set[int]]:
    return [os.sched_getaffinity(int(task.name)) for task in Path(f"/proc/{pid}/task").iterdir()]


@pytest.mark.parametrize("asked", [0, -1, len(USABLE), len(USABLE) + 1])
def test_the_portals_must_leave_the_browsers_a_core(asked):
    with pytest.raises(ValueError, match="must leave the browsers a core"):
        split_cores(asked)


@needs_two_cores
def test_the_cores_are_split_between_portals_and_browsers_without_overlap():
    portals, browsers = split_cores(1)
    assert portals == {USABLE[0]} and browsers == set(USABLE[1:])


@needs_two_cores
def test_every_thread_of_the_portal_and_what_it_starts_now_or_later_runs_on_its_cores():
    portal_core = {USABLE[0]}
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)
    try:
        first = int(parent.stdout.readline())
        pin_process_tree(parent.pid, portal_core)
        parent.stdin.write("\n")
        parent.stdin.flush()
        later = int(parent.stdout.readline())
        threads = _threads_cores(parent.pid)
        assert len(threads) >= 2 and all(cores == portal_core for cores in threads)
        assert all(cores == portal_core for cores in _threads_cores(first))
        assert all(cores == portal_core for cores in _threads_cores(later)), "a process started after is pinned"
        assert os.sched_getaffinity(0) == set(USABLE), "the caller itself is not moved"
    finally:
        parent.stdin.write("\n")
        parent.stdin.flush()
        parent.wait(timeout=30)


@needs_two_cores
def test_the_browsers_start_on_their_cores_and_the_harness_gets_all_back():
    browsers = set(USABLE[1:])
    with started_on(browsers):
        started = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        assert os.sched_getaffinity(started.pid) == browsers
        assert os.sched_getaffinity(0) == set(USABLE)
    finally:
        started.kill()
        started.wait()


def test_the_command_refuses_a_placement_the_machine_cannot_give_before_starting_anything(capsys):
    with pytest.raises(SystemExit) as stopped:
        load_main(["--portal-cores", str(len(USABLE))])
    assert stopped.value.code == 2
    assert "--portal-cores must leave the browsers a core" in capsys.readouterr().err

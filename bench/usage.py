"""Where the machine's cores and memory went during a load run, read from
/proc: the load case tells a portal saturated by its own work from one
waiting for the browsers that share its cores."""

from __future__ import annotations

import os
import re
from pathlib import Path

from devtools.stack import Portal


def _cpu_times(pid: int | str) -> tuple[str, int, float, float] | None:
    """(command, parent's pid, CPU time of the process itself, of its
    children that ended), in seconds, all threads, user and system."""
    try:
        command, fields = Path(f"/proc/{pid}/stat").read_text().split("(", 1)[1].rsplit(")", 1)
    except OSError:
        return None
    parts = fields.split()
    user, system, children_user, children_system = (int(t) / os.sysconf("SC_CLK_TCK") for t in parts[11:15])
    return command, int(parts[1]), user + system, children_user + children_system


def _parents() -> dict[int, int]:
    """pid → parent's pid, for every process on the machine."""
    return {int(p.name): t[1] for p in Path("/proc").glob("[0-9]*") if (t := _cpu_times(p.name))}


def descendants(root: int) -> list[int]:
    """The processes `root` started, and the ones they started."""
    children: dict[int, list[int]] = {}
    for pid, parent in _parents().items():
        children.setdefault(parent, []).append(pid)
    found, waiting = [], list(children.get(root, []))
    while waiting:
        pid = waiting.pop()
        found.append(pid)
        waiting += children.get(pid, [])
    return found


def _ours() -> list[tuple[str, int, float, float]]:
    """The processes this one started, and the ones they started: other
    Chromiums on the machine (another test's, say) come and go during a run,
    and their time is not the load case's."""
    return [times for pid in descendants(os.getpid()) if (times := _cpu_times(pid))]


def _busy_seconds() -> float:
    """CPU time the whole machine has spent busy (every core, not idle or waiting)."""
    user, nice, system, _, _, irq, softirq, steal = map(int, Path("/proc/stat").read_text().split()[1:9])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def cpu_seconds(portals: tuple[Portal, ...]) -> dict[str, float]:
    """CPU time so far of the portals, of their console workers (those
    started from scratch that ended, the zygote and those it forked), and
    of the Chromium this process started with the processes it started:
    where the machine's cores went."""
    found = {"portal": 0.0, "console workers": 0.0, "browsers": 0.0, "whole machine": _busy_seconds()}
    pids = set()
    for portal in portals:
        pids.add(portal.process.pid)
        times = _cpu_times(portal.process.pid)
        if times:
            found["portal"] += times[2]
            found["console workers"] += times[3]
    for command, parent, own, ended in _ours():
        if command.startswith("chrom"):
            found["browsers"] += own + ended
        elif parent in pids:
            found["console workers"] += own + ended
    return found


def peak_memory_mb(pid: int) -> float | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    found = re.search(r"VmHWM:\s+(\d+) kB", status)
    return round(int(found[1]) / 1024, 1) if found else None

"""Where the machine's cores and memory went during a load run, read from
/proc: the load case tells a portal saturated by its own work from one
waiting for the browsers that share its cores."""

from __future__ import annotations

import os
import re
from pathlib import Path

from devtools.stack import Portal


def _cpu_times(pid: int | str) -> tuple[str, float, float] | None:
    """(command, CPU time of the process itself, of its children that
    ended), in seconds, all threads, user and system."""
    try:
        command, fields = Path(f"/proc/{pid}/stat").read_text().split("(", 1)[1].rsplit(")", 1)
    except OSError:
        return None
    user, system, children_user, children_system = (int(t) / os.sysconf("SC_CLK_TCK") for t in fields.split()[11:15])
    return command, user + system, children_user + children_system


def _busy_seconds() -> float:
    """CPU time the whole machine has spent busy (every core, not idle or waiting)."""
    user, nice, system, _, _, irq, softirq, steal = map(int, Path("/proc/stat").read_text().split()[1:9])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def cpu_seconds(portals: tuple[Portal, ...]) -> dict[str, float]:
    """CPU time so far of the portals, of the console workers they started
    (children that ended), and of every Chromium process with the ones
    they started: where the machine's cores went."""
    found = {"portal": 0.0, "console workers": 0.0, "browsers": 0.0, "whole machine": _busy_seconds()}
    for portal in portals:
        times = _cpu_times(portal.process.pid)
        if times:
            found["portal"] += times[1]
            found["console workers"] += times[2]
    for process in Path("/proc").glob("[0-9]*"):
        times = _cpu_times(process.name)
        if times and times[0].startswith("chrom"):
            found["browsers"] += times[1] + times[2]
    return found


def peak_memory_mb(pid: int) -> float | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    found = re.search(r"VmHWM:\s+(\d+) kB", status)
    return round(int(found[1]) / 1024, 1) if found else None

"""Where the load case's processes run (`python -m bench.load
--portal-cores K`): the portals and all they start on K cores of their
own, the browsers on the others.

By default the browsers share every core with the portal, and on 2 cores
they take four fifths of them: a page waits for the visitors' own
rendering as much as for the portal. A deployment's server does not
render its visitors' pages; on one machine, cores apart are the closest to
that, and tell the portal's own limit from the machine's. The targets are
held on shared cores all the same (`make bench`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.usage import descendants


def split_cores(portal_cores: int) -> tuple[set[int], set[int]]:
    """(the portals' cores, the browsers' cores), of those this process may use."""
    usable = sorted(os.sched_getaffinity(0))
    if not 0 < portal_cores < len(usable):
        raise ValueError(f"--portal-cores must leave the browsers a core: this machine gives {len(usable)} "
                         f"core(s), {portal_cores} asked for the portals")
    return set(usable[:portal_cores]), set(usable[portal_cores:])


def pin_process_tree(root: int, cores: set[int]) -> None:
    """Every thread of `root` and of the processes it started, on `cores`;
    threads and processes they start later inherit it."""
    for pid in (root, *descendants(root)):
        for task in Path(f"/proc/{pid}/task").glob("[0-9]*"):
            try:
                os.sched_setaffinity(int(task.name), cores)
            except OSError:  # the thread ended meanwhile
                continue


@contextmanager
def started_on(cores: set[int]) -> Iterator[None]:
    """What this thread starts meanwhile (the browsers, through
    Playwright's driver) runs on `cores`."""
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, cores)
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)

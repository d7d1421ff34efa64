"""Which Parquet files a statement reads by a scan of their own, and which
together by one scan joined with their runs of rows.

A scan of its own lets DuckDB skip the row groups a file's runs do not
reach, but costs the statement about 2 ms at L to plan and open, what the
shared scan takes to decode about 2 MiB. A person's rows are often spread
over every row group of a file (a chat copy at L: 17 rows in each of 78
files, in all 7 groups of each), and then a scan of its own skips nothing:
the median export at L spent 0.87 of its 3.15 s in DuckDB planning its 645
scans. So a file is read in the shared scan unless its own scan would skip
more than that cost: the stored bytes of the row groups its runs miss. Only
a file larger than the cost can skip more, so only such files' row groups
are looked up, once per version of the file (path, size and time of change).
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence

SCAN_COST_BYTES = 2 * 2**20  # what a scan of its own costs, in bytes the shared scan decodes in that time
KEPT_LAYOUTS = 100_000  # files whose row groups are remembered

RowRuns = Sequence[tuple[int, int]]
Version = tuple[str, int, int]  # path, size, ctime (ns): as the catalog's fingerprint, a time no tool sets back
RowGroups = tuple[tuple[int, int], ...]  # each row group's rows and stored bytes, in order


def skipped_bytes(groups: RowGroups, runs: RowRuns) -> int:
    """What a scan of its own skips of a file: the stored bytes of the row
    groups no run reaches."""
    ordered, skipped, first, run = sorted(runs), 0, 0, 0
    for rows, stored in groups:
        last = first + rows - 1
        while run < len(ordered) and ordered[run][1] < first:
            run += 1
        if run == len(ordered) or ordered[run][0] > last:
            skipped += stored
        first = last + 1
    return skipped


class SharedScans:
    """Decides, for the files of one statement and their runs, which are
    read together; `row_groups` looks up the row groups of files (path → each
    group's rows and stored bytes) for those that need it."""

    def __init__(self, row_groups: Callable[[list[str]], dict[str, RowGroups]]):
        self._row_groups = row_groups
        self._known: OrderedDict[Version, RowGroups] = OrderedDict()
        self._lock = threading.Lock()

    def shared(self, files: Sequence[str], runs: Sequence[RowRuns | None]) -> list[int]:
        """The positions of the files read by the shared scan: each has
        runs, and its own scan would skip less than it costs. A file that
        cannot be looked at (gone since the index named it) is read by a
        scan of its own, which reports it; a lone such file too, as a join
        then gains nothing."""
        versions: dict[int, Version] = {}
        for index, (file, file_runs) in enumerate(zip(files, runs, strict=True)):
            if file_runs:
                try:
                    status = os.stat(file)
                except OSError:
                    continue
                versions[index] = (file, status.st_size, status.st_ctime_ns)
        groups = self._groups([version for version in versions.values() if version[1] > SCAN_COST_BYTES])
        shared = [index for index, version in versions.items()
                  if version[1] <= SCAN_COST_BYTES
                  or (version in groups and skipped_bytes(groups[version], runs[index]) <= SCAN_COST_BYTES)]
        return shared if len(shared) > 1 else []

    def _groups(self, versions: list[Version]) -> dict[Version, RowGroups]:
        with self._lock:
            known = {version: self._known[version] for version in versions if version in self._known}
        missing = [version for version in versions if version not in known]
        if missing:
            found = self._row_groups([path for path, _, _ in missing])
            with self._lock:
                for version in missing:
                    if version[0] in found:
                        known[version] = self._known[version] = found[version[0]]
                while len(self._known) > KEPT_LAYOUTS:
                    self._known.popitem(last=False)
        return known

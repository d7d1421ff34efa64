"""Published copies of the subject index, for portal processes that only
read it.

DuckDB lets one process open a database file for writing, and while it
does no other process may open that file at all. Several portal processes
on one state folder therefore share the index as copies: the process that
keeps it (`state.index_role = "writer"`) publishes a finished copy under a
new name after every change, and the others open the newest copy read-only.
A copy is never changed once its name is visible, so a reader never sees a
half-written index, and a reader still running a statement on an older copy
finishes it there.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from pathlib import Path

log = logging.getLogger(__name__)

COPIES_DIR = "subject_index.copies"
SUFFIX = ".duckdb"
PARTIAL = ".partial"
KEPT = 3  # the newest copies kept: a reader that has just listed the folder still finds the one it chose


def copies_folder(state_dir: Path) -> Path:
    return Path(state_dir) / COPIES_DIR


def newest(state_dir: Path) -> Path | None:
    """The newest published copy, or None. Names are the publication time in
    nanoseconds, zero-padded, so the greatest name is the newest."""
    try:
        names = sorted(p.name for p in copies_folder(state_dir).iterdir()
                       if p.name.endswith(SUFFIX) and not p.name.startswith("."))
    except FileNotFoundError:
        return None
    return copies_folder(state_dir) / names[-1] if names else None


def publish(index_file: Path) -> Path:
    """Copies `index_file`, which the caller has checkpointed and does not
    write meanwhile, to a new name. Written under a hidden temporary name,
    flushed and renamed, then the folder is flushed: a crash leaves at worst
    a temporary file, which no reader opens and the next publication
    removes."""
    folder = copies_folder(index_file.parent)
    folder.mkdir(exist_ok=True)
    name = f"{time.time_ns():020d}{SUFFIX}"
    temporary = folder / f".{name}{PARTIAL}"
    started = time.monotonic()
    shutil.copyfile(index_file, temporary)
    with open(temporary, "rb") as written:
        os.fsync(written.fileno())
    published = folder / name
    os.replace(temporary, published)
    _flush_folder(folder)
    _prune(folder)
    log.info("published the subject index as %s (%.1f MB in %.2f s)", published,
             published.stat().st_size / 1e6, time.monotonic() - started)
    return published


def _flush_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _prune(folder: Path) -> None:
    """Removes all but the `KEPT` newest copies, and any temporary file: only
    the one writer publishes, so a temporary file is left from a crash. A
    reader holding a removed copy open keeps reading it (the file lives on
    until it is closed)."""
    published = sorted(p for p in folder.iterdir() if p.name.endswith(SUFFIX) and not p.name.startswith("."))
    for stale in published[:-KEPT] + [p for p in folder.iterdir() if p.name.endswith(PARTIAL)]:
        stale.unlink(missing_ok=True)

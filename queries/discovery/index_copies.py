"""Published copies of the subject index, for portal processes that only
read it.

DuckDB lets one process open a database file for writing, and while it
does no other process may open that file at all. Several portal processes
on one state folder therefore share the index as copies: the process that
keeps it (`state.index_role = "writer"`) publishes a finished copy under a
new name after every change, and the others open the newest copy read-only.
Each copy comes with the catalog it was built from, so that a reader's
pages describe the tables as its copy indexed them, and its data moves on
once per copy, as the writer's does. A copy is never changed once its name
is visible, so a reader never sees a half-written index, and a reader still
running a statement on an older copy finishes it there.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
from pathlib import Path
from typing import NoReturn

import duckdb

from queries import sql
from queries.discovery.catalog import Catalog, load_catalog, save_catalog
from queries.discovery.index_lookups import IndexLookups, SubjectIndexError

log = logging.getLogger(__name__)

COPIES_DIR = "subject_index.copies"
SUFFIX = ".duckdb"
CATALOG_SUFFIX = ".catalog.json"
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


def catalog_of_path(copy: Path) -> Path:
    return copy.with_name(copy.name.removesuffix(SUFFIX) + CATALOG_SUFFIX)


def catalog_of(copy: Path) -> Catalog | None:
    """The catalog published with `copy`, or None if it cannot be read."""
    return load_catalog(catalog_of_path(copy))


def publish(index_file: Path, catalog: Catalog) -> Path:
    """Copies `index_file`, which the caller has checkpointed and does not
    write meanwhile, to a new name, its catalog first. Written under a
    hidden temporary name, flushed and renamed, then the folder is flushed:
    a crash leaves at worst a temporary file, which no reader opens, and a
    catalog without its copy, which no reader looks for; the next
    publication removes both."""
    folder = copies_folder(index_file.parent)
    folder.mkdir(exist_ok=True)
    name = f"{time.time_ns():020d}{SUFFIX}"
    temporary = folder / f".{name}{PARTIAL}"
    started = time.monotonic()
    save_catalog(catalog_of_path(folder / name), catalog)
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
    """Removes all but the `KEPT` newest copies and their catalogs, and any
    other file: only the one writer publishes, so another file is left from
    a crash. A reader holding a removed copy open keeps reading it (the file
    lives on until it is closed)."""
    published = sorted(p for p in folder.iterdir() if p.name.endswith(SUFFIX) and not p.name.startswith("."))
    kept = {p.name.removesuffix(SUFFIX) for p in published[-KEPT:]}
    for stale in folder.iterdir():
        if stale.name.removesuffix(SUFFIX).removesuffix(CATALOG_SUFFIX) not in kept:
            stale.unlink(missing_ok=True)


class IndexCopy(IndexLookups):
    """The index as a reading portal process has it (`state.index_role =
    "reader"`): the newest copy the writer published, opened read-only, and
    the catalog it was built from. It never changes the index: refreshing
    it and erasing, which do, happen in the writer."""

    writable = False

    def __init__(self, state_dir: Path):
        self._state_dir = Path(state_dir)
        self._lock = threading.Lock()
        self._copy: Path | None = None
        self.catalog: Catalog | None = None
        if self.newest() is None:
            raise SubjectIndexError(
                f"no published copy of the subject index can be opened in "
                f"{copies_folder(self._state_dir)}: this process reads the copies another one publishes "
                f"(state.index_role = reader); start the process that writes the index (state.index_role = writer) "
                f"first")

    @property
    def version(self) -> str | None:
        """The name of the copy open."""
        return self._copy.name if self._copy else None

    def newest(self) -> Catalog | None:
        """Moves to the newest copy if it is not the one open, and returns
        the catalog of the copy open. The connection to the older copy is
        dropped, not closed: a statement a page is running on it finishes
        there. A copy that cannot be opened, or whose catalog cannot be
        read, is logged and the current one kept."""
        with self._lock:
            latest = newest(self._state_dir)
            if latest is None or latest == self._copy:
                return self.catalog
            try:
                catalog = catalog_of(latest)
                if catalog is None:
                    raise OSError("its catalog is missing or unreadable")
                connection = duckdb.connect(str(latest), read_only=True)
                connection.execute(sql.load("quiet"))
                connection.execute(sql.load("subject_index/indexed_tables")).fetchall()
            except (duckdb.Error, OSError) as problem:
                log.error("the published subject index %s cannot be opened (%s); keeping %s", latest,
                          str(problem).splitlines()[0], self._copy)
                return self.catalog
            self._connection, self._copy, self.catalog = connection, latest, catalog
            return catalog

    def refresh(self, *args, **kwargs) -> NoReturn:
        raise SubjectIndexError("this process reads a published copy of the subject index: the process that writes "
                                "it (state.index_role = writer) refreshes it")

    def erased(self, *args, **kwargs) -> NoReturn:
        raise SubjectIndexError("this process reads a published copy of the subject index: erasures run in the "
                                "process that writes it (state.index_role = writer)")

"""Everything the pages need from the data side, opened once per process.

Opening checks the configuration end to end (warehouse folder, register,
directory, state folder, access ledger and its signing key) so that a
broken setup is reported once, in plain words, instead of failing deep
inside a page. Without a working ledger nothing is served: every read must
be recorded. Discovery, the subject index and the import of the
warehouse's audit log are refreshed every `warehouse.refresh_seconds` by
one background thread per process, so a page view never walks the whole
warehouse nor waits for another session's refresh.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from queries.access.ledger import Ledger, LedgerError, load_or_create_signing_key
from queries.access.warehouse_audit import ImportReport, WarehouseAudit, WarehouseAuditError
from queries.council.releases import CouncilReleases
from queries.discovery.catalog import Catalog, carry_over, discover
from queries.discovery.directory import Directory, DirectoryError
from queries.discovery.index_copies import IndexCopy
from queries.discovery.index_lookups import SubjectIndexError
from queries.discovery.subject_index import RefreshReport, SubjectIndex
from queries.erasure.holds import LegalHolds
from queries.erasure.journal import ErasureJournal
from queries.erasure.mailer import Mailer
from queries.erasure.redact import RowFinder
from queries.erasure.requests import DeletionRequests, RequestError
from queries.mydata.pseudonyms import PseudonymKeyError, load_or_create_key
from queries.mydata.row_reader import RowReader
from queries.state.store import StateStoreError
from queries.warehouse.delta_tables import DeltaTables
from queries.warehouse.engine import Warehouse, WarehouseError
from queries.warehouse.register import Register, RegisterError
from queries.warehouse.storage import Storage, StorageError, delta_options, storage_at
from queries.warehouse.table_format import TableFormat
from settings import ConfigError, Settings, load_settings

log = logging.getLogger(__name__)


def _fingerprints(catalog: Catalog) -> dict[str, str]:
    return {f.table.qualified_name: f.fingerprint for f in catalog.findings}


def _stamps(paths: list[Path | None]) -> tuple:
    """Size and modification time of each file, or None when it is missing or not configured."""
    found = []
    for path in paths:
        try:
            stat = path.stat() if path else None
        except OSError:
            stat = None
        found.append((stat.st_size, stat.st_mtime_ns) if stat else None)
    return tuple(found)


class BackendError(Exception):
    """The portal cannot reach its data; the message says what to fix."""


def _directory(settings: Settings) -> Directory:
    """The directory, checked against how sign-in will match it."""
    directory = Directory.load(settings.directory.path)
    identity = settings.identity
    if identity.directory_field == "sso_subject" and not directory.has_sso_subjects():
        raise DirectoryError(f"identity.directory_field is sso_subject, but the employee directory "
                             f"{settings.directory.path} has no sso_subject values: nobody could sign in")
    if identity.directory_field == "email" and not identity.require_email_verified:
        log.warning("identity.require_email_verified is off: a token whose email the identity provider has not "
                    "verified signs in as the directory entry with that address")
    return directory


@dataclass
class Backend:
    settings: Settings
    warehouse: Warehouse
    register: Register
    directory: Directory
    index: SubjectIndex | IndexCopy
    pseudonym_key: bytes
    ledger: Ledger
    audit: WarehouseAudit
    requests: DeletionRequests
    holds: LegalHolds
    journal: ErasureJournal
    releases: CouncilReleases
    audit_import: ImportReport | None = None
    audit_problem: str | None = None
    generation: int = 0
    derived: dict = field(default_factory=dict)  # figures computed from the warehouse, each with its generation
    _catalog: Catalog | None = None
    _version: tuple | None = None
    _refreshed_at: float = float("-inf")
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _refresher: threading.Thread | None = None
    _refresher_lock: threading.Lock = field(default_factory=threading.Lock)
    _closing: threading.Event = field(default_factory=threading.Event)
    _repeating: list[threading.Thread] = field(default_factory=list)

    @property
    def rows(self) -> RowReader:
        """The only part that reads a person's rows (inside a recorded read)."""
        return RowReader(self.warehouse, self.directory, self.pseudonym_key, self.settings.discovery.plus_tags,
                         self.index)

    @property
    def finder(self) -> RowFinder:
        """What erasing reads with to find a person's rows and tell whose a row is."""
        return RowFinder(self.warehouse, self.directory, self.settings.discovery.plus_tags)

    def refresh(self) -> RefreshReport:
        """Discovers changed tables now and brings the subject index up to
        date. `generation` moves on only when something changed (a table's
        files, the audit events, whether the audit log could be read, the
        grants and groups files): figures derived from the warehouse are
        kept until it does."""
        with self._lock:
            return self._refresh()

    def _refresh_if(self, needed: Callable[[], bool]) -> None:
        """Refreshes unless, once the lock is held, `needed` says another
        thread has just done it."""
        with self._lock:
            if needed():
                self._refresh()

    def _refresh(self, sort_index: bool = True) -> RefreshReport:
        """The refresh itself, with `_lock` held. A process reading a copy of
        the index takes the newest copy and the catalog it was built from
        instead of discovering: its pages then move on once per copy, with
        the writer's."""
        if isinstance(self.index, IndexCopy):
            catalog, report = self.index.newest(), RefreshReport((), (), ())
        else:
            catalog = discover(self.warehouse, self.settings.state.path)
            report = self.index.refresh(self.warehouse, catalog, self.directory, sort=sort_index)
        before = self._version
        self._catalog, self._refreshed_at = catalog, time.monotonic()
        self._import_audit_log()
        if self.audit_problem is None:
            self.audit.full_reads()  # ready before a page asks: it is read again only after an import added events
        self._version = (_fingerprints(catalog), self.audit_problem,
                         _stamps([self.settings.audit.grants, self.settings.audit.groups]))
        if (self.audit_import and self.audit_import.imported) or self._version != before:
            self.generation += 1
        return report

    def erased(self, employee_id: str, before: Catalog, tables: set[str],
               named: dict[str, dict[str, list[str]]], unchanged: set[str]) -> RefreshReport:
        """Brings discovery and the index up to date after an erasure rewrote
        `tables` (as they were in `before`) without re-reading them all: the
        executor knows what changed, and re-indexing every table an employee
        appears in would cost more than the erasure. Only the people the
        deleted rows named (`named`, table → file → identifiers) are indexed
        again, in those files. A table not in `unchanged` (the tables as the
        index read them when the erasure began) is left to the refresh that
        follows, which picks up anything else that landed meanwhile too;
        sorting the index, should the people indexed again make it due, is
        left to the next periodic refresh: it only speeds lookups up, and at
        S it was a tenth of the erasure the officer waits for."""
        with self._lock:
            after = carry_over(self.warehouse, before, self.settings.state.path, tables)
            self.index.erased(self.warehouse, self.directory, employee_id, {
                name: (before.get(name), after.get(name)) for name in tables if before.get(name) and after.get(name)},
                named, self.settings.erasure.workers, unchanged)
            return self._refresh(sort_index=False)

    def _import_audit_log(self) -> None:
        """A missing or unreadable audit log is reported on the pages that use
        it; it never stops the portal."""
        if self.settings.audit.log is None:
            self.audit_problem = "no warehouse audit log is configured"
            return
        try:
            self.audit_import, self.audit_problem = self.audit.import_log(self.settings.audit.log, self.directory), None
        except WarehouseAuditError as problem:
            log.error("%s", problem)
            self.audit_problem = "the warehouse's audit log could not be read"

    def catalog(self) -> Catalog:
        """Discovery's findings. Only the first call refreshes on the caller's
        thread (nothing is known yet); later ones return what the background
        refresher last found."""
        if self._catalog is None:
            self._refresh_if(lambda: self._catalog is None)
        self._start_refresher()
        return self._catalog

    def _start_refresher(self) -> None:
        with self._refresher_lock:
            if self._refresher is None and not self._closing.is_set():
                self._refresher = threading.Thread(target=self._refresh_periodically, name="daylight-refresh",
                                                   daemon=True)
                self._refresher.start()

    def _stale(self) -> bool:
        return time.monotonic() - self._refreshed_at >= self.settings.warehouse.refresh_seconds

    def _refresh_periodically(self) -> None:
        """Refreshes when the last refresh is older than the interval; a
        refresh that fails is logged and tried again at the next interval,
        the pages keeping the last good catalog."""
        interval = self.settings.warehouse.refresh_seconds
        while not self._closing.wait(max(1.0, interval - (time.monotonic() - self._refreshed_at))):
            try:
                self._refresh_if(self._stale)
            except Exception:
                log.exception("background refresh of the warehouse failed; keeping the last catalog")
                self._refreshed_at = time.monotonic()

    def repeat(self, name: str, seconds: float, task: Callable[[], None]) -> None:
        """Runs `task` every `seconds` on a thread of its own until the
        backend closes; a failure is logged and the task tried again at the
        next turn."""
        def repeated() -> None:
            while not self._closing.wait(seconds):
                try:
                    task()
                except Exception:
                    log.exception("%s failed; trying again in %s s", name, seconds)

        thread = threading.Thread(target=repeated, name=name, daemon=True)
        self._repeating.append(thread)
        thread.start()

    def close(self) -> None:
        self._closing.set()
        with self._refresher_lock:
            refresher = self._refresher
        for thread in [refresher, *self._repeating]:
            if thread is not None:
                thread.join()
        self.ledger.close()
        self.audit.close()
        self.requests.close()
        self.releases.close()
        self.index.close()
        self.warehouse.close()

    @staticmethod
    def open(config: Settings | str | os.PathLike | None = None) -> Backend:
        """Opens from settings, or from a configuration file (default: $PORTAL_CONFIG or ./portal.toml)."""
        try:
            settings = config if isinstance(config, Settings) else load_settings(config)
            settings.state.path.mkdir(parents=True, exist_ok=True)
            directory = _directory(settings)
            ledger = Ledger(settings.state.path, load_or_create_signing_key(settings.ledger.signing_key),
                            settings.ledger.checkpoint_every)
            mailer = Mailer(settings.mail, directory)
            requests = DeletionRequests(settings.state.path, on_change=lambda: mailer.deliver_soon(requests))
            mailer.deliver_soon(requests)  # what waited while the portal was stopped
            storage = storage_at(settings.warehouse.path, settings.object_storage)
            warehouse = Warehouse(storage, formats=_table_formats(settings, storage))
            return Backend(settings, warehouse, Register.load(settings.warehouse.register),
                           directory, _subject_index(settings),
                           load_or_create_key(settings.state.path), ledger, WarehouseAudit(settings.state.path),
                           requests, LegalHolds(requests.connection), ErasureJournal(requests.connection),
                           CouncilReleases(settings.state.path))
        except (ConfigError, WarehouseError, StorageError, RegisterError, DirectoryError, SubjectIndexError,
                PseudonymKeyError, LedgerError, WarehouseAuditError, RequestError, StateStoreError) as problem:
            raise BackendError(str(problem)) from problem
        except OSError as problem:
            raise BackendError(f"cannot prepare the portal's folders: {problem}") from problem


def _subject_index(settings: Settings) -> SubjectIndex | IndexCopy:
    """The index itself, or the newest copy of it when another process keeps it (`state.index_role`)."""
    if settings.state.index_role == "reader":
        return IndexCopy(settings.state.path)
    return SubjectIndex(settings.state.path, settings.discovery.plus_tags,
                        publish=settings.state.index_role == "writer")


def _table_formats(settings: Settings, storage: Storage) -> list[TableFormat]:
    """The lake's formats besides Hive folders: Delta tables wherever a
    table folder holds a log, Iceberg tables if a catalog is configured
    (pyiceberg is imported only then: it takes most of a second)."""
    reach = None if storage.local else delta_options(settings.object_storage)
    formats: list[TableFormat] = [DeltaTables(storage, reach)]
    if settings.iceberg.catalog or settings.iceberg.properties:
        from queries.warehouse.iceberg_tables import IcebergTables
    if settings.iceberg.catalog:
        formats.append(IcebergTables.sql_catalog(settings.iceberg.catalog))
    elif settings.iceberg.properties:
        formats.append(IcebergTables(settings.iceberg.properties))
    return formats

"""Everything the pages need from the data side, opened once per process.

Opening checks the configuration end to end (warehouse folder, register,
directory, state folder) so that a broken setup is reported once, in plain
words, instead of failing deep inside a page. Discovery and the subject
index are refreshed at most every `warehouse.refresh_seconds`, so a page
view does not walk the whole warehouse.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field

from queries.directory import Directory, DirectoryError
from queries.discovery import Catalog, discover
from queries.pseudonyms import PseudonymKeyError, load_or_create_key
from queries.register import Register, RegisterError
from queries.subject_index import RefreshReport, SubjectIndex, SubjectIndexError
from queries.warehouse import Warehouse, WarehouseError
from settings import ConfigError, Settings, load_settings


class BackendError(Exception):
    """The portal cannot reach its data; the message says what to fix."""


@dataclass
class Backend:
    settings: Settings
    warehouse: Warehouse
    register: Register
    directory: Directory
    index: SubjectIndex
    pseudonym_key: bytes
    _catalog: Catalog | None = None
    _refreshed_at: float = float("-inf")
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def refresh(self) -> RefreshReport:
        """Discovers changed tables now and brings the subject index up to date."""
        with self._lock:
            catalog = discover(self.warehouse, self.directory, self.settings.state.path)
            report = self.index.refresh(self.warehouse, catalog, self.directory)
            self._catalog, self._refreshed_at = catalog, time.monotonic()
            return report

    def catalog(self) -> Catalog:
        """Discovery's findings, refreshed when older than the configured interval."""
        if time.monotonic() - self._refreshed_at >= self.settings.warehouse.refresh_seconds:
            self.refresh()
        return self._catalog

    def close(self) -> None:
        self.index.close()
        self.warehouse.close()

    @staticmethod
    def open(config: Settings | str | os.PathLike | None = None) -> Backend:
        """Opens from settings, or from a configuration file (default: $PORTAL_CONFIG or ./portal.toml)."""
        try:
            settings = config if isinstance(config, Settings) else load_settings(config)
            settings.state.path.mkdir(parents=True, exist_ok=True)
            return Backend(settings, Warehouse(settings.warehouse.path), Register.load(settings.warehouse.register),
                           Directory.load(settings.directory.path), SubjectIndex(settings.state.path),
                           load_or_create_key(settings.state.path))
        except (ConfigError, WarehouseError, RegisterError, DirectoryError, SubjectIndexError,
                PseudonymKeyError) as problem:
            raise BackendError(str(problem)) from problem
        except OSError as problem:
            raise BackendError(f"cannot prepare the portal's folders: {problem}") from problem

"""Everything the pages need from the data side, opened once per process.

Opening checks the configuration end to end (warehouse folder, register,
directory, state folder) so that a broken setup is reported once, in plain
words, instead of failing deep inside a page.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from queries.directory import Directory, DirectoryError
from queries.discovery import Catalog, discover
from queries.register import Register, RegisterError
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

    def catalog(self) -> Catalog:
        """Discovery over the warehouse as it is now (unchanged tables come from the cache)."""
        return discover(self.warehouse, self.directory, self.settings.state.path)

    @staticmethod
    def open(config: Settings | str | os.PathLike | None = None) -> Backend:
        """Opens from settings, or from a configuration file (default: $PORTAL_CONFIG or ./portal.toml)."""
        try:
            settings = config if isinstance(config, Settings) else load_settings(config)
            settings.state.path.mkdir(parents=True, exist_ok=True)
            return Backend(settings, Warehouse(settings.warehouse.path), Register.load(settings.warehouse.register),
                           Directory.load(settings.directory.path))
        except (ConfigError, WarehouseError, RegisterError, DirectoryError) as problem:
            raise BackendError(str(problem)) from problem
        except OSError as problem:
            raise BackendError(f"cannot prepare the portal's folders: {problem}") from problem

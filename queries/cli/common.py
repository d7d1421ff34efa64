"""What every `daylight` command shares: opening the portal's data as the
command line's operator, and failing with a message and an exit code."""

from __future__ import annotations

import getpass
import json
from collections.abc import Iterator
from contextlib import contextmanager

from auth.principal import Principal, Role
from queries.access.ledger import LedgerError
from queries.backend import Backend, BackendError
from queries.discovery.index_lookups import SubjectIndexError


class CommandError(Exception):
    """A command cannot go on; the message is for the operator."""

    def __init__(self, message: str, exit_code: int = 2):
        super().__init__(message)
        self.exit_code = exit_code


def operator() -> Principal:
    """The person at the terminal, as the ledger and the policy see them."""
    user = getpass.getuser()
    return Principal(f"cli:{user}", user, "", "", frozenset({Role.ADMINISTRATOR}))


@contextmanager
def opened(config: str | None) -> Iterator[Backend]:
    try:
        backend = Backend.open(config)
    except BackendError as problem:
        raise CommandError(str(problem)) from None
    try:
        yield backend
    except (SubjectIndexError, LedgerError) as problem:
        raise CommandError(str(problem)) from None
    finally:
        backend.close()


def printed(result: dict, as_json: bool, text: str) -> None:
    print(json.dumps(result, indent=2, default=str) if as_json else text)

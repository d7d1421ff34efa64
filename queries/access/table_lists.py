"""The lists of tables the access ledger's entries name, each stored once
under the SHA-256 of its JSON (hex), which the entries' bodies hold
(`tables_sha256`) and their hashes cover.

An inventory at L names a thousand tables, and each visit of a person
names the same ones. Stored in every entry, they made the 1,576 entries
about one benchmark reader 60 MB, read and decoded again (0.55 s) each
time their access history was built.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable

LIST_KEY = b'"tables_sha256":"'
KEPT = 256  # lists kept decoded: each person's inventory names one


def canonical(value) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def stored_form(tables: tuple[str, ...]) -> tuple[str, bytes]:
    """(the SHA-256 naming a list of tables, in hex; the list as stored)."""
    listed = canonical(list(tables))
    return hashlib.sha256(listed).hexdigest(), listed


def problem_with(sha256: str, listed: bytes | None) -> str | None:
    """Why a stored list cannot be the one `sha256` names, or None."""
    if listed is None:
        return "is missing"
    if hashlib.sha256(listed).hexdigest() != sha256:
        return "does not match its hash (modified)"
    return None


def named_in(body: bytes) -> str | None:
    """The SHA-256 of the list an entry's body names, or None, found without
    decoding the body (a verification walks every entry): in canonical JSON
    a quote inside a value is escaped, so the key can only be the key."""
    start = body.find(LIST_KEY)
    return None if start < 0 else body[start + len(LIST_KEY):start + len(LIST_KEY) + 64].decode(errors="replace")


class DamagedList(Exception):
    """A list an entry names is missing or changed."""


class DecodedLists:
    """The lists read lately, decoded and checked against their hashes. A
    list never changes once stored, so keeping it is never stale."""

    def __init__(self, read: Callable[[list[str]], dict[str, bytes]]):
        self._read = read  # the stored lists of those SHA-256s that exist
        self._kept: OrderedDict[str, tuple[str, ...]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, wanted: set[str]) -> dict[str, tuple[str, ...]]:
        with self._lock:
            found = {sha256: self._kept[sha256] for sha256 in wanted if sha256 in self._kept}
            for sha256 in found:
                self._kept.move_to_end(sha256)
        missing = sorted(wanted - set(found))
        stored = self._read(missing) if missing else {}
        for sha256 in missing:
            problem = problem_with(sha256, stored.get(sha256))
            if problem:
                raise DamagedList(f"a list of tables its entries name {problem}")
            found[sha256] = tuple(json.loads(stored[sha256]))
        with self._lock:
            for sha256 in missing:
                self._kept[sha256] = found[sha256]
            while len(self._kept) > KEPT:
                self._kept.popitem(last=False)
        return found

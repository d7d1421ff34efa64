"""The employee directory: who works here, matched to sign-in claims.

Loaded whole and indexed, because every sign-in and every discovery pass
looks people up by id and by email.

Matching is exact. An email is compared after one normalization that can
only ever map an address to itself: ASCII lower-casing of an address made
of printable ASCII alone. Unicode case folding is not used because it maps
different spellings to one person (`ſ` U+017F folds to `s`, the Kelvin
sign U+212A to `k`, `ß` to `ss`), which let a look-alike account sign in as
someone else. An address with any other character, or with surrounding
spaces, matches nobody; two directory entries whose addresses normalize
alike are both unmatchable by email, never resolved to one of them.
"""

from __future__ import annotations

import csv
import logging
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

_PRINTABLE_ASCII = re.compile(r"[!-~]+")

REQUIRED_COLUMNS = ("employee_id", "name", "email", "department", "manager_id", "location", "level",
                    "start_date", "exempt_from_collection")
OPTIONAL_COLUMNS = ("sso_subject", "login", "badge", "hostnames")  # hostnames separated by ";"


class DirectoryError(Exception):
    """The directory file cannot be used; the message says why."""


@dataclass(frozen=True)
class Employee:
    employee_id: str
    name: str
    email: str
    department: str
    manager_id: str | None
    location: str
    level: str
    start_date: str
    exempt_from_collection: bool
    sso_subject: str | None = None  # the identity provider's immutable id for the person, where the directory has it
    login: str | None = None  # the domain login name (`igarcia` in `ACME\\igarcia`)
    badge: str | None = None  # the access badge number
    hostnames: tuple[str, ...] = ()  # devices assigned to the person


def email_key(value: object) -> str | None:
    """The form an email is compared in, or None when it may match nobody:
    printable ASCII without spaces, lower-cased byte by byte."""
    if not isinstance(value, str) or not _PRINTABLE_ASCII.fullmatch(value):
        return None
    return value.lower()


def _email_index(employees: list[Employee]) -> dict[str, Employee]:
    keys = [(email_key(e.email), e) for e in employees]
    counts = Counter(key for key, _ in keys if key is not None)
    ambiguous = sorted(key for key, count in counts.items() if count > 1)
    if ambiguous:
        log.warning("%d email address(es) belong to more than one directory entry and match nobody: %s",
                    len(ambiguous), ", ".join(ambiguous[:5]))
    return {key: e for key, e in keys if key is not None and counts[key] == 1}


class Directory:
    def __init__(self, employees: list[Employee]):
        self._by_id = {e.employee_id: e for e in employees}
        self._by_email = _email_index(employees)
        self._by_subject = {e.sso_subject: e for e in employees if e.sso_subject}

    def __iter__(self):
        return iter(self._by_id.values())

    def by_id(self, employee_id: str) -> Employee | None:
        return self._by_id.get(employee_id)

    def by_email(self, email: object) -> Employee | None:
        key = email_key(email)
        return None if key is None else self._by_email.get(key)

    def find(self, field: str, value: object) -> Employee | None:
        """Looks a person up by the configured directory field: an email as
        `email_key` says, any other identifier byte for byte."""
        if not isinstance(value, str) or not value:
            return None
        if field == "email":
            return self.by_email(value)
        return self._by_subject.get(value) if field == "sso_subject" else self.by_id(value)

    def has_sso_subjects(self) -> bool:
        return bool(self._by_subject)

    def ids(self) -> frozenset[str]:
        return frozenset(self._by_id)

    def emails(self) -> frozenset[str]:
        return frozenset(self._by_email)

    @staticmethod
    def load(path: Path) -> Directory:
        try:
            with open(path, newline="", encoding="utf-8") as source:
                reader = csv.DictReader(source)
                missing = set(REQUIRED_COLUMNS) - set(reader.fieldnames or ())
                if missing:
                    raise DirectoryError(f"employee directory {path} lacks column(s) {sorted(missing)}")
                employees = [
                    Employee(**{c: row[c] for c in REQUIRED_COLUMNS if c not in ("manager_id", "exempt_from_collection")},
                             manager_id=row["manager_id"] or None,
                             exempt_from_collection=row["exempt_from_collection"].strip().lower() == "true",
                             sso_subject=row.get("sso_subject") or None, login=row.get("login") or None,
                             badge=row.get("badge") or None,
                             hostnames=tuple(h.strip() for h in (row.get("hostnames") or "").split(";") if h.strip()))
                    for row in reader
                ]
        except FileNotFoundError:
            raise DirectoryError(f"employee directory {path} not found") from None
        except (UnicodeDecodeError, csv.Error) as problem:
            raise DirectoryError(f"employee directory {path} cannot be read: {problem}") from None
        return Directory(employees)

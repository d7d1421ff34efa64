"""The employee directory: who works here, matched to sign-in claims.

Loaded whole and indexed, because every sign-in and every discovery pass
looks people up by id and by email.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

REQUIRED_COLUMNS = ("employee_id", "name", "email", "department", "manager_id", "location", "level",
                    "start_date", "exempt_from_collection")


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


class Directory:
    def __init__(self, employees: list[Employee]):
        self._by_id = {e.employee_id: e for e in employees}
        self._by_email = {e.email.casefold(): e for e in employees}

    def __iter__(self):
        return iter(self._by_id.values())

    def by_id(self, employee_id: str) -> Employee | None:
        return self._by_id.get(employee_id)

    def by_email(self, email: str) -> Employee | None:
        return self._by_email.get(email.casefold())

    def find(self, field: str, value: object) -> Employee | None:
        """Looks a person up by the configured directory field."""
        if not isinstance(value, str) or not value:
            return None
        return self.by_email(value) if field == "email" else self.by_id(value)

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
                             exempt_from_collection=row["exempt_from_collection"].strip().lower() == "true")
                    for row in reader
                ]
        except FileNotFoundError:
            raise DirectoryError(f"employee directory {path} not found") from None
        except (UnicodeDecodeError, csv.Error) as problem:
            raise DirectoryError(f"employee directory {path} cannot be read: {problem}") from None
        return Directory(employees)

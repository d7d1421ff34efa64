"""The data register: what the company says each table is for.

The register is a claim, not the truth: discovery checks it against what
the warehouse really holds, and tables missing from it are shown as such.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from queries.warehouse.glossary import Glossary


class RegisterError(Exception):
    """The register file cannot be used; the message says why."""


@dataclass(frozen=True)
class RegisteredIdentifier:
    column: str
    holds: str
    shape: str
    json_path: str | None = None


@dataclass(frozen=True)
class RegisterEntry:
    table: str
    description: str
    category: str
    purposes: tuple[str, ...]
    legal_basis: str
    retention_days: int
    source_system: str
    works_agreement_clause: str | None
    identifier_columns: tuple[RegisteredIdentifier, ...]


class Register:
    def __init__(self, entries: list[RegisterEntry], glossary: Glossary | None = None):
        self._entries = {entry.table: entry for entry in entries}
        self.glossary = glossary or Glossary()

    def get(self, qualified_name: str) -> RegisterEntry | None:
        return self._entries.get(qualified_name)

    def retention_days(self) -> dict[str, int]:
        """table → the days its rows may be kept, for every registered table."""
        return {name: entry.retention_days for name, entry in self._entries.items()}

    def purposes(self) -> frozenset[str]:
        """Every purpose the register names for some table."""
        return frozenset(p for entry in self._entries.values() for p in entry.purposes)

    @staticmethod
    def load(path: Path) -> Register:
        try:
            raw = json.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise RegisterError(f"data register {path} not found") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as problem:
            raise RegisterError(f"data register {path} is not valid JSON: {problem}") from None
        try:
            entries = [
                RegisterEntry(
                    table=item["table"], description=item["description"], category=item["category"],
                    purposes=tuple(item["purposes"]), legal_basis=item["legal_basis"],
                    retention_days=int(item["retention_days"]), source_system=item["source_system"],
                    works_agreement_clause=item.get("works_agreement_clause"),
                    identifier_columns=tuple(RegisteredIdentifier(**c) for c in item["identifier_columns"]),
                )
                for item in raw["tables"]
            ]
            glossary = Glossary.parse(raw.get("glossary"))
        except (KeyError, TypeError, ValueError) as problem:
            raise RegisterError(f"data register {path} has a malformed entry: {problem!r}") from None
        return Register(entries, glossary)

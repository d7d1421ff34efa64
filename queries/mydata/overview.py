"""What was recorded about a person, told per kind of data in plain words,
and the few facts that should worry them, as flags.

A kind of data is the register's category (the unregistered tables form
one of their own). Each carries the glossary's words for it, its purposes
and legal bases, how long it is kept, and who has read it — so a person
who never heard of `derived.app_usage_daily_emea_v2` still learns that
"apps and windows you used" is kept 180 days for "measuring productivity"
and was read 40 times by the analytics team.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from auth.policy import VIEW_OWN_ACCESS_LOG, Resource, allowed
from auth.principal import Principal
from queries.access.history import AccessHistory, access_history
from queries.backend import Backend
from queries.erasure.wording import counted
from queries.mydata.inventory import Inventory, InventoryEntry, capture_span
from queries.warehouse.glossary import UNREGISTERED, Glossary, Term

READERS_NAMED = 3


@dataclass(frozen=True)
class KindOfData:
    term: Term
    entries: tuple[InventoryEntry, ...]
    purposes: tuple[Term, ...]
    legal_bases: tuple[Term, ...]
    retention_days: tuple[int, ...]
    reads_by_others: int = 0
    readers: tuple[tuple[str, int], ...] = ()  # (role or name, reads), most reads first

    @property
    def registered(self) -> bool:
        return self.term.term != UNREGISTERED

    @property
    def rows(self) -> int:
        return sum(e.postings.rows for e in self.entries)

    @property
    def first_seen(self) -> datetime | None:
        return capture_span(self.entries)[0]

    @property
    def last_seen(self) -> datetime | None:
        return capture_span(self.entries)[1]

    @property
    def days(self) -> int:
        """Calendar days from the first capture to the last, both counted."""
        first, last = self.first_seen, self.last_seen
        return (last.date() - first.date()).days + 1 if first and last else 0

    @property
    def overdue_rows(self) -> int:
        return sum(e.postings.overdue_rows for e in self.entries)

    def amount(self) -> str:
        """"1,204 rows over 21 days, in 3 tables"."""
        said = counted(self.rows, 'row') + (f" over {counted(self.days, 'day')}" if self.days else "")
        return said + f", in {counted(len(self.entries), 'table')}"

    def kept_for(self) -> str:
        if not self.retention_days:
            return "no retention period declared"
        low, high = self.retention_days[0], self.retention_days[-1]
        return f"{counted(low, 'day')}" if low == high else f"{low} to {high} days, depending on the table"

    def matches(self, text: str) -> bool:
        """Whether a search for `text` finds this kind: its words, its
        purposes' words or one of its tables' names."""
        needle = text.strip().lower()
        haystack = [self.term.name, self.term.term, self.term.meaning or ""]
        haystack += [p.name for p in self.purposes] + [p.term for p in self.purposes]
        haystack += [e.name for e in self.entries]
        return not needle or any(needle in words.lower() for words in haystack)


def kinds_of_data(inventory: Inventory, glossary: Glossary, history: AccessHistory | None = None) -> list[KindOfData]:
    """The person's data per kind, most rows first, the unregistered last."""
    grouped: dict[str, list[InventoryEntry]] = {}
    for entry in inventory.entries:
        grouped.setdefault(entry.category, []).append(entry)
    readers = _readers_per_table(history)
    kinds = []
    for category, entries in grouped.items():
        registers = [e.register for e in entries if e.register]
        purposes = sorted({p for r in registers for p in r.purposes})
        bases = sorted({r.legal_basis for r in registers})
        tally = Counter()
        for entry in entries:
            tally.update(readers.get(entry.name, {}))
        kinds.append(KindOfData(glossary.kind(category), tuple(entries), tuple(glossary.purpose(p) for p in purposes),
                                tuple(glossary.legal_basis(b) for b in bases),
                                tuple(sorted({r.retention_days for r in registers})), sum(tally.values()),
                                tuple(tally.most_common(READERS_NAMED))))
    return sorted(kinds, key=lambda k: (not k.registered, -k.rows, k.term.name))


def _readers_per_table(history: AccessHistory | None) -> dict[str, Counter]:
    """Reads by others per table and reader: a person by their role (the
    access page names them), a service account by its name. Reads are
    counted per distinct list of tables before a list is split: at L a
    history holds 87,000 reads but a few thousand distinct lists, and
    splitting every read's list took 0.4 s of each overview."""
    if history is None or history.accesses.empty:
        return {}
    others = history.accesses.loc[~history.accesses["by me"], ["tables", "who", "role"]]
    if others.empty:
        return {}
    reader = others["who"].where(others["role"].eq("service account"), others["role"])
    reads = pd.DataFrame({"tables": others["tables"], "reader": reader}).value_counts(sort=False)
    counts: dict[str, Counter] = {}
    for (tables, who), times in reads.items():
        for table in tables.split(", "):
            counts.setdefault(table, Counter())[who] += int(times)
    return counts


@dataclass(frozen=True)
class Flag:
    key: str  # "unregistered", "kept too long", "exposed", "unjustified"
    headline: str
    detail: str


def flags(inventory: Inventory, history: AccessHistory | None) -> list[Flag]:
    """The findings a person should not have to dig for; only those that hold."""
    found = []
    if inventory.unregistered:
        rows = sum(e.postings.rows for e in inventory.unregistered)
        found.append(Flag("unregistered", f"{counted(len(inventory.unregistered), 'table')} nobody declared",
                          f"{counted(rows, 'row')} about you sit in tables missing from the data register: no "
                          "purpose, legal basis or retention period was ever stated for them."))
    if inventory.with_overdue_rows:
        rows = sum(e.postings.overdue_rows for e in inventory.with_overdue_rows)
        found.append(Flag("kept too long", f"{counted(rows, 'row')} kept too long",
                          f"In {counted(len(inventory.with_overdue_rows), 'table')}, rows about you are older than "
                          "the retention period the register promises."))
    if history is not None and history.exposures:
        still = sum(w.end is None for w in history.exposures)
        times = len(history.exposures)
        found.append(Flag("exposed", "Open to all staff " + ("once" if times == 1 else f"{times:,} times"),
                          "Your rows were readable by people whose work does not need them"
                          + (f"; {counted(still, 'window is', 'windows are')} still open." if still else ".")))
    if history is not None and not history.accesses.empty:
        others = history.accesses[~history.accesses["by me"]]
        unjustified = int(others["no justification"].sum())
        if unjustified:
            readers = others.loc[others["no justification"], "who"].nunique()
            found.append(Flag("unjustified", f"{counted(unjustified, 'read')} without a reason",
                              f"{counted(readers, 'reader')} read your data without recording why."))
    return found


@dataclass(frozen=True)
class Overview:
    kinds: tuple[KindOfData, ...]
    flags: tuple[Flag, ...]
    glossary: Glossary


def overview(backend: Backend, principal: Principal, inventory: Inventory,
             history_of: Callable[[], AccessHistory] | None = None) -> Overview:
    """The person's data per kind and their flags. Who read what comes from
    their access history (`history_of`, where the caller keeps one; read
    here otherwise), for those the policy lets see it."""
    history = ((history_of or (lambda: access_history(backend, principal)))()
               if allowed(principal, VIEW_OWN_ACCESS_LOG, Resource.about(principal.employee_id)) else None)
    glossary = backend.register.glossary
    return Overview(tuple(kinds_of_data(inventory, glossary, history)), tuple(flags(inventory, history)), glossary)

"""Every read of personal data is recorded in the access ledger before
anything is handed back, by construction.

The functions that return personal data (the inventory, one's own rows,
charts, console results, exports, an HR officer's erasure preview, the
works council's aggregates, the command line's inventory) do their reading
inside `personal_read`: it asks the policy on entry — a denial raises
before anything is read — and appends one entry when the block ends, before
the function returns; if the ledger cannot record, it raises and nothing is
shown. Entries describe the access, never the data.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from auth.policy import NO_SUBJECT, Action, Decision, Resource, ensure
from auth.principal import Principal
from queries.access.ledger import Access, Ledger


class ReadOutsideLedger(RuntimeError):
    """A programming error: personal rows were asked for without a read that records them."""


@dataclass
class Read:
    """What one read touched, filled in by the code that reads."""

    decision: Decision
    tables: list[str] = field(default_factory=list)
    rows: int = 0
    justification: str | None = None
    sql_sha256: str | None = None
    outcome: str | None = None
    seconds: float | None = None
    subjects: tuple[str, ...] = ()
    open: bool = True
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def require(self, subject: str) -> None:
        """Rows about `subject` are read only inside an open read recorded
        for them: the row reader calls this before it touches a file."""
        if not self.open or subject not in self.subjects:
            raise ReadOutsideLedger(f"rows about {subject} were asked for outside a read recorded for them")

    def took(self, tables: Iterable[str], rows: int) -> None:
        """Parts of one read may run side by side (`RowReader.summaries`).
        Each table is listed once, in the order first taken: an inventory at
        L takes a thousand, which a search of the list for each took 2 ms."""
        with self._lock:
            self.tables = list(dict.fromkeys([*self.tables, *tables]))
            self.rows += int(rows)


@contextmanager
def personal_read(ledger: Ledger, principal: Principal, action: Action, subjects: Iterable[str] = (),
                  justification: str | None = None) -> Iterator[Read]:
    """The one way to read personal data (or figures about people): the
    policy decides on entry for the one subject named (none: aggregates or
    a queue), and the read is recorded when the block ends. A block that
    raises records nothing, for it returns nothing."""
    subjects = sorted(set(subjects))
    decision = ensure(principal, action, Resource.about(subjects[0]) if len(subjects) == 1 else NO_SUBJECT)
    read = Read(decision, justification=justification, subjects=tuple(subjects))
    try:
        yield read
        ledger.append(Access(principal.employee_id, decision.role, action.name, tuple(subjects), tuple(read.tables),
                             read.rows, action.purpose, read.justification, read.sql_sha256, read.outcome,
                             None if read.seconds is None else round(read.seconds, 3)))
    finally:
        read.open = False

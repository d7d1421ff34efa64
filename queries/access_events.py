"""Every read of personal data is recorded by the code that reads, in the
access ledger, before anything is handed back.

The functions that return personal data (the inventory, one's own rows,
charts, console results, exports, an HR officer's erasure preview, the
works council's aggregates) take the principal and the policy's decision,
and call `record` here; if the ledger cannot record, they raise and show
nothing. Entries describe the access, never the data.
"""

from __future__ import annotations

from collections.abc import Iterable

from auth.policy import Action, Decision
from auth.principal import Principal
from queries.ledger import Access, Ledger

PURPOSES = {
    "view-own-telemetry": "employee viewing their own data (right of access)",
    "query-own-telemetry": "employee querying their own data in the SQL console (right of access)",
    "export-own-data": "employee exporting a copy of their own data (right of access, portability)",
    "process-deletion": "HR privacy officer reviewing a deletion request",
    "audit-aggregates": "works council oversight of monitoring (aggregates only)",
}


def record(ledger: Ledger, principal: Principal, decision: Decision, action: Action, subjects: Iterable[str],
           tables: Iterable[str], rows: int, justification: str | None = None, sql_sha256: str | None = None,
           outcome: str | None = None, seconds: float | None = None) -> int:
    """Appends one entry and returns its sequence number; raises LedgerError if it cannot."""
    return ledger.append(Access(principal.employee_id, decision.role, action.name, tuple(sorted(set(subjects))),
                                tuple(tables), int(rows), PURPOSES[action.name], justification, sql_sha256,
                                outcome, None if seconds is None else round(seconds, 3)))

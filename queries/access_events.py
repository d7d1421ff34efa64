"""Every read of personal data is an access event, recorded by the code
that reads.

Until the tamper-evident access ledger exists (its own issue), events go
to the `daylight.access` operator log as one JSON line each; this function
is the single place the ledger's append will take over. Events describe
the access, never the data.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

log = logging.getLogger("daylight.access")


@dataclass(frozen=True)
class AccessEvent:
    actor_id: str
    actor_role: str
    subject_id: str
    action: str
    tables: tuple[str, ...]
    rows: int
    purpose: str
    sql_sha256: str | None = None
    at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="milliseconds"))


def record_access(event: AccessEvent) -> None:
    log.info(json.dumps(asdict(event)))

"""Checking the access ledger from the council's page: the public key and
latest checkpoint to take away, and a verification of the whole chain,
optionally against a checkpoint kept earlier."""

from __future__ import annotations

from dataclasses import dataclass

from auth.policy import VERIFY_LEDGER, ensure
from auth.principal import Principal
from queries.access.ledger import Checkpoint, Verification, load_public_key, verify
from queries.backend import Backend


@dataclass(frozen=True)
class LedgerEvidence:
    """What anyone needs to check the ledger outside the portal."""

    public_key_pem: bytes
    latest_checkpoint: Checkpoint | None


class AnchorError(ValueError):
    """The uploaded anchor is not a checkpoint the portal wrote; the message says why."""


def ledger_evidence(backend: Backend, principal: Principal) -> LedgerEvidence:
    ensure(principal, VERIFY_LEDGER)
    return LedgerEvidence(backend.ledger.public_key_pem, backend.ledger.latest_checkpoint())


def verify_ledger(backend: Backend, principal: Principal, anchor_json: str | None = None) -> Verification:
    """Checks the whole ledger with its public key alone, and against an
    anchor (a checkpoint downloaded earlier) when one is given: a ledger cut
    back past the anchor is caught."""
    ensure(principal, VERIFY_LEDGER)
    anchor = None
    if anchor_json:
        try:
            anchor = Checkpoint.from_json(anchor_json)
        except (ValueError, KeyError, TypeError) as problem:
            raise AnchorError(f"this file is not a ledger checkpoint ({problem})") from None
    return verify(backend.ledger.path, load_public_key(backend.ledger.public_key_pem), anchor)

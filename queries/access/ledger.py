"""The access ledger: every read of personal data through the portal, in a
chain that shows any later change.

Each entry is stored as canonical JSON (its body) with
`hash = SHA-256(previous hash || seq || body)`. The tables it names are a
list stored once for all the entries naming it, under the SHA-256 of its
JSON, which the body holds (`tables_sha256`, `table_lists.py`): the hash
covers the list too, and the list is checked against it wherever it is
read. Entries written before lists were stored apart hold their tables in
the body. Every `checkpoint_every` entries the portal signs the latest
hash with an Ed25519 key kept outside the state folder, as AWS CloudTrail
signs its digest files. Anyone holding only the public key can then walk
the chain: a modified, deleted, inserted or reordered entry breaks a hash;
rewriting the hashes as well breaks the next signed checkpoint; cutting
entries off the end leaves a checkpoint pointing past the end, or, if the
checkpoints are cut too, contradicts an anchor (a checkpoint the works
council saved earlier).

An entry describes the access (who, role, when, subjects, tables, row
count, purpose, justification, SHA-256 of the SQL), never the data. It is
committed to disk before `append` returns, and readers of personal data
append before they hand anything back: a read that cannot be recorded
fails.

    daylight ledger verify --public-key KEY.pub [--ledger FILE] [--anchor FILE]
    daylight ledger public-key                 # prints the public key (PEM)
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from queries.access.table_lists import DamagedList, DecodedLists, canonical, named_in, problem_with, stored_form
from queries.state import store as state_store
from queries.state.store import StateStoreError

log = logging.getLogger(__name__)

LEDGER_FILE = "ledger.sqlite"
GENESIS = bytes(32)
CHECKPOINT_CONTEXT = b"daylight-ledger-checkpoint/v1"


class LedgerError(Exception):
    """The ledger cannot record or be read; nothing may be shown until it can."""


@dataclass(frozen=True)
class Access:
    """One read of personal data, as the ledger records it."""

    actor_id: str
    actor_role: str
    action: str
    subjects: tuple[str, ...]
    tables: tuple[str, ...]
    rows: int
    purpose: str
    justification: str | None = None
    sql_sha256: str | None = None
    outcome: str | None = None  # what became of a console statement: ok, refused, error, with the reason's kind
    seconds: float | None = None


@dataclass(frozen=True)
class RecordedAccess:
    seq: int
    at: datetime
    access: Access


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    entry_hash: bytes
    every: int
    signed_at: str
    signature: bytes

    def message(self) -> bytes:
        return b"\n".join([CHECKPOINT_CONTEXT, str(self.seq).encode(), str(self.every).encode(),
                           self.entry_hash.hex().encode(), self.signed_at.encode()])

    def to_json(self) -> str:
        return json.dumps({"seq": self.seq, "entry_hash": self.entry_hash.hex(), "every": self.every,
                           "signed_at": self.signed_at, "signature": self.signature.hex()}, indent=2)

    @staticmethod
    def from_json(text: str) -> Checkpoint:
        raw = json.loads(text)
        return Checkpoint(int(raw["seq"]), bytes.fromhex(raw["entry_hash"]), int(raw["every"]), raw["signed_at"],
                          bytes.fromhex(raw["signature"]))


def _body(at: str, access: Access, tables_sha256: str) -> bytes:
    described = {"at": at, **vars(access), "tables_sha256": tables_sha256}
    del described["tables"]
    return canonical(described)


def _stored_lists(db: sqlite3.Connection, wanted: list[str]) -> dict[str, bytes]:
    """The stored lists of tables of those SHA-256s (hex) that exist, as stored."""
    return dict(state_store.run(db, "ledger/table_lists", {"wanted": json.dumps(wanted)}))


def _chain(previous: bytes, seq: int, body: bytes) -> bytes:
    return hashlib.sha256(previous + seq.to_bytes(8, "big") + body).digest()


def _parse(seq: int, raw: dict, lists: dict[str, tuple[str, ...]]) -> RecordedAccess:
    """An entry from its decoded body and the lists of tables it may name."""
    at = datetime.fromisoformat(raw.pop("at"))
    named = raw.pop("tables_sha256", None)
    raw["subjects"], raw["tables"] = tuple(raw["subjects"]), lists[named] if named else tuple(raw["tables"])
    return RecordedAccess(seq, at, Access(**raw))


def public_key_path(signing_key: Path) -> Path:
    return signing_key.with_name(signing_key.name + ".pub")


def load_or_create_signing_key(path: Path) -> Ed25519PrivateKey:
    """The key is created once, readable by the portal's user only, with its
    public half beside it. A damaged key is reported, never replaced: a new
    key would make every earlier checkpoint unverifiable."""
    path = Path(path)
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except FileNotFoundError:
        key = Ed25519PrivateKey.generate()
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as out:
            out.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption()))
    except (ValueError, TypeError, OSError) as problem:
        raise LedgerError(f"the ledger signing key {path} cannot be read ({problem}); restore it from backup") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise LedgerError(f"the ledger signing key {path} is not an Ed25519 key")
    public = public_key_path(path)
    if not public.exists():
        public.write_bytes(public_pem(key.public_key()))
    return key


def public_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(pem)
    except ValueError as problem:
        raise LedgerError(f"not a public key in PEM form ({problem})") from None
    if not isinstance(key, Ed25519PublicKey):
        raise LedgerError("the public key is not an Ed25519 key")
    return key


class Ledger:
    def __init__(self, state_dir: Path, signing_key: Ed25519PrivateKey, checkpoint_every: int, durable: bool = True):
        self.path = Path(state_dir) / LEDGER_FILE
        try:
            self._connection = state_store.connect(self.path, "ledger/schema", durable=durable)
        except StateStoreError as problem:
            raise LedgerError(f"the access ledger cannot be opened: {problem}") from None
        self._key = signing_key
        self._every = checkpoint_every
        self._lock = threading.Lock()
        self._months: tuple[int, frozenset[str]] = (0, frozenset())  # (through entry, months): see `months`
        self._lists = DecodedLists(lambda wanted: _stored_lists(self._connection, wanted))

    @property
    def public_key_pem(self) -> bytes:
        return public_pem(self._key.public_key())

    def append(self, access: Access, at: datetime | None = None) -> int:
        """Records `access` durably and returns its sequence number."""
        stamp = (at or datetime.now(UTC)).isoformat(timespec="milliseconds")
        tables_sha256, listed = stored_form(access.tables)
        body = _body(stamp, access, tables_sha256)
        try:
            with self._lock, state_store.transaction(self._connection) as db:
                head = state_store.run(db, "ledger/head")
                seq, previous = (head[0][0] + 1, head[0][1]) if head else (1, GENESIS)
                entry_hash = _chain(previous, seq, body)
                state_store.run(db, "ledger/append_table_list", {"sha256": tables_sha256, "tables": listed})
                state_store.run(db, "ledger/append_entry", {"seq": seq, "body": body, "hash": entry_hash})
                for subject in sorted(set(access.subjects)):
                    state_store.run(db, "ledger/append_subject", {"subject_id": subject, "seq": seq})
                if seq % self._every == 0:
                    self._sign(db, seq, entry_hash, stamp)
                return seq
        except sqlite3.Error as problem:
            log.error("ledger append failed: %s", problem)
            raise LedgerError(f"the access could not be recorded ({problem})") from None

    def _sign(self, db: sqlite3.Connection, seq: int, entry_hash: bytes, stamp: str) -> None:
        unsigned = Checkpoint(seq, entry_hash, self._every, stamp, b"")
        signature = self._key.sign(unsigned.message())
        state_store.run(db, "ledger/append_checkpoint", {
            "seq": seq, "entry_hash": entry_hash, "every": self._every, "signed_at": stamp, "signature": signature})

    def sign(self, data: bytes) -> bytes:
        """Signs a document the portal issues (a deletion receipt) with the ledger's key."""
        return self._key.sign(data)

    def entries_about(self, subject_id: str, after: int = 0) -> list[RecordedAccess]:
        """The entries about `subject_id`, in order; with `after`, only those
        recorded after that entry. An entry's number is taken in the
        transaction that writes it (`append`), so no entry can later appear
        before one already read."""
        try:
            return self._recorded(state_store.run(self._connection, "ledger/entries_about",
                                                  {"subject_id": subject_id, "after": after}))
        except sqlite3.Error as problem:
            raise LedgerError(f"the access ledger cannot be read ({problem})") from None

    def entries(self) -> list[RecordedAccess]:
        """The whole ledger, for aggregates over it."""
        try:
            return self._recorded((seq, body) for seq, body, _ in state_store.run(self._connection, "ledger/chain"))
        except sqlite3.Error as problem:
            raise LedgerError(f"the access ledger cannot be read ({problem})") from None

    def _recorded(self, rows: Iterable[tuple[int, bytes]]) -> list[RecordedAccess]:
        try:
            decoded = [(seq, json.loads(body)) for seq, body in rows]
            lists = self._lists.get({raw["tables_sha256"] for _, raw in decoded if "tables_sha256" in raw})
            return [_parse(seq, raw, lists) for seq, raw in decoded]
        except (DamagedList, ValueError, KeyError, TypeError) as problem:
            log.error("ledger entry unreadable: %r", problem)
            raise LedgerError("the access ledger is damaged: an entry or a list of tables it names cannot be read; "
                              "run `daylight ledger verify`") from None

    def months(self) -> set[str]:
        """The calendar months ("2026-10") in which accesses were recorded.
        Entries are only appended, so the months found are kept and only the
        entries after them read again: every view of the council's page
        asks, and reading the whole ledger took 0.1 s at L and grows with it."""
        through, found = self._months
        try:
            rows = state_store.run(self._connection, "ledger/months_after", {"after": through})
        except sqlite3.Error as problem:
            raise LedgerError(f"the access ledger cannot be read ({problem})") from None
        if rows:
            found = found | {month for month, _ in rows if month}
            self._months = (max(last for _, last in rows), found)
        return set(found)

    def latest_checkpoint(self) -> Checkpoint | None:
        rows = state_store.run(self._connection, "ledger/checkpoints")
        return Checkpoint(*rows[-1]) if rows else None

    def close(self) -> None:
        self._connection.close()


@dataclass(frozen=True)
class Verification:
    entries: int
    checkpoints: int
    unsigned_tail: int
    first_broken: int | None = None
    problem: str | None = None

    @property
    def intact(self) -> bool:
        return self.problem is None

    def summary(self) -> str:
        if self.intact:
            tail = (f"; the last {self.unsigned_tail} entries are chained but not yet covered by a signed checkpoint"
                    if self.unsigned_tail else "")
            return f"ledger intact: {self.entries} entries, {self.checkpoints} signed checkpoints verified{tail}"
        return f"ledger BROKEN at entry {self.first_broken}: {self.problem}"


def verify(ledger_file: Path, public_key: Ed25519PublicKey, anchor: Checkpoint | None = None) -> Verification:
    """Walks the whole chain with the public key alone; stops at the first
    broken entry and names it."""
    if not Path(ledger_file).is_file():
        raise LedgerError(f"no ledger at {ledger_file}")
    try:
        db = state_store.connect(Path(ledger_file), "ledger/schema", read_only=True)
        try:
            checkpoints = [Checkpoint(*row) for row in state_store.run(db, "ledger/checkpoints")]
            return _walk(state_store.stream(db, "ledger/chain"), checkpoints, public_key, anchor,
                         lambda sha256: _stored_lists(db, [sha256]).get(sha256))
        finally:
            db.close()
    except (sqlite3.Error, StateStoreError) as problem:
        raise LedgerError(f"the ledger {ledger_file} cannot be read: {problem}") from None


def _walk(rows, checkpoints: list[Checkpoint], public_key: Ed25519PublicKey, anchor: Checkpoint | None,
          stored_list: Callable[[str], bytes | None]) -> Verification:
    """`stored_list`: the list of tables stored under a SHA-256, or None."""
    signed: dict[int, Checkpoint] = {}
    lists_checked: set[str] = set()
    for checkpoint in checkpoints + ([anchor] if anchor else []):
        try:
            public_key.verify(checkpoint.signature, checkpoint.message())
        except InvalidSignature:
            source = "the anchor" if checkpoint is anchor else f"the checkpoint at entry {checkpoint.seq}"
            return Verification(0, 0, 0, checkpoint.seq, f"{source} does not carry a valid signature "
                                                         "(forged or altered)")
        if checkpoint is not anchor:
            signed[checkpoint.seq] = checkpoint
    every = {c.every for c in signed.values()}
    if len(every) > 1:
        return Verification(0, 0, 0, min(signed), f"signed checkpoints disagree on their interval {sorted(every)}")
    previous, expected, last_signed = GENESIS, 1, 0
    for seq, body, stored in rows:
        if seq != expected:
            return Verification(expected - 1, len(signed), 0, expected,
                                f"entry {expected} is missing (deleted, or the entries after it renumbered)")
        entry_hash = _chain(previous, seq, body)
        if entry_hash != stored:
            return Verification(seq - 1, len(signed), 0, seq, "the entry does not match its hash "
                                                              "(modified, inserted or moved)")
        checkpoint = signed.get(seq)
        if checkpoint is not None:
            if checkpoint.entry_hash != entry_hash:
                return Verification(seq - 1, len(signed), 0, last_signed + 1,
                                    f"entries {last_signed + 1}–{seq} were changed after checkpoint {seq} was signed "
                                    "(their hashes were rewritten to hide it)")
            last_signed = seq
        if anchor is not None and seq == anchor.seq and anchor.entry_hash != entry_hash:
            return Verification(seq - 1, len(signed), 0, seq, "the entry differs from the saved anchor")
        named = named_in(body)
        if named is not None and named not in lists_checked:
            problem = problem_with(named, stored_list(named))
            if problem:
                return Verification(seq - 1, len(signed), 0, seq, f"the list of tables the entry names {problem}")
            lists_checked.add(named)
        previous, expected = entry_hash, expected + 1
    count = expected - 1
    beyond = max([c.seq for c in signed.values()] + [anchor.seq if anchor else 0])
    if beyond > count:
        return Verification(count, len(signed), 0, count + 1,
                            f"the ledger ends at entry {count} but a signed checkpoint covers entry {beyond}: "
                            f"entries {count + 1}–{beyond} were cut off")
    interval = every.pop() if every else None
    if interval:
        missing = [n for n in range(interval, count + 1, interval) if n not in signed]
        if missing:
            return Verification(count, len(signed), 0, missing[0], f"the signed checkpoint at entry {missing[0]} "
                                                                    "is missing")
    return Verification(count, len(signed), count - last_signed)

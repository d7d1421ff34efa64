"""The access ledger: durable appends, and a verifier that holds only the
public key and catches every kind of tampering, naming the first broken
entry. The tampering is done the way an attacker with write access to the
state folder would do it: with SQL on the real SQLite file."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from queries.access.ledger import (GENESIS, Access, Checkpoint, Ledger, LedgerError, _chain, load_or_create_signing_key,
                                   load_public_key, public_key_path, verify)

ROOT = Path(__file__).resolve().parent.parent
EVERY = 10


def access(n: int, subject: str = "E00001") -> Access:
    return Access(f"E{n % 7:05d}", "employee", "view-own-telemetry", (subject,), (f"db.table_{n % 3}",), n,
                  "employee viewing their own data", None, None)


@pytest.fixture
def keys(tmp_path):
    return load_or_create_signing_key(tmp_path / "keys" / "ledger.pem")


@pytest.fixture
def ledger(tmp_path, keys):
    opened = Ledger(tmp_path / "state", keys, EVERY)
    for n in range(1, 46):
        opened.append(access(n))
    yield opened
    opened.close()


def tamper(ledger: Ledger, *statements: tuple[str, tuple]) -> None:
    with sqlite3.connect(ledger.path) as db:
        for statement, params in statements:
            db.execute(statement, params)


def rows(ledger: Ledger) -> list[tuple[int, bytes, bytes]]:
    with sqlite3.connect(ledger.path) as db:
        return db.execute("SELECT seq, body, hash FROM entries ORDER BY seq").fetchall()


def check(ledger: Ledger, keys, anchor=None):
    """Verifies with the public key as published beside the signing key."""
    return verify(ledger.path, load_public_key(public_key_path(keys_path(ledger)).read_bytes()), anchor)


def keys_path(ledger: Ledger) -> Path:
    return ledger.path.parent.parent / "keys" / "ledger.pem"


def test_an_untouched_ledger_verifies(ledger, keys):
    result = check(ledger, keys)
    assert result.intact, result.summary()
    assert (result.entries, result.checkpoints, result.unsigned_tail) == (45, 4, 5)


def test_entries_are_durable_and_readable_by_subject(ledger, tmp_path, keys):
    ledger.close()
    reopened = Ledger(tmp_path / "state", keys, EVERY)
    found = reopened.entries_about("E00001")
    assert [e.seq for e in found] == list(range(1, 46))
    assert found[4].access == access(5)
    assert reopened.entries_about("E99999") == []
    assert reopened.append(access(46)) == 46
    assert [e.seq for e in reopened.entries_about("E00001", after=44)] == [45, 46]
    assert reopened.entries_about("E00001", after=46) == []


def test_the_months_of_the_ledger_include_every_entry_recorded_since_they_were_asked(ledger, tmp_path, keys):
    """The months found are kept and only later entries are read again:
    an entry recorded afterwards, by this process or another, for a month
    earlier or later than any before, is never missed."""
    before = ledger.months()
    assert before and ledger.months() == before
    ledger.append(access(46), datetime(2025, 3, 9, tzinfo=UTC))
    elsewhere = Ledger(tmp_path / "state", keys, EVERY)
    elsewhere.append(access(47), datetime(2027, 1, 2, tzinfo=UTC))
    elsewhere.close()
    assert ledger.months() == before | {"2025-03", "2027-01"}
    reopened = Ledger(tmp_path / "state", keys, EVERY)
    assert reopened.months() == ledger.months()
    reopened.close()


def test_a_modified_entry_is_named(ledger, keys):
    seq, body, _ = rows(ledger)[16]
    tamper(ledger, ("UPDATE entries SET body = ? WHERE seq = ?", (body.replace(b'"rows":17', b'"rows":0'), seq)))
    result = check(ledger, keys)
    assert not result.intact and result.first_broken == 17


def test_a_modified_entry_with_rewritten_hashes_is_caught_by_the_next_checkpoint(ledger, keys):
    chain = rows(ledger)
    previous, rewritten = GENESIS, []
    for seq, body, _ in chain:
        if seq == 23:
            body = body.replace(b'"rows":23', b'"rows":0')
        previous = _chain(previous, seq, body)
        rewritten.append(("UPDATE entries SET body = ?, hash = ? WHERE seq = ?", (body, previous, seq)))
    tamper(ledger, *rewritten)
    result = check(ledger, keys)
    assert not result.intact and result.first_broken == 21
    assert "after checkpoint 30 was signed" in result.problem


def test_a_deleted_entry_is_named(ledger, keys):
    tamper(ledger, ("DELETE FROM entries WHERE seq = 12", ()))
    assert check(ledger, keys).first_broken == 12


def test_a_deleted_entry_with_the_rest_renumbered_is_named(ledger, keys):
    tamper(ledger, ("DELETE FROM entries WHERE seq = 12", ()),
           ("UPDATE entries SET seq = seq - 1 WHERE seq > 12", ()))
    assert check(ledger, keys).first_broken == 12


def test_an_inserted_entry_is_named(ledger, keys):
    _, body, stored = rows(ledger)[7]
    tamper(ledger, ("UPDATE entries SET seq = -seq - 1 WHERE seq >= 8", ()),
           ("UPDATE entries SET seq = -seq WHERE seq < 0", ()),
           ("INSERT INTO entries (seq, body, hash) VALUES (8, ?, ?)", (body.replace(b"E00001", b"E00002"), stored)))
    result = check(ledger, keys)
    assert not result.intact and result.first_broken == 8


def test_reordered_entries_are_named(ledger, keys):
    chain = rows(ledger)
    (a, body_a, hash_a), (b, body_b, hash_b) = chain[4], chain[5]
    tamper(ledger, ("UPDATE entries SET body = ?, hash = ? WHERE seq = ?", (body_b, hash_b, a)),
           ("UPDATE entries SET body = ?, hash = ? WHERE seq = ?", (body_a, hash_a, b)))
    assert check(ledger, keys).first_broken == 5


def test_a_truncated_ledger_is_caught_by_its_checkpoints(ledger, keys):
    tamper(ledger, ("DELETE FROM entries WHERE seq > 25", ()))
    result = check(ledger, keys)
    assert not result.intact and result.first_broken == 26 and "cut off" in result.problem


def test_a_truncated_ledger_with_its_checkpoints_is_caught_by_an_anchor(ledger, keys):
    anchor = ledger.latest_checkpoint()
    tamper(ledger, ("DELETE FROM entries WHERE seq > 25", ()), ("DELETE FROM checkpoints WHERE seq > 25", ()))
    assert check(ledger, keys).intact, "without an anchor, a clean cut after a checkpoint looks like an older ledger"
    result = check(ledger, keys, anchor)
    assert not result.intact and result.first_broken == 26


def test_a_deleted_checkpoint_is_named(ledger, keys):
    tamper(ledger, ("DELETE FROM checkpoints WHERE seq = 20", ()))
    assert check(ledger, keys).first_broken == 20


def test_a_forged_checkpoint_is_refused(ledger, keys):
    forger = Ed25519PrivateKey.generate()
    forged = Checkpoint(40, rows(ledger)[39][2], EVERY, "2026-01-01T00:00:00.000+00:00", b"")
    tamper(ledger, ("UPDATE checkpoints SET signature = ?, signed_at = ? WHERE seq = 40",
                    (forger.sign(forged.message()), forged.signed_at)))
    result = check(ledger, keys)
    assert not result.intact and result.first_broken == 40 and "signature" in result.problem


def test_a_ledger_rebuilt_with_another_key_is_refused(ledger, keys, tmp_path):
    impostor = Ledger(tmp_path / "other", Ed25519PrivateKey.generate(), EVERY)
    for n in range(1, 21):
        impostor.append(access(n))
    result = verify(impostor.path, keys.public_key())
    assert not result.intact and "signature" in result.problem


def test_concurrent_appends_keep_one_chain(ledger, keys):
    def writer(offset):
        for n in range(40):
            ledger.append(access(1000 + offset * 100 + n))

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result = check(ledger, keys)
    assert result.intact and result.entries == 45 + 160


def test_appends_from_two_processes_keep_one_chain(ledger, keys, tmp_path):
    script = ("import sys; from pathlib import Path; from queries.access.ledger import *; "
              "l = Ledger(Path(sys.argv[1]), load_or_create_signing_key(Path(sys.argv[2])), 10); "
              "[l.append(Access('E1', 'employee', 'x', ('E1',), ('t',), n, 'p')) for n in range(50)]")
    processes = [subprocess.Popen([sys.executable, "-c", script, str(ledger.path.parent), str(keys_path(ledger))],
                                  cwd=ROOT, env={"PYTHONPATH": str(ROOT)}) for _ in range(2)]
    assert all(p.wait(60) == 0 for p in processes)
    assert check(ledger, keys).entries == 145


def test_the_signing_key_is_private_and_never_replaced(tmp_path):
    path = tmp_path / "keys" / "ledger.pem"
    key = load_or_create_signing_key(path)
    assert path.stat().st_mode & 0o077 == 0
    assert load_or_create_signing_key(path).public_key() == key.public_key()
    path.write_text("garbage")
    with pytest.raises(LedgerError, match="restore it from backup"):
        load_or_create_signing_key(path)


def test_a_corrupt_ledger_file_is_reported_not_replaced(tmp_path, keys):
    state = tmp_path / "state"
    state.mkdir()
    (state / "ledger.sqlite").write_bytes(b"not a database at all" * 100)
    with pytest.raises(LedgerError, match="cannot be opened"):
        Ledger(state, keys, EVERY)
    assert (state / "ledger.sqlite").read_bytes().startswith(b"not a database")


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(Path(sys.executable).parent / "daylight"), "ledger", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


def test_the_command_verifies_with_the_public_key_alone(ledger, keys, tmp_path):
    public = tmp_path / "council.pub"
    public.write_bytes(ledger.public_key_pem)
    intact = cli("verify", "--ledger", str(ledger.path), "--public-key", str(public))
    assert intact.returncode == 0 and "ledger intact: 45 entries" in intact.stdout
    anchor = tmp_path / "anchor.json"
    anchor.write_text(ledger.latest_checkpoint().to_json())
    tamper(ledger, ("DELETE FROM entries WHERE seq = 33", ()))
    broken = cli("verify", "--ledger", str(ledger.path), "--public-key", str(public), "--anchor", str(anchor))
    assert broken.returncode == 1 and "BROKEN at entry 33" in broken.stdout
    missing = cli("verify", "--ledger", str(tmp_path / "none.sqlite"), "--public-key", str(public))
    assert missing.returncode == 2 and "no ledger" in missing.stderr and "Traceback" not in missing.stderr
    bad_key = tmp_path / "bad.pub"
    bad_key.write_text("nonsense")
    refused = cli("verify", "--ledger", str(ledger.path), "--public-key", str(bad_key))
    assert refused.returncode == 2 and "not a public key" in refused.stderr


def test_entries_hold_no_data_only_its_description(ledger):
    body = json.loads(rows(ledger)[0][1])
    assert set(body) == {"at", "actor_id", "actor_role", "action", "subjects", "tables_sha256", "rows", "purpose",
                         "justification", "sql_sha256", "outcome", "seconds"}
    assert json.loads(table_lists(ledger)[body["tables_sha256"]]) == ["db.table_1"]


def table_lists(ledger: Ledger) -> dict[str, bytes]:
    with sqlite3.connect(ledger.path) as db:
        return dict(db.execute("SELECT sha256, tables FROM table_lists").fetchall())


def test_each_list_of_tables_is_stored_once_and_read_back_with_its_entries(ledger, keys):
    assert len(table_lists(ledger)) == 3, "45 entries name 3 lists"
    assert [e.access.tables for e in ledger.entries_about("E00001")] == [(f"db.table_{n % 3}",) for n in range(1, 46)]
    assert [e.access for e in ledger.entries()] == [access(n) for n in range(1, 46)]
    assert check(ledger, keys).intact


def test_an_inventory_of_a_thousand_tables_is_stored_once_not_in_every_entry(tmp_path, keys):
    opened = Ledger(tmp_path / "state", keys, EVERY)
    wide = Access("E00001", "employee", "view-own-telemetry", ("E00001",), tuple(f"db{n % 9}.table_{n}" for n in
                  range(1000)), 5, "employee viewing their own data")
    for _ in range(30):
        opened.append(wide)
    bodies = [body for _, body, _ in rows(opened)]
    assert len(bodies) == 30 and max(len(body) for body in bodies) < 500
    assert len(table_lists(opened)) == 1
    assert {e.access for e in Ledger(tmp_path / "state", keys, EVERY).entries_about("E00001")} == {wide}
    assert check(opened, keys).intact
    opened.close()


def test_a_modified_list_of_tables_is_named_and_never_shown(ledger, keys, tmp_path):
    named = json.loads(rows(ledger)[1][1])["tables_sha256"]
    tamper(ledger, ("UPDATE table_lists SET tables = ? WHERE sha256 = ?", (b'["db.table_9"]', named)))
    result = check(ledger, keys)
    assert not result.intact and result.first_broken == 2
    assert "list of tables the entry names does not match its hash" in result.problem
    with pytest.raises(LedgerError, match="damaged"):
        Ledger(tmp_path / "state", keys, EVERY).entries_about("E00001")


def test_a_deleted_list_of_tables_is_named_and_never_shown(ledger, keys, tmp_path):
    named = json.loads(rows(ledger)[2][1])["tables_sha256"]
    tamper(ledger, ("DELETE FROM table_lists WHERE sha256 = ?", (named,)))
    result = check(ledger, keys)
    assert not result.intact and result.first_broken == 3 and "is missing" in result.problem
    with pytest.raises(LedgerError, match="damaged"):
        Ledger(tmp_path / "state", keys, EVERY).entries()


@pytest.mark.parametrize("body", [b"not json", b'{"at": "2026-11-01T10:00:00.000+00:00"}', b"[]"])
def test_an_entry_that_cannot_be_read_is_reported_never_shown(ledger, keys, tmp_path, body):
    tamper(ledger, ("UPDATE entries SET body = ? WHERE seq = ?", (body, 7)))
    with pytest.raises(LedgerError, match="damaged"):
        Ledger(tmp_path / "state", keys, EVERY).entries_about("E00001")
    result = check(ledger, keys)
    assert not result.intact and result.first_broken == 7


def test_entries_written_with_their_tables_inline_still_read_and_verify(tmp_path, keys):
    """A ledger from before lists were stored apart: its entries keep their
    tables in the body, and new entries chain after them."""
    opened = Ledger(tmp_path / "state", keys, EVERY)
    previous, old = GENESIS, []
    for seq in range(1, 6):
        body = json.dumps({"at": f"2026-11-0{seq}T10:00:00.000+00:00", **vars(access(seq))}, sort_keys=True,
                          separators=(",", ":"), ensure_ascii=False).encode()
        previous = _chain(previous, seq, body)
        old += [("INSERT INTO entries (seq, body, hash) VALUES (?, ?, ?)", (seq, body, previous)),
                ("INSERT INTO entry_subjects (subject_id, seq) VALUES (?, ?)", ("E00001", seq))]
    tamper(opened, *old)
    for n in range(6, 16):
        opened.append(access(n))
    assert [e.access for e in opened.entries_about("E00001")] == [access(n) for n in range(1, 16)]
    result = check(opened, keys)
    assert result.intact and result.entries == 15 and result.checkpoints == 1
    opened.close()

"""Erasure: deleting one employee from the warehouse so that the bytes are gone.

Which rows go is decided in `queries/erasure/plan.py`; one file is
rewritten by `queries/erasure/rewrite.py`.

**How.** Each file holding the subject (the subject index says which) is
read once, rewritten without them beside the original under a hidden name,
synced to disk, and renamed over it (on object storage, copied over it and
deleted): readers see the old file or the new one, never half of either.
Files are written `erasure.workers` at a time; the journal in the state
store, kept by one thread in its own order, records each file's step
(planned → written → swapped, with the new file's SHA-256), so a crash at any point is resumed by running again: a written
file is swapped, a swapped one skipped, an interrupted write redone from
the original, which is untouched until the rename. One erasure runs at a
time (a lock file), so two requests touching the same files cannot
interleave, and an unfinished one is always resumed before a new one
starts.

**Verification** (`queries/erasure/check.py`) runs once every file is swapped;
its result goes into a receipt signed with the ledger's key, and into the
ledger.

The HR screen runs it in a background thread of the portal (`start`). A
portal process that reads a published copy of the subject index leaves it
to the process that writes the index, which takes up every started erasure
(`take_up_started`). With the portal stopped, operators can run or resume
it from the command line:

    daylight erasure run DR-…
    daylight erasure status DR-…
"""

from __future__ import annotations

import fcntl
import json
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from auth.policy import ERASE
from auth.principal import Role
from queries.access.ledger import Access
from queries.backend import Backend
from queries.discovery.catalog import Catalog
from queries.discovery.directory import Employee
from queries.erasure.check import verify_erasure
from queries.erasure.journal import ErasureJournal, JournalEntry, table_entry
from queries.erasure.plan import ErasureError, TablePlan, plan
from queries.erasure.requests import Move, Request, RequestError, State
from queries.erasure.rewrite import Written, temp_path, write_new
from queries.erasure.table_run import erase_tables
from queries.warehouse.engine import RowRuns
from queries.warehouse.storage import Storage

log = logging.getLogger(__name__)

LOCK_FILE = "erasure.lock"
RETAINED = ("Kept, because they are the record of who read your data and that it was deleted, and hold none of "
            "its content: the access ledger, the warehouse's audit events, how many of your rows each table held "
            "on each day (so that reads of it stay attributed to you), and the records of this request (its "
            "history and this receipt).")


class _Lock:
    """One erasure at a time, across processes."""

    def __init__(self, state_dir: Path):
        self._path = Path(state_dir) / LOCK_FILE

    def __enter__(self):
        self._file = open(self._path, "a")
        fcntl.flock(self._file, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        fcntl.flock(self._file, fcntl.LOCK_UN)
        self._file.close()


Step = Callable[[str], None]

_RUNNING: dict[str, threading.Thread] = {}
_RUNNING_LOCK = threading.Lock()


def start(backend: Backend, request_id: str) -> bool:
    """Runs an erasure in a background thread of the portal. Not a separate
    process: DuckDB lets one process open the subject index for writing, and
    the portal holds it. The journal makes a portal restart harmless (resume
    from the HR screen, or `daylight erasure run` with the portal
    stopped). False when it is already running here. A process reading a
    copy of the index starts nothing: the writer takes the request up."""
    if not backend.index.writable:
        return True
    with _RUNNING_LOCK:
        if running(request_id):
            return False
        thread = threading.Thread(target=_run_in_background, args=(backend, request_id),
                                  name=f"erasure {request_id}", daemon=True)
        _RUNNING[request_id] = thread
        thread.start()
        return True


def running(request_id: str) -> bool:
    thread = _RUNNING.get(request_id)
    return bool(thread and thread.is_alive())


def under_way(backend: Backend, request: Request) -> bool:
    """Running in this process, or, in a process reading a copy of the index,
    started and so the writer's to run; False for an interrupted erasure,
    which an officer resumes."""
    if not backend.index.writable:
        return request.state is State.EXECUTING
    return running(request.request_id)


def take_up_started(backend: Backend) -> list[str]:
    """In the process that writes the index (`state.index_role = "writer"`),
    every few seconds: starts the erasures officers started in the reading
    processes, which wait as executing requests, and resumes any this
    process was running when it stopped. Returns those started now."""
    return [request_id for request_id in backend.requests.executing() if start(backend, request_id)]


def keep_taking_up(backend: Backend, seconds: float) -> None:
    """`take_up_started` every `seconds` until the backend closes: how long an
    officer in a reading process waits, at most, for their erasure to start."""
    backend.repeat("daylight-erasures", seconds, lambda: take_up_started(backend))


def _run_in_background(backend: Backend, request_id: str) -> None:
    try:
        execute(backend, request_id)
    except ErasureError as problem:
        log.error("%s", problem)


def execute(backend: Backend, request_id: str, on_step: Step = lambda name: None,
            progress: Callable[[int, int], None] = lambda d, t: None) -> Request:
    """Runs (or resumes) a request an officer has started, to the end; a
    completed one is left as it is. `on_step` is called before each durable
    step: the tests crash there."""
    if not backend.index.writable:
        raise ErasureError("this process reads a published copy of the subject index, which an erasure must update: "
                           "erasures run in the process that writes it (state.index_role = writer)")
    with _Lock(backend.settings.state.path):
        for unfinished in backend.requests.executing():
            if unfinished != request_id:
                _run(backend, backend.requests.get(unfinished), on_step, progress)
        request = backend.requests.get(request_id)
        if request.state is State.COMPLETED:
            return request
        if request.state is not State.EXECUTING:
            raise ErasureError(f"request {request_id} is {request.state.value}; an HR privacy officer starts "
                               "approved requests")
        return _run(backend, request, on_step, progress)


def _run(backend: Backend, request: Request, on_step: Step,
         progress: Callable[[int, int], None]) -> Request:
    try:
        return _erase(backend, request, on_step, progress)
    except Exception as problem:
        if isinstance(problem, (OSError, ErasureError, RequestError)):
            log.error("erasure of %s failed: %s", request.request_id, problem)
        else:
            log.exception("erasure of %s failed unexpectedly", request.request_id)
        backend.requests.transition(None, request.request_id, Move.FAIL, f"stopped: {problem}; run again to resume")
        raise ErasureError(f"the erasure stopped ({problem}); it resumes where it stopped when run again") from None


def _erase(backend: Backend, request: Request, on_step: Step,
           progress: Callable[[int, int], None]) -> Request:
    employee = backend.directory.by_id(request.subject_id)
    if employee is None:
        raise ErasureError(f"{request.subject_id} is not in the directory")
    tables = plan(backend, request)
    steps = backend.journal
    if not steps.entries(request.request_id):
        on_step("plan")
        erased = {t.table for t in tables if t.erase}
        backend.audit.retain_holdings(employee.employee_id, [
            held for held in backend.index.daily_rows(employee.employee_id) if held[0] in erased])
        steps.plan(request.request_id,
                   [(f, t.table) for t in tables if t.erase and not t.whole_table for f in t.files] +
                   [(table_entry(t.table), t.table) for t in tables if t.erase and t.whole_table])
    catalog = backend.catalog()
    erased = {t.table for t in tables if t.erase}
    unchanged = backend.index.unchanged(backend.warehouse, catalog, sorted(erased))
    _rewrite(backend, request.request_id, catalog, employee, backend.index.row_runs(employee.employee_id, unchanged),
             on_step, progress)
    erase_tables(backend, request.request_id, catalog, employee, tables, on_step)
    on_step("verify")
    backend.erased(employee.employee_id, catalog, erased, steps.others_named(request.request_id), set(unchanged))
    entries = steps.entries(request.request_id)
    verification = verify_erasure(backend, employee, tables, {e.file: e.distinctive for e in entries})
    receipt = _receipt(backend, request, employee, tables, entries, steps.notes(request.request_id), verification)
    on_step("receipt")
    backend.requests.save_receipt(request.request_id, receipt)
    if not steps.wipe(request.request_id):
        log.error("the state store's log could not be emptied after %s: wiped values stay in it until its next "
                  "checkpoint", request.request_id)
    outcome = "verified: nothing left" if verification["passed"] else "verification FAILED"
    return backend.requests.transition(None, request.request_id, Move.COMPLETE, outcome)


def _resumed_step(steps: ErasureJournal, storage: Storage, request_id: str, entry: JournalEntry) -> str:
    """A file journalled as written whose temporary copy is gone was either
    swapped (the crash came before the journal said so; it is journalled
    now) or must be written again."""
    if entry.step != "written" or storage.stat(temp_path(entry.file)):
        return entry.step
    if not storage.stat(entry.file) or storage.sha256(entry.file) != entry.new_sha256:
        return "planned"
    steps.set_step(request_id, entry.file, "swapped", entry.new_sha256, _counts(entry))
    return "swapped"


def _counts(file: JournalEntry | Written) -> dict:
    """What the journal keeps of a file's rewrite, from the rewrite or from an earlier journal entry."""
    return {"rows_deleted": file.rows_deleted, "rows_redacted": file.rows_redacted,
            "distinctive": json.dumps(file.distinctive)}


def _rewrite(backend: Backend, request_id: str, catalog: Catalog, employee: Employee, runs: dict[str, RowRuns],
             on_step: Step, progress: Callable[[int, int], None]) -> None:
    """Files are written `erasure.workers` at a time, a few ahead of the
    swaps; journalling and swapping stay in this thread in the journal's
    order. The rows to delete are found for all of a table's planned files at
    once, when the first of them is due, from their untouched originals: in
    a file `runs` names (file → where the index found the subject, in tables
    unchanged since it read them), only in those rows; in any other, in every
    row. A crash leaves the files being written journalled as planned: their
    originals are untouched, and they are searched and written again on
    resume."""
    steps, storage = backend.journal, backend.warehouse.storage
    entries = [replace(e, step=_resumed_step(steps, storage, request_id, e)) for e in steps.entries(request_id)
               if not e.whole_table]
    workers = backend.settings.erasure.workers
    planned = [e for e in entries if e.step == "planned"]
    unsearched: dict[str, list[str]] = {}
    for e in planned:
        unsearched.setdefault(e.table, []).append(e.file)
    positions: dict[str, list[int]] = {}
    writing: dict[str, Future] = {}
    pool = ThreadPoolExecutor(workers, thread_name_prefix="erasure")
    try:
        upcoming_files = iter(planned)
        for done, entry in enumerate(entries, start=1):
            while len(writing) < 2 * workers and (upcoming := next(upcoming_files, None)):
                if upcoming.file not in positions:
                    positions.update(backend.finder.rows_naming_in_files(
                        catalog.get(upcoming.table), unsearched.pop(upcoming.table), employee, runs))
                on_step(f"write {storage.name(upcoming.file)}")
                writing[upcoming.file] = pool.submit(write_new, backend.finder, catalog.get(upcoming.table),
                                                     upcoming.file, employee, positions.pop(upcoming.file))
            file, step, new_hash, counts = entry.file, entry.step, entry.new_sha256, _counts(entry)
            name = storage.name(file)
            if step == "planned":
                written = writing.pop(entry.file).result()
                new_hash, counts = written.sha256, _counts(written)
                on_step(f"journal written {name}")
                steps.set_step(request_id, entry.file, "written", new_hash, counts, written.others_named)
                step = "written"
            if step == "written":
                on_step(f"swap {name}")
                storage.replace(temp_path(file), file)
                on_step(f"journal swapped {name}")
                steps.set_step(request_id, entry.file, "swapped", new_hash, counts)
            progress(done, len(entries))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _receipt(backend: Backend, request: Request, employee: Employee, tables: list[TablePlan],
             entries: list[JournalEntry], notes: dict[str, dict], verification: dict) -> dict:
    """Per table, the rows deleted and kept without the subject, the files
    rewritten; for a table erased through its format, also the snapshots
    expired (time travel to them is gone) and the files removed."""
    per_table: dict[str, dict] = {}
    for entry in entries:
        row = per_table.setdefault(entry.table, {"table": entry.table, "rows_deleted": 0, "rows_identifier_removed": 0,
                                                 "files_rewritten": 0})
        row["rows_deleted"] += entry.rows_deleted or 0
        row["rows_identifier_removed"] += entry.rows_redacted or 0
        if entry.whole_table:
            note = notes.get(entry.file, {})
            row.update(files_rewritten=note.get("files_replaced", 0), files_removed=note.get("files_removed", 0),
                       snapshots_expired=note.get("snapshots_expired", []))
        else:
            row["files_rewritten"] += 1
    deleted = sorted(per_table.values(), key=lambda r: r["table"])
    seq = backend.ledger.append(Access("daylight-executor", Role.EXECUTOR, ERASE, (employee.employee_id,),
                                       tuple(r["table"] for r in deleted), sum(r["rows_deleted"] for r in deleted),
                                       f"erasure on request {request.request_id}", request.request_id))
    body = {
        "receipt_for": request.request_id, "employee_id": employee.employee_id, "employee": employee.name,
        "requested": request.scope.describe(), "received_at": request.received_at.isoformat(),
        "completed_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "deleted": deleted,
        "kept": [{"table": t.table, "rows": t.rows, "why": t.kept_because} for t in tables if not t.erase],
        "verification": verification, "retained": RETAINED, "ledger_entry": seq,
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    return {**body, "signature": backend.ledger.sign(canonical).hex(),
            "public_key": backend.ledger.public_key_pem.decode(),
            "how_to_verify": "Ed25519 over the receipt without `signature`, `public_key` and `how_to_verify`, as "
                             "JSON with sorted keys and no spaces."}

"""The benchmark cases. Each is the work a page does for one employee,
with, where one exists, the straightforward way of doing it as baseline."""

from __future__ import annotations

import copy
import hashlib
import json
import os
import shutil
import sqlite3
import tempfile
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from auth.principal import Principal, Role
from bench.harness import Context, Subject, Work, case
from bench.lakehouse import lake_copy
from queries import sql
from queries.access.history import access_history
from queries.access.ledger import Access, Ledger, load_or_create_signing_key, load_public_key, verify
from queries.backend import Backend
from queries.console.process import WORKERS
from queries.console.run import ConsoleLimits, run_statement
from queries.council import figures as council
from queries.discovery.catalog import discover
from queries.discovery.subject_index import SubjectIndex
from queries.discovery.subject_rows import row_texts, scan_rows_about, token_bindings
from queries.erasure.requests import Move, Scope
from queries.erasure.rewrite import TEMP_PREFIX, temp_path
from queries.erasure.run import execute
from queries.mydata.activity import daily_activity, insights, weekday_hour_activity
from queries.mydata.export import build_export
from queries.mydata.inventory import inventory_for

CONSOLE_QUERY = "SELECT CAST(ts AS DATE) AS day, count(*) AS keystrokes FROM telemetry_raw.keystrokes GROUP BY day"


def scan_every_table(context: Context, subject: Subject) -> list:
    """Baseline: every table scanned for rows holding one of the employee's
    keys as a token (no subject index). A full pass over the warehouse, so it
    is timed on one employee."""
    employee = context.backend.directory.by_id(subject.employee_id)
    return [scan_rows_about(context.backend.warehouse, finding, context.backend.directory, employee)
            for finding in context.catalog.scannable()]


@case("inventory", baseline=scan_every_table, baseline_name="scan of every table", baseline_subjects=1)
def inventory(context: Context, subject: Subject):
    return inventory_for(context.backend, subject.principal, context.today)


def read_every_searched_column(context: Context, subject: Subject) -> int:
    """Baseline: each table's searched columns read once, cast to text and
    measured — the reading any complete index build must do, without the
    tokens and the lookup."""
    total = 0
    for finding in context.catalog.scannable():
        rows = context.backend.warehouse.rows([(finding.table, finding.files)])
        statement = sql.render("bench/read_searched_columns", fragments={"rows": rows.plain,
                                                                         "row_texts": row_texts(finding)})
        [(count,)] = context.backend.warehouse.query(statement, token_bindings(context.backend.directory, True),
                                                     rows.relations)
        total += int(count or 0)
    return total


def once(context: Context, subject: Subject):
    """A case that builds from nothing each time needs no warm-up: run it once."""
    return nullcontext()


@case("index build", baseline=read_every_searched_column, baseline_name="searched columns read once",
      baseline_subjects=1, fixture=once, tiers=("median",))
def index_build(context: Context, subject: Subject):
    """Discovery and the whole subject index from nothing: every row of every table."""
    folder = Path(tempfile.mkdtemp(prefix="daylight-bench-index-"))
    try:
        catalog = discover(context.backend.warehouse, folder)
        index = SubjectIndex(folder)
        index.refresh(context.backend.warehouse, catalog, context.backend.directory)
        index.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    files = [f for finding in catalog.scannable() for f in finding.files]
    return Work(len(files), sum(os.path.getsize(f) for f in files) / 1e6)


def export_reading_every_file(context: Context, subject: Subject):
    """Baseline: the same export, searching every row of every file of those
    tables rather than only the files and runs of rows the subject index names."""
    inventory = inventory_for(context.backend, subject.principal, context.today)
    unpruned = replace(inventory, entries=tuple(
        e._replace(postings=e.postings._replace(files=e.finding.files)) for e in inventory.entries))
    without_runs = copy.copy(context.backend)
    without_runs.index = None
    return build_export(without_runs, subject.principal, unpruned)


@case("export", baseline=export_reading_every_file, baseline_name="export reading every file", baseline_subjects=6)
def export(context: Context, subject: Subject):
    return build_export(context.backend, subject.principal, inventory_for(context.backend, subject.principal,
                                                                          context.today))


@case("charts")
def charts(context: Context, subject: Subject):
    inventory = inventory_for(context.backend, subject.principal, context.today)
    return (daily_activity(context.backend, subject.principal, inventory),
            weekday_hour_activity(context.backend, subject.principal, inventory),
            insights(context.backend, subject.principal, inventory))


def aggregate_in_process(context: Context, subject: Subject):
    """Baseline: the same employee's keystroke count, scanned directly by the
    trusted process (no worker, no slice)."""
    employee = context.backend.directory.by_id(subject.employee_id)
    return scan_rows_about(context.backend.warehouse, context.catalog.get("telemetry_raw.keystrokes"), context.backend.directory,
                           employee)


@contextmanager
def zygote_ready(context: Context, subject: Subject):
    """As in the portal: a zygote kept (`process.Workers`), started with the
    portal, which forks each statement's worker. The first run, untimed,
    warms what the other cases warm."""
    WORKERS.keep()
    console_first_result(context, subject)
    yield


@case("console first result", baseline=aggregate_in_process, baseline_name="same aggregate, no sandbox",
      fixture=zygote_ready)
def console_first_result(context: Context, subject: Subject):
    result = run_statement(context.backend, subject.principal, CONSOLE_QUERY, ConsoleLimits())
    if not result.ok:
        raise RuntimeError(result.error)
    return result


APPENDS = 1_000
VERIFIED = 200_000
ACCESS_EVENTS = 10_000


def _access(subject: Subject, n: int) -> Access:
    return Access(subject.employee_id, "employee", "view-own-telemetry", (subject.employee_id,),
                  (f"telemetry_raw.table_{n % 40}",), n, "employee viewing their own data (right of access)")


def _bench_ledger(context: Context, name: str, durable: bool) -> Ledger:
    home = context.backend.settings.state.path.parent / "ledger-bench" / name
    shutil.rmtree(home, ignore_errors=True)
    return Ledger(home, load_or_create_signing_key(home.parent / "keys" / "ledger.pem"),
                  context.backend.settings.ledger.checkpoint_every, durable=durable)


def _append_many(context: Context, subject: Subject, durable: bool) -> None:
    ledger = _bench_ledger(context, f"append-{durable}", durable)
    for n in range(APPENDS):
        ledger.append(_access(subject, n))
    ledger.close()


def append_without_durability(context: Context, subject: Subject):
    """Baseline: the same appends with SQLite's fsync switched off."""
    _append_many(context, subject, durable=False)


@case(f"ledger append x{APPENDS}", baseline=append_without_durability, baseline_name="same without fsync")
def ledger_append(context: Context, subject: Subject):
    _append_many(context, subject, durable=True)


_VERIFIED_LEDGERS: dict[str, tuple[Ledger, list[bytes]]] = {}


def _verified_ledger(context: Context) -> tuple[Ledger, list[bytes]]:
    """Built once per size, without fsync since only reading it is timed; with its bodies."""
    if context.size not in _VERIFIED_LEDGERS:
        ledger = _bench_ledger(context, "verify", durable=False)
        for n in range(VERIFIED):
            ledger.append(_access(context.subjects[0], n))
        with sqlite3.connect(ledger.path) as db:
            bodies = [body for _, body, _ in db.execute(sql.load("ledger/chain"))]
        _VERIFIED_LEDGERS[context.size] = ledger, bodies
    return _VERIFIED_LEDGERS[context.size]


def hash_only(context: Context, subject: Subject):
    """Baseline: SHA-256 over the same bodies, already in memory: the floor."""
    for body in _verified_ledger(context)[1]:
        hashlib.sha256(body).digest()


@case(f"ledger verify x{VERIFIED}", baseline=hash_only, baseline_name="SHA-256 of the bodies alone",
      baseline_subjects=3)
def ledger_verify(context: Context, subject: Subject):
    ledger = _verified_ledger(context)[0]
    result = verify(ledger.path, load_public_key(ledger.public_key_pem))
    if not result.intact or result.entries != VERIFIED:
        raise RuntimeError(result.summary())


def _access_log(context: Context, subject: Subject) -> Path:
    """A warehouse audit log naming the subject in ACCESS_EVENTS filtered reads."""
    path = context.backend.settings.state.path.parent / "access-bench" / f"{subject.employee_id}.jsonl"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tables = [e.name for e in inventory_for(context.backend, subject.principal, context.today).entries]
        with open(path, "w", encoding="utf-8") as out:
            for n in range(ACCESS_EVENTS):
                out.write(json.dumps({
                    "event_id": f"bench-{subject.employee_id}-{n}", "request_user": f"svc-bench-{n % 7}",
                    "event_time": f"2026-10-{1 + n % 28:02d}T{n % 24:02d}:00:00", "user_type": "service",
                    "resource": tables[n % len(tables)], "access_type": "select", "result": "allowed",
                    "row_filter": {"column": "employee_id", "values": [subject.employee_id]},
                    "rows_returned": 10, "purpose": "bench", "justification": None if n % 3 else "bench"}) + "\n")
    context.backend.audit.import_log(path, context.backend.directory)
    return path


def scan_the_raw_log(context: Context, subject: Subject):
    """Baseline: the subject's events found by reading the raw audit logs line by line."""
    found = 0
    for path in (context.backend.settings.audit.log, _access_log(context, subject)):
        with open(path, encoding="utf-8") as log:
            for line in log:
                event = json.loads(line)
                found += bool(event["row_filter"] and subject.employee_id in event["row_filter"]["values"])
    return found


@case(f"access page {ACCESS_EVENTS} events", baseline=scan_the_raw_log, baseline_name="scan of the raw audit log",
      baseline_subjects=3)
def access_page(context: Context, subject: Subject):
    _access_log(context, subject)
    history = access_history(context.backend, subject.principal)
    if len(history.accesses) < ACCESS_EVENTS:
        raise RuntimeError(f"only {len(history.accesses)} accesses found")
    return history


SNAPSHOT = "erasure-snapshot"
RESTORED_STATE = ("subject_index.duckdb", "discovery.json")
OFFICER = Principal("bench-officer", "Bench Officer", "bench-officer@example.invalid", "HR", frozenset({Role.HR}))
EXECUTING_OFFICER = Principal("bench-executor", "Bench Executor", "bench-executor@example.invalid", "HR",
                              frozenset({Role.HR}))  # four eyes: not the officer who approved


def _restore(context: Context, snapshot: Path) -> None:
    """Puts back every warehouse file and the index as they were when the
    snapshot was taken; the snapshot keeps its links for the next run."""
    root = context.backend.settings.warehouse.path
    state = context.backend.settings.state.path
    files = snapshot / "files"
    for kept in files.rglob("*"):
        if kept.is_file():
            target = root / kept.relative_to(files)
            if not target.exists() or not os.path.samefile(kept, target):
                staged = target.with_name(f".bench-restore-{target.name}")
                staged.unlink(missing_ok=True)
                os.link(kept, staged)
                os.replace(staged, target)
    for leftover in root.rglob(f"{TEMP_PREFIX}*"):
        leftover.unlink()
    for name in RESTORED_STATE:
        shutil.copy2(snapshot / "state" / name, state / name)


@contextmanager
def erasure_copy(context: Context, subject: Subject):
    """Untimed around each erasure: the warehouse files are hard-linked into a
    snapshot first (the erasure replaces files by renaming, so the linked
    originals survive) and put back after, with the subject index and
    discovery's cache, so the next run starts from the same warehouse. An
    interrupted run is repaired by the next one."""
    home = context.backend.settings.state.path.parent / SNAPSHOT
    root = context.backend.settings.warehouse.path
    config = context.backend.settings
    context.backend.close()
    if (home / "complete").exists():
        _restore(context, home)
    else:
        shutil.rmtree(home, ignore_errors=True)
        for file in root.rglob("*"):
            if file.is_file():
                (home / "files" / file.relative_to(root)).parent.mkdir(parents=True, exist_ok=True)
                os.link(file, home / "files" / file.relative_to(root))
        (home / "state").mkdir(parents=True)
        for name in RESTORED_STATE:
            shutil.copy2(config.state.path / name, home / "state" / name)
        (home / "complete").touch()
    context.backend = Backend.open(config)
    context.backend.refresh()
    try:
        yield
    finally:
        context.backend.close()
        _restore(context, home)
        context.backend = Backend.open(config)
        context.backend.refresh()
        context.catalog = context.backend.catalog()


def _files_about(context: Context, subject: Subject) -> dict[str, str]:
    """file -> the table it belongs to, for every file holding the subject."""
    backend = context.backend
    return {file: t.table for t in backend.index.tables_about(subject.employee_id, backend.register, context.today)
            for file in t.files}


def rewrite_floor(context: Context, subject: Subject) -> Work:
    """Baseline: the input and output no erasure can avoid. Each file holding
    the subject is read once and written once beside itself as the erasure
    writes it (kind, codec, row groups, durably), `erasure.workers` at a
    time, then removed: no row finding, no index upkeep, no verification."""
    folders = context.backend.warehouse.hive_folders
    catalog = context.backend.catalog()
    files = _files_about(context, subject)

    def copy(file: str) -> None:
        table = catalog.get(files[file]).table
        temp = temp_path(file)
        folders.write_like(table, folders.read_file(table, file), file, temp)
        folders.storage.remove(temp)

    with ThreadPoolExecutor(context.backend.settings.erasure.workers) as pool:
        list(pool.map(copy, files))
    return Work(len(files), sum(os.path.getsize(f) for f in files) / 1e6)


@case("erasure", fixture=erasure_copy, tiers=("light", "median", "heavy"), baseline=rewrite_floor,
      baseline_name="rewriting the same files, nothing else")
def erasure(context: Context, subject: Subject):
    return _erase(context, subject)


@case("erasure of a part: Parquet", fixture=lambda c, s: lake_copy(c, s, "parquet"), tiers=("light", "median", "heavy"))
def erasure_part_parquet(context: Context, subject: Subject):
    """The subject's smaller tables as Parquet folders: the comparison for the Iceberg copy."""
    return _erase(context, subject)


@case("erasure of a part: Iceberg", fixture=lambda c, s: lake_copy(c, s, "iceberg"), tiers=("light", "median", "heavy"))
def erasure_part_iceberg(context: Context, subject: Subject):
    """The same tables as Iceberg tables of four snapshots: rewrite, expire, clean and sweep."""
    return _erase(context, subject)


def _erase(context: Context, subject: Subject) -> Work:
    """The work is the files holding the subject and their size before the erasure."""
    backend = context.backend
    files = _files_about(context, subject)
    megabytes = sum(os.path.getsize(f) for f in files) / 1e6
    request = backend.requests.submit(subject.principal, Scope(True), "benchmark")
    backend.requests.transition(OFFICER, request.request_id, Move.APPROVE, "benchmark")
    backend.requests.transition(EXECUTING_OFFICER, request.request_id, Move.EXECUTE, "benchmark")
    done = execute(backend, request.request_id)
    if not done.receipt["verification"]["passed"]:
        raise RuntimeError(f"verification failed: {done.receipt['verification']}")
    return Work(len(files), megabytes)


COUNCIL = Principal("bench-council", "Bench Council", "bench-council@example.invalid", "Works council",
                    frozenset({Role.WORKS_COUNCIL}))


def council_publication(context: Context, subject: Subject):
    """Baseline: computing the last ended month's figures, as their first
    view does once: every view audited by linear programming."""
    [period, *_] = council.periods(context.backend)
    return council.computed(context.backend, period, datetime.now(UTC))


@case("council page", baseline=council_publication, baseline_name="publishing the month (once)", baseline_subjects=1)
def council_page(context: Context, subject: Subject):
    """Every figure of the works council's page for the last ended month, as
    published; the same for any subject, so timed once per subject."""
    return council.oversight(context.backend, COUNCIL)

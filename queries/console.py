"""The SQL console's one entry point: run one statement for one employee.

Isolation is physical. This, the trusted side, selects only the signed-in
employee's rows (bound parameters, colleagues pseudonymized, as everywhere)
and hands them as Arrow to a separate worker process (`console_worker.py`)
that never sees anything else: no warehouse path, no state folder, no
configuration, no environment. The worker runs under OS limits and is
killed when the wall-clock limit passes. Other employees' bytes never
exist in that process.
"""

from __future__ import annotations

import difflib
import hashlib
import io
import json
import logging
import re
import resource
import struct
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from auth.policy import QUERY_OWN_TELEMETRY, Resource, ensure
from auth.principal import Principal
from queries import sql
from queries.backend import Backend
from queries.inventory import inventory_for
from queries.my_rows import my_rows
from settings import ConsoleSettings

log = logging.getLogger(__name__)

WORKER = Path(__file__).resolve().parent / "console_worker.py"
MAX_STATEMENT_CHARS = 20_000


@dataclass(frozen=True)
class ConsoleLimits:
    timeout_s: float = 10.0
    max_rows: int = 10_000
    memory_mb: int = 512  # DuckDB's own limit inside the worker
    address_space_mb: int = 4_096  # the OS limit on the whole worker process


    @staticmethod
    def from_settings(settings: ConsoleSettings) -> ConsoleLimits:
        return ConsoleLimits(timeout_s=settings.timeout_seconds, max_rows=settings.max_rows,
                             memory_mb=settings.memory_mb)


@dataclass(frozen=True)
class Example:
    question: str
    statement: str
    tables: frozenset[str]


def examples(my_tables: set[str]) -> list[Example]:
    """The example queries whose tables the employee has."""
    found = []
    for path in sorted((sql.SQL_DIR / "console_examples").glob("*.sql")):
        text = sql.load(f"console_examples/{path.stem}")
        question, _, statement = text.partition("\n")
        example = Example(question.removeprefix("--").strip(), statement.strip(), frozenset(referenced_tables(statement)))
        if example.tables <= my_tables:
            found.append(example)
    return found


@dataclass(frozen=True)
class ConsoleResult:
    statement_sha256: str
    rows: pa.Table | None = None
    truncated: bool = False
    error: str | None = None
    seconds: float = 0.0
    tables: tuple[str, ...] = ()
    rows_loaded: int = 0

    @property
    def ok(self) -> bool:
        return self.error is None


def _unknown_tables(unknown: set[str], tables: tuple[str, ...]) -> str:
    parts = []
    for name in sorted(unknown):
        close = difflib.get_close_matches(name, tables, n=1)
        parts.append(f"{name} is not one of your tables." + (f" Did you mean {close[0]}?" if close else ""))
    return " ".join(parts) + (" Your tables are named as in the warehouse, database.table: "
                              + ", ".join(tables[:6]) + (" …" if len(tables) > 6 else "") + ".")


def _explain(kind: str, message: str, tables: tuple[str, ...], unknown: set[str]) -> str:
    """DuckDB's message, in plain words where we can say it better."""
    lines = message.splitlines() or [kind]
    first = re.sub(r"^[A-Za-z ]*(Error|Exception): ", "", lines[0])
    if kind in ("syntax", "ParserException"):
        caret = next((line for line in lines if line.startswith("LINE ")), "")
        return f"Syntax error: {first}" + (f" ({caret.strip()})" if caret else "")
    if kind == "CatalogException" and first.startswith("Table with name"):
        if unknown:
            return _unknown_tables(unknown, tables)
        hint = next((line.strip() for line in lines if line.strip().startswith("Did you mean")), "")
        return f"{first} {hint}".strip()
    if kind == "OutOfMemoryException":
        return "The query needs more memory than the console allows; narrow it down (fewer rows, fewer joins)."
    return first


def _write_block(stream, data: bytes) -> None:
    stream.write(struct.pack(">I", len(data)))
    stream.write(data)


def _payload(statement: str, limits: ConsoleLimits, slices: dict[str, pa.Table]) -> bytes:
    message = io.BytesIO()
    header = {"statement": statement, "max_rows": limits.max_rows, "memory_limit": f"{limits.memory_mb}MB",
              "tables": [dict(zip(("database", "name"), name.split(".", 1))) for name in slices]}
    _write_block(message, json.dumps(header).encode())
    for rows in slices.values():
        buffer = pa.BufferOutputStream()
        with pa.ipc.new_stream(buffer, rows.schema) as writer:
            writer.write_table(rows)
        _write_block(message, buffer.getvalue().to_pybytes())
    return message.getvalue()


def _os_limits(limits: ConsoleLimits):
    def apply() -> None:
        address_space = limits.address_space_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
        cpu = int(limits.timeout_s) + 2
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
        resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
        resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    return apply


def _read_reply(output: bytes) -> tuple[dict, pa.Table | None]:
    (length,) = struct.unpack(">I", output[:4])
    header = json.loads(output[4:4 + length])
    rest = output[4 + length:]
    if not rest:
        return header, None
    (size,) = struct.unpack(">I", rest[:4])
    return header, pa.ipc.open_stream(rest[4:4 + size]).read_all()


def run_in_sandbox(statement: str, slices: dict[str, pa.Table], limits: ConsoleLimits) -> tuple[dict, pa.Table | None]:
    """Runs the worker over exactly `slices`; returns its reply."""
    with tempfile.TemporaryDirectory(prefix="daylight-console-") as empty:
        process = subprocess.Popen([sys.executable, "-I", str(WORKER)], stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=empty, env={},
                                   preexec_fn=_os_limits(limits), start_new_session=True)
        try:
            output, errors = process.communicate(_payload(statement, limits, slices), timeout=limits.timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            return {"error": "timeout", "message": ""}, None
    if process.returncode != 0 or len(output) < 4:
        log.warning("console worker ended with %s: %s", process.returncode, errors.decode(errors="replace")[-500:])
        return {"error": "crashed", "message": ""}, None
    return _read_reply(output)


def referenced_tables(statement: str) -> set[str]:
    """`database.table` names the statement reads, found by DuckDB's parser
    alone (nothing is executed), so that only those slices are loaded."""
    parser = duckdb.connect(config={"enable_external_access": False, "autoload_known_extensions": False})
    try:
        [(serialized,)] = parser.execute("SELECT json_serialize_sql($statement)", {"statement": statement}).fetchall()
    except duckdb.Error:
        return set()
    finally:
        parser.close()
    found: set[str] = set()

    def walk(node) -> None:
        if isinstance(node, dict):
            if node.get("type") == "BASE_TABLE" and node.get("schema_name"):
                found.add(f"{node['schema_name']}.{node['table_name']}")
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads(serialized))
    return found


def run_statement(backend: Backend, principal: Principal, statement: str,
                  limits: ConsoleLimits = ConsoleLimits()) -> ConsoleResult:
    """Runs one statement over the principal's own rows and nothing else."""
    ensure(principal, QUERY_OWN_TELEMETRY, Resource.about(principal.employee_id))
    digest = hashlib.sha256(statement.encode()).hexdigest()
    if not statement.strip():
        return ConsoleResult(digest, error="Type a query first, for example: SELECT count(*) FROM telemetry_raw.keystrokes")
    if len(statement) > MAX_STATEMENT_CHARS:
        return ConsoleResult(digest, error=f"The query is longer than {MAX_STATEMENT_CHARS:,} characters.")
    started = time.perf_counter()
    inventory = inventory_for(backend, principal)
    wanted = referenced_tables(statement)
    entries = [e for e in inventory.entries if e.name in wanted]
    slices = {r.entry.name: r.rows for r in my_rows(backend, principal, QUERY_OWN_TELEMETRY, entries,
                                                     sql_sha256=digest) if r.rows is not None}
    reply, rows = run_in_sandbox(statement, slices, limits)
    seconds = time.perf_counter() - started
    loaded = sum(t.num_rows for t in slices.values())
    common = {"statement_sha256": digest, "seconds": seconds, "tables": tuple(slices), "rows_loaded": loaded}
    if reply["error"] == "timeout":
        return ConsoleResult(**common, error=f"Time limit reached: the query ran for more than "
                                             f"{limits.timeout_s:g} seconds and was stopped.")
    if reply["error"] == "crashed":
        return ConsoleResult(**common, error="The query stopped unexpectedly (it may have needed too much memory). "
                                             "Try a smaller query.")
    if reply["error"]:
        mine = tuple(e.name for e in inventory.entries)
        return ConsoleResult(**common, error=_explain(reply["error"], reply["message"], mine, wanted - set(mine)))
    return ConsoleResult(**common, rows=rows, truncated=reply["truncated"])

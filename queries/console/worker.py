"""The SQL console's sandbox: runs one employee's statement over their own
rows, in a process of its own.

Forked by the zygote (`zygote.py`, which imported this file and calls
`main`) or started by `queries.console.process` as `python -I <this file>`,
in an empty temporary folder with an empty environment. It imports nothing
of the portal's and receives only the signed-in employee's rows (as Arrow)
on standard input. Before it reads
those rows, and long before any user SQL, it confines itself:

1. OS limits (address space, CPU seconds, no file writes, few open files, no
   core dumps), set here rather than by the parent through `preexec_fn`,
   which is unsafe in Streamlit's multi-threaded server;
2. Landlock: the only files it can open from then on are Python's standard
   library and the installed packages (read-only) and the time-zone data;
   not the warehouse, the state folder, the configuration, /etc or /proc;
3. seccomp: no socket, no new process, no exec, no ptrace, no signal to any
   other process, no namespace or mount changes, no raising of the limits
   (which even root could otherwise do).

Where the confinement cannot be applied the worker refuses to run SQL,
unless the parent says the operator explicitly allowed it. Then the
in-memory DuckDB is locked down (external access, extension loading and
installing, community extensions and Python replacement scans off; threads,
memory and temp space limited; configuration locked), and only a single
query is accepted: a second, independent check of the statement's type
beside the trusted side's check of its parse tree. The result is capped in
rows and in bytes.

Protocol, both ways: a 4-byte big-endian length and a JSON header, then
(to the worker) one length-prefixed Arrow IPC stream per table, or (from
the worker) the result as one Arrow IPC stream.
"""

import errno
import json
import os
import resource
import struct
import sys
import sysconfig
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.ipc

try:  # imported before confinement: loading libseccomp needs files the sandbox then closes
    import landlock
    import pyseccomp as seccomp
except ImportError:
    landlock = seccomp = None

BATCH_ROWS = 1024
CLONE_THREAD = 0x00010000
DENIED_SYSCALLS = (
    "socket", "socketpair", "connect", "bind", "listen", "accept", "accept4",
    "execve", "execveat", "fork", "vfork", "ptrace", "process_vm_readv", "process_vm_writev",
    "tkill", "pidfd_open", "pidfd_send_signal", "pidfd_getfd", "unshare", "setns", "mount", "umount2",
    "pivot_root", "chroot", "keyctl", "add_key", "request_key", "bpf", "perf_event_open", "userfaultfd",
    "io_uring_setup", "memfd_create", "name_to_handle_at", "open_by_handle_at", "setrlimit", "prlimit64",
    "capset", "setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setgroups",
)


class SandboxUnavailable(Exception):
    """The OS confinement could not be applied on this host."""


def _read_block(stream) -> bytes:
    (length,) = struct.unpack(">I", stream.read(4))
    return stream.read(length)


def _write_block(stream, data: bytes) -> None:
    stream.write(struct.pack(">I", len(data)))
    stream.write(data)


def _quote(name: str) -> str:
    """`queries.sql.quote_identifier`'s rule, written again because the
    worker imports nothing of the portal's (it runs isolated, under Landlock)."""
    return '"' + name.replace('"', '""') + '"'


def limit_resources(cpu_seconds: int, address_space_mb: int) -> None:
    address_space = address_space_mb * 1024 * 1024
    for limit, value in ((resource.RLIMIT_AS, address_space), (resource.RLIMIT_CPU, cpu_seconds),
                         (resource.RLIMIT_FSIZE, 0), (resource.RLIMIT_NOFILE, 64), (resource.RLIMIT_CORE, 0)):
        resource.setrlimit(limit, (value, value))


def readable_paths() -> list[str]:
    """What the worker may still read once confined: the interpreter's own
    library and the packages it imports from, nothing of the portal's."""
    paths = {sysconfig.get_paths()[name] for name in ("stdlib", "platstdlib")}
    paths |= {str(Path(module.__file__).resolve().parent.parent) for module in (duckdb, pa)}
    paths.add("/usr/share/zoneinfo")
    return sorted(p for p in paths if os.path.isdir(p))


def _landlock() -> None:
    if landlock is None:
        raise SandboxUnavailable("Landlock: the landlock package is not installed")
    try:
        ruleset = landlock.Ruleset()
        ruleset.allow(*readable_paths(), rules=landlock.FSAccess.READ_FILE | landlock.FSAccess.READ_DIR)
        ruleset.apply()
    except Exception as problem:  # the binding raises its own and OSError types; any failure means unconfined
        raise SandboxUnavailable(f"Landlock: {problem}") from None


def _seccomp() -> None:
    if seccomp is None:
        raise SandboxUnavailable("seccomp: the pyseccomp package is not installed")
    try:
        refused = seccomp.ERRNO(errno.EPERM)
        rules = seccomp.SyscallFilter(seccomp.ALLOW)
        for name in DENIED_SYSCALLS:
            rules.add_rule(refused, name)
        rules.add_rule(refused, "clone", seccomp.Arg(0, seccomp.MASKED_EQ, CLONE_THREAD, 0))
        rules.add_rule(seccomp.ERRNO(errno.ENOSYS), "clone3")
        own = os.getpid()
        rules.add_rule(refused, "kill", seccomp.Arg(0, seccomp.NE, own))
        rules.add_rule(refused, "tgkill", seccomp.Arg(0, seccomp.NE, own))
        rules.load()
    except Exception as problem:  # a missing libseccomp or kernel support: unconfined
        raise SandboxUnavailable(f"seccomp: {problem}") from None


def confine() -> None:
    """Landlock for files, then seccomp for everything else. Each is applied
    where it can be; if either failed, the sandbox counts as unavailable."""
    problems = []
    for layer in (_landlock, _seccomp):
        try:
            layer()
        except SandboxUnavailable as problem:
            problems.append(str(problem))
    if problems:
        raise SandboxUnavailable("; ".join(problems))


def _connect(memory_limit: str) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(":memory:", config={
        "threads": 1,
        "memory_limit": memory_limit,
        "max_temp_directory_size": "0B",
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
        "allow_community_extensions": False,
        "allow_unsigned_extensions": False,
        "python_enable_replacements": False,
    })


def _load(connection: duckdb.DuckDBPyConnection, header: dict, stream) -> None:
    for number, table in enumerate(header["tables"]):
        rows = pa.ipc.open_stream(_read_block(stream)).read_all()
        name = f"incoming_{number}"
        connection.register(name, rows)
        connection.execute(f"CREATE SCHEMA IF NOT EXISTS {_quote(table['database'])}")
        connection.execute(f"CREATE TABLE {_quote(table['database'])}.{_quote(table['name'])} AS SELECT * FROM {name}")
        connection.unregister(name)
    connection.execute("SET enable_external_access = false")
    connection.execute("SET lock_configuration = true")


def _reply(header: dict, result: pa.Table | None = None) -> None:
    out = sys.stdout.buffer
    _write_block(out, json.dumps(header).encode())
    if result is not None:
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, result.schema) as writer:
            writer.write_table(result)
        _write_block(out, sink.getvalue().to_pybytes())
    out.flush()


def _refusal(connection: duckdb.DuckDBPyConnection, statement: str) -> dict | None:
    """The worker's own check: one statement, of type SELECT (EXPLAIN, PIVOT
    statements, SET, CREATE… are other types)."""
    try:
        statements = connection.extract_statements(statement)
    except duckdb.Error as problem:
        return {"error": "syntax", "message": str(problem)}
    if len(statements) != 1:
        return {"error": "statements", "message": f"{len(statements)} statements given; run one at a time."}
    if statements[0].type.name != "SELECT":
        return {"error": "not_a_query", "message": f"{statements[0].type.name} statements are not allowed here"}
    return None


def _rows_within(batch: pa.RecordBatch, room: int) -> int:
    """How many leading rows of `batch` fit in `room` bytes."""
    low, high = 0, batch.num_rows
    while low < high:
        middle = (low + high + 1) // 2
        if batch.slice(0, middle).nbytes <= room:
            low = middle
        else:
            high = middle - 1
    return low


def collect(reader: pa.RecordBatchReader, max_rows: int, max_bytes: int) -> tuple[pa.Table, str | None]:
    """Reads at most `max_rows` rows and `max_bytes` bytes; says which cap cut it."""
    batches, rows, size = [], 0, 0
    for batch in reader:
        if rows + batch.num_rows > max_rows:
            batch, cut = batch.slice(0, max_rows - rows), "rows"
        else:
            cut = None
        if size + batch.nbytes > max_bytes:
            batch, cut = batch.slice(0, _rows_within(batch, max_bytes - size)), "bytes"
        batches.append(batch)
        rows, size = rows + batch.num_rows, size + batch.nbytes
        if cut:
            return pa.Table.from_batches(batches, schema=reader.schema), cut
    return pa.Table.from_batches(batches, schema=reader.schema), None


def main() -> None:
    stream = sys.stdin.buffer
    header = json.loads(_read_block(stream))
    limit_resources(header["cpu_seconds"], header["address_space_mb"])
    connection = _connect(header["memory_limit"])  # DuckDB reads system files as it starts; confined, it cannot
    try:
        confine()
    except SandboxUnavailable as problem:
        if not header["allow_unsandboxed"]:
            _reply({"error": "sandbox", "message": str(problem)})
            return
    _load(connection, header, stream)
    refusal = _refusal(connection, header["statement"])
    if refusal:
        _reply(refusal)
        return
    try:
        reader = connection.execute(header["statement"]).to_arrow_reader(BATCH_ROWS)
        result, cut = collect(reader, header["max_rows"], header["max_bytes"])
    except duckdb.Error as problem:
        _reply({"error": type(problem).__name__, "message": str(problem)})
        return
    _reply({"error": None, "cut": cut}, result)


if __name__ == "__main__":
    main()

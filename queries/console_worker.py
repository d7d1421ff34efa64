"""The SQL console's sandbox: runs one employee's statement over their own
rows, in a process of its own.

Started by `queries.console` as `python -I <this file>` in an empty
temporary folder with an empty environment and OS limits on memory, CPU
time, open files and file size. It imports nothing of the portal's, so it
has no path to the warehouse, the state folder or the configuration; it
receives only the signed-in employee's rows (as Arrow) on standard input.
Before any user SQL runs, the in-memory DuckDB is locked down: external
access, extension loading and installing, community extensions and Python
replacement scans off; threads, memory and temp space limited; the
configuration locked. Then only a single read-only query is accepted.

Protocol, both ways: a 4-byte big-endian length and a JSON header, then
(to the worker) one length-prefixed Arrow IPC stream per table, or (from
the worker) the result as one Arrow IPC stream.
"""

import json
import struct
import sys

import duckdb
import pyarrow as pa

ALLOWED_STATEMENTS = {"SELECT", "EXPLAIN"}


def _read_block(stream) -> bytes:
    (length,) = struct.unpack(">I", stream.read(4))
    return stream.read(length)


def _write_block(stream, data: bytes) -> None:
    stream.write(struct.pack(">I", len(data)))
    stream.write(data)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sandbox(header: dict, stream) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect(":memory:", config={
        "threads": 1,
        "memory_limit": header["memory_limit"],
        "max_temp_directory_size": "0B",
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
        "allow_community_extensions": False,
        "allow_unsigned_extensions": False,
        "python_enable_replacements": False,
    })
    for number, table in enumerate(header["tables"]):
        rows = pa.ipc.open_stream(_read_block(stream)).read_all()
        name = f"incoming_{number}"
        connection.register(name, rows)
        connection.execute(f"CREATE SCHEMA IF NOT EXISTS {_quote(table['database'])}")
        connection.execute(f"CREATE TABLE {_quote(table['database'])}.{_quote(table['name'])} AS SELECT * FROM {name}")
        connection.unregister(name)
    connection.execute("SET enable_external_access = false")
    connection.execute("SET lock_configuration = true")
    return connection


def _reply(header: dict, result: pa.Table | None = None) -> None:
    out = sys.stdout.buffer
    _write_block(out, json.dumps(header).encode())
    if result is not None:
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, result.schema) as writer:
            writer.write_table(result)
        _write_block(out, sink.getvalue().to_pybytes())
    out.flush()


def main() -> None:
    stream = sys.stdin.buffer
    header = json.loads(_read_block(stream))
    connection = _sandbox(header, stream)
    try:
        statements = connection.extract_statements(header["statement"])
    except duckdb.Error as problem:
        _reply({"error": "syntax", "message": str(problem)})
        return
    if len(statements) != 1:
        _reply({"error": "statements", "message": f"{len(statements)} statements given; run one at a time."})
        return
    if statements[0].type.name not in ALLOWED_STATEMENTS:
        keyword = header["statement"].split(None, 1)[0].upper()
        _reply({"error": "not_a_query", "message": f"{keyword} statements are not allowed here: only queries "
                                                   "(SELECT …) over your own tables."})
        return
    try:
        reader = connection.execute(header["statement"]).to_arrow_reader(header["max_rows"] + 1)
        batches, count = [], 0
        for batch in reader:
            batches.append(batch)
            count += batch.num_rows
            if count > header["max_rows"]:
                break
        result = pa.Table.from_batches(batches, schema=reader.schema)
    except duckdb.Error as problem:
        _reply({"error": type(problem).__name__, "message": str(problem)})
        return
    truncated = result.num_rows > header["max_rows"]
    _reply({"error": None, "truncated": truncated}, result.slice(0, header["max_rows"]))


if __name__ == "__main__":
    main()

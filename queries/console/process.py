"""Starting the console's worker and talking to it, from the trusted side.

The worker starts with an empty environment in an empty folder, in a
session of its own. Its OS limits and its confinement are applied by the
worker itself: `preexec_fn` is unsafe in a multi-threaded server such as
Streamlit's. Its reply is
read with a deadline and a byte cap: whatever runs in the worker, the
portal's own memory never holds more than `max_result_mb` of one result.
"""

from __future__ import annotations

import io
import json
import logging
import os
import selectors
import struct
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from settings import ConsoleSettings

log = logging.getLogger(__name__)

WORKER = Path(__file__).resolve().parent / "worker.py"
REPLY_SLACK_BYTES = 1024 * 1024  # headers and Arrow framing around a result at the cap
STDERR_KEPT_BYTES = 64 * 1024


@dataclass(frozen=True)
class ConsoleLimits:
    timeout_s: float = 10.0
    max_rows: int = 10_000
    max_result_mb: int = 50
    memory_mb: int = 512  # DuckDB's own limit inside the worker
    address_space_mb: int = 4_096  # the OS limit on the whole worker process
    allow_unsandboxed: bool = False

    @property
    def max_result_bytes(self) -> int:
        return self.max_result_mb * 1024 * 1024

    @staticmethod
    def from_settings(settings: ConsoleSettings) -> ConsoleLimits:
        return ConsoleLimits(timeout_s=settings.timeout_seconds, max_rows=settings.max_rows,
                             max_result_mb=settings.max_result_mb, memory_mb=settings.memory_mb,
                             allow_unsandboxed=settings.allow_unsandboxed)


def _block(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


def _payload(statement: str, limits: ConsoleLimits, slices: dict[str, pa.Table]) -> bytes:
    message = io.BytesIO()
    header = {"statement": statement, "max_rows": limits.max_rows, "max_bytes": limits.max_result_bytes,
              "memory_limit": f"{limits.memory_mb}MB", "cpu_seconds": int(limits.timeout_s) + 2,
              "address_space_mb": limits.address_space_mb, "allow_unsandboxed": limits.allow_unsandboxed,
              "tables": [dict(zip(("database", "name"), name.split(".", 1))) for name in slices]}
    message.write(_block(json.dumps(header).encode()))
    for rows in slices.values():
        buffer = pa.BufferOutputStream()
        with pa.ipc.new_stream(buffer, rows.schema) as writer:
            writer.write_table(rows)
        message.write(_block(buffer.getvalue().to_pybytes()))
    return message.getvalue()


def _read_reply(output: bytes) -> tuple[dict, pa.Table | None]:
    (length,) = struct.unpack(">I", output[:4])
    header = json.loads(output[4:4 + length])
    rest = output[4 + length:]
    if not rest:
        return header, None
    (size,) = struct.unpack(">I", rest[:4])
    return header, pa.ipc.open_stream(rest[4:4 + size]).read_all()


def _feed(process: subprocess.Popen, payload: bytes) -> None:
    try:
        process.stdin.write(payload)
        process.stdin.close()
    except (BrokenPipeError, ValueError, OSError):
        pass  # the worker ended (or was killed) before reading everything; its reply says why


def _exchange(process: subprocess.Popen, payload: bytes, deadline: float, max_bytes: int) -> tuple[str, bytes, bytes]:
    """Feeds the payload and reads both outputs until the worker closes them,
    the deadline passes ("timeout") or the reply grows past `max_bytes`
    ("too_large"); returns how it ended, standard output and the start of
    standard error."""
    writer = threading.Thread(target=_feed, args=(process, payload), daemon=True)
    writer.start()
    output, errors, ended = bytearray(), bytearray(), "done"
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ, output)
        selector.register(process.stderr, selectors.EVENT_READ, errors)
        while selector.get_map():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                ended = "timeout"
                break
            for key, _ in selector.select(remaining):
                chunk = os.read(key.fd, 1024 * 1024)
                if not chunk:
                    selector.unregister(key.fileobj)
                elif key.data is output:
                    output += chunk
                elif len(errors) < STDERR_KEPT_BYTES:
                    errors += chunk
            if len(output) > max_bytes:
                ended = "too_large"
                break
    writer.join(timeout=1)
    return ended, bytes(output), bytes(errors)


def _start(folder: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-I", str(WORKER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, cwd=folder, env={}, start_new_session=True)


def run_in_sandbox(statement: str, slices: dict[str, pa.Table], limits: ConsoleLimits) -> tuple[dict, pa.Table | None]:
    """Runs the worker over exactly `slices`; returns its reply, or an error
    header of our own when it timed out, outgrew the cap or crashed."""
    deadline = time.monotonic() + limits.timeout_s
    with tempfile.TemporaryDirectory(prefix="daylight-console-") as empty:
        process = _start(empty)
        try:
            ended, output, errors = _exchange(process, _payload(statement, limits, slices), deadline,
                                              limits.max_result_bytes + REPLY_SLACK_BYTES)
        finally:
            if process.poll() is None:
                process.kill()
            process.wait()
            for stream in (process.stdout, process.stderr):
                stream.close()
    if ended != "done":
        return {"error": ended, "message": ""}, None
    if process.returncode != 0 or len(output) < 4:
        log.warning("console worker ended with %s: %s", process.returncode, errors.decode(errors="replace")[-500:])
        return {"error": "crashed", "message": ""}, None
    return _read_reply(output)

"""Starting the console's worker and talking to it, from the trusted side.

The worker starts with an empty environment in an empty folder, in a
session of its own. Its OS limits and its confinement are applied by the
worker itself: `preexec_fn` is unsafe in a multi-threaded server such as
Streamlit's. Its reply is
read with a deadline and a byte cap: whatever runs in the worker, the
portal's own memory never holds more than `max_result_mb` of one result.
"""

from __future__ import annotations

import atexit
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


class Worker:
    """One worker process, in its own empty folder, for exactly one statement."""

    def __init__(self):
        self.script = WORKER
        self._folder = tempfile.TemporaryDirectory(prefix="daylight-console-")
        self.process = subprocess.Popen([sys.executable, "-I", str(self.script)], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=self._folder.name,
                                        env={}, start_new_session=True)

    def usable(self) -> bool:
        """Still waiting for its statement, and started from today's worker script."""
        return self.process.poll() is None and self.script == WORKER

    def end(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            try:
                stream.close()
            except OSError:
                pass  # the worker died with our payload unread
        self._folder.cleanup()


class SpareWorker:
    """The portal keeps workers started ahead of the next statements, one
    for each statement that may run at once (`console.max_concurrent`).

    A worker spends about 0.3 s importing DuckDB and Arrow (seconds on a
    busy machine) before it reads its statement. A spare has done that
    while nobody waited: it sits blocked on its empty standard input,
    unconfined yet holding nothing (an empty environment and folder, no
    rows), and confines itself once its statement arrives, as every worker
    does. It serves one statement and is never reused; a new spare is
    started when a statement has ended, not while it runs. With one spare,
    people who pressed Run together all but one waited for a worker to
    start; each spare costs about 27 MB of its own memory.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._spares: list[Worker] = []
        self._count = 0

    def keep(self, count: int = 1) -> None:
        """From now on keep `count` spares started (the portal calls this once)."""
        with self._lock:
            if not self._count:
                atexit.register(self.stop)
            self._count = max(count, 1)
        self.refill()

    def take(self) -> Worker:
        """A spare when there is a live one, else a worker started now."""
        with self._lock:
            spare = self._spares.pop() if self._spares else None
        if spare is not None and spare.usable():
            return spare
        if spare is not None:
            spare.end()
        return Worker()

    def refill(self) -> None:
        with self._lock:
            while len(self._spares) < self._count:
                try:
                    self._spares.append(Worker())
                except OSError as problem:
                    log.warning("no spare console worker started: %s", problem)
                    return

    def stop(self) -> None:
        with self._lock:
            spares, self._spares, self._count = self._spares, [], 0
        for spare in spares:
            spare.end()


SPARE = SpareWorker()


def run_in_sandbox(statement: str, slices: dict[str, pa.Table], limits: ConsoleLimits) -> tuple[dict, pa.Table | None]:
    """Runs a worker (the spare, when one is kept) over exactly `slices`;
    returns its reply, or an error header of our own when it timed out,
    outgrew the cap or crashed."""
    deadline = time.monotonic() + limits.timeout_s
    worker = SPARE.take()
    try:
        ended, output, errors = _exchange(worker.process, _payload(statement, limits, slices), deadline,
                                          limits.max_result_bytes + REPLY_SLACK_BYTES)
    finally:
        worker.end()
        SPARE.refill()
    process = worker.process
    if ended != "done":
        return {"error": ended, "message": ""}, None
    if process.returncode != 0 or len(output) < 4:
        log.warning("console worker ended with %s: %s", process.returncode, errors.decode(errors="replace")[-500:])
        return {"error": "crashed", "message": ""}, None
    return _read_reply(output)

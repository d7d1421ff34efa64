"""Starting the console's worker and talking to it, from the trusted side.

The worker starts with an empty environment in an empty folder, in a
session of its own: forked by the zygote (`zygote.py`), itself started so,
or started from scratch. Its OS limits and its confinement are applied by
the worker itself: `preexec_fn` is unsafe in a multi-threaded server such
as Streamlit's. Its reply is read with a deadline and a byte cap: whatever
runs in the worker, the portal's own memory never holds more than
`max_result_mb` of one result.
"""

from __future__ import annotations

import atexit
import io
import json
import logging
import os
import selectors
import signal
import socket
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
ZYGOTE = Path(__file__).resolve().parent / "zygote.py"
FORK_WAIT_S = 15.0  # for a worker from the zygote, its start-up included (seconds on a busy machine)
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


def _first_block(data: bytes) -> tuple[bytes, bytes]:
    """The first length-prefixed block of `data`, and what follows it."""
    length = int.from_bytes(data[:4], "big")
    if len(data) < 4 or len(data) < 4 + length:
        raise ValueError("the reply ends inside a block")
    return data[4:4 + length], data[4 + length:]


def _read_reply(output: bytes) -> tuple[dict, pa.Table | None]:
    """The worker's reply; ValueError unless it is whole, which is how a
    worker that died while answering is told from one that answered: a
    forked worker's exit status is not ours to read."""
    block, rest = _first_block(output)
    header = json.loads(block)
    if not isinstance(header, dict) or (header.get("error") is None and not rest):
        raise ValueError("the reply has no header, or no rows after a header without error")
    if not rest:
        return header, None
    block, rest = _first_block(rest)
    if rest:
        raise ValueError("the reply goes on after its rows")
    return header, pa.ipc.open_stream(block).read_all()


def _feed(worker: Worker, payload: bytes) -> None:
    try:
        worker.stdin.write(payload)
        worker.stdin.close()
    except (BrokenPipeError, ValueError, OSError):
        pass  # the worker ended (or was killed) before reading everything; its reply says why


def _exchange(worker: Worker, payload: bytes, deadline: float, max_bytes: int) -> tuple[str, bytes, bytes]:
    """Feeds the payload and reads both outputs until the worker closes them,
    the deadline passes ("timeout") or the reply grows past `max_bytes`
    ("too_large"); returns how it ended, standard output and the start of
    standard error."""
    writer = threading.Thread(target=_feed, args=(worker, payload), daemon=True)
    writer.start()
    output, errors, ended = bytearray(), bytearray(), "done"
    with selectors.DefaultSelector() as selector:
        selector.register(worker.stdout, selectors.EVENT_READ, output)
        selector.register(worker.stderr, selectors.EVENT_READ, errors)
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


def _started_bare(arguments: list[str], **streams) -> tuple[tempfile.TemporaryDirectory, subprocess.Popen]:
    """`python -I <arguments>` as every console process starts, a worker or
    the zygote: in a new empty folder, with an empty environment, in a
    session of its own."""
    folder = tempfile.TemporaryDirectory(prefix="daylight-console-")
    try:
        return folder, subprocess.Popen([sys.executable, "-I", *arguments], cwd=folder.name, env={},
                                        start_new_session=True, **streams)
    except OSError:
        folder.cleanup()
        raise


class Worker:
    """One worker process, in its own empty folder, for exactly one statement:
    its three pipes, and what stops it. Started from scratch (`start`), it is
    our child; forked by the zygote (`Zygote.fork`), the zygote's, and we
    hold a pidfd, which can only ever signal that process."""

    def __init__(self, stdin, stdout, stderr, folder: tempfile.TemporaryDirectory,
                 process: subprocess.Popen | None = None, pidfd: int | None = None):
        self.stdin, self.stdout, self.stderr = stdin, stdout, stderr
        self._folder, self._process, self._pidfd = folder, process, pidfd

    @classmethod
    def start(cls) -> Worker:
        folder, process = _started_bare([str(WORKER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE)
        return cls(process.stdin, process.stdout, process.stderr, folder, process=process)

    def end(self) -> None:
        """Stops the worker if it still runs, and removes its folder."""
        if self._process is not None:
            if self._process.poll() is None:
                self._process.kill()
            self._process.wait()
        elif self._pidfd is not None:
            try:
                signal.pidfd_send_signal(self._pidfd, signal.SIGKILL)
            except ProcessLookupError:
                pass  # it had ended
            os.close(self._pidfd)
            self._pidfd = None
        for stream in (self.stdin, self.stdout, self.stderr):
            try:
                stream.close()
            except OSError:
                pass  # the worker died with our payload unread
        self._folder.cleanup()


def _script_version(script: Path) -> tuple[str, int, int]:
    try:
        found = script.stat()
    except OSError:
        return str(script), -1, -1
    return str(script), found.st_mtime_ns, found.st_size


class Zygote:
    """The process that forks workers (`zygote.py`), with the worker script it
    imported. Forks are asked one at a time, each answered by its process id."""

    def __init__(self):
        self.script = WORKER
        self._version = _script_version(WORKER)
        self._channel, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self._channel.settimeout(FORK_WAIT_S)
        with theirs:
            self._folder, self.process = _started_bare(
                [str(ZYGOTE), str(self.script), str(theirs.fileno())], stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, pass_fds=[theirs.fileno()])
        self._lock = threading.Lock()

    def usable(self) -> bool:
        """Still running, and started from today's worker script as it is
        now: a worker script edited since (a fix deployed in place) is
        imported by a new zygote, not forked from the old code."""
        return self.process.poll() is None and self._version == _script_version(WORKER)

    def fork(self) -> Worker:
        """A new worker; OSError when the zygote cannot give one, or gave
        none in `FORK_WAIT_S`."""
        folder = tempfile.TemporaryDirectory(prefix="daylight-console-")
        (stdin, to_stdin), (from_stdout, stdout), (from_stderr, stderr) = os.pipe(), os.pipe(), os.pipe()
        ours = [to_stdin, from_stdout, from_stderr]
        try:
            with self._lock:
                socket.send_fds(self._channel, [json.dumps({"folder": folder.name}).encode()], [stdin, stdout, stderr])
                answer = self._channel.recv(16)
            if len(answer) != 4 or struct.unpack(">i", answer)[0] <= 0:
                raise OSError("the console's zygote forked no worker")
            pidfd = os.pidfd_open(struct.unpack(">i", answer)[0])
        except OSError:
            for fd in ours:
                os.close(fd)
            folder.cleanup()
            raise
        finally:
            for fd in (stdin, stdout, stderr):
                os.close(fd)
        return Worker(os.fdopen(to_stdin, "wb"), os.fdopen(from_stdout, "rb"), os.fdopen(from_stderr, "rb"), folder,
                      pidfd=pidfd)

    def end(self) -> None:
        self._channel.close()
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self._folder.cleanup()


class Workers:
    """Where each statement's worker comes from. The portal keeps a zygote
    (`keep`), which forks a worker for each statement in milliseconds; it is
    started again if it died or the worker script changed. Without one (the
    command line), or when it cannot fork, a worker is started from scratch,
    which costs the statement the 0.3 s of CPU of importing DuckDB and Arrow.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._zygote: Zygote | None = None
        self._kept = False
        atexit.register(self.stop)

    def keep(self) -> None:
        """From now on keep a zygote started (the portal calls this once)."""
        with self._lock:
            if not self._kept:
                self._kept = True
                self._zygote = self._started()

    def take(self) -> Worker:
        with self._lock:
            if self._kept and (self._zygote is None or not self._zygote.usable()):
                if self._zygote is not None:
                    self._zygote.end()
                self._zygote = self._started()
            zygote = self._zygote
        if zygote is not None:
            try:
                return zygote.fork()
            except OSError as problem:
                log.warning("the console's zygote forked no worker (%s); starting one from scratch, and a new "
                            "zygote for the next statement", problem)
                zygote.end()
        return Worker.start()

    @staticmethod
    def _started() -> Zygote | None:
        try:
            return Zygote()
        except OSError as problem:
            log.warning("the console's zygote did not start (%s); workers start from scratch", problem)
            return None

    def stop(self) -> None:
        with self._lock:
            zygote, self._zygote, self._kept = self._zygote, None, False
        if zygote is not None:
            zygote.end()


WORKERS = Workers()


def run_in_sandbox(statement: str, slices: dict[str, pa.Table], limits: ConsoleLimits) -> tuple[dict, pa.Table | None]:
    """Runs a worker (forked by the zygote, when one is kept) over exactly `slices`;
    returns its reply, or an error header of our own when it timed out,
    outgrew the cap or crashed."""
    deadline = time.monotonic() + limits.timeout_s
    worker = WORKERS.take()
    try:
        ended, output, errors = _exchange(worker, _payload(statement, limits, slices), deadline,
                                          limits.max_result_bytes + REPLY_SLACK_BYTES)
    finally:
        worker.end()
    if ended != "done":
        return {"error": ended, "message": ""}, None
    try:
        return _read_reply(output)
    except ValueError:
        log.warning("console worker ended without a whole reply: %s", errors.decode(errors="replace")[-500:])
        return {"error": "crashed", "message": ""}, None

"""Starts the SQL console's workers by forking itself, so that no worker
spends its statement's time importing DuckDB and Arrow.

A worker started from scratch spends about 0.3 s of CPU importing them, on
every statement; when eight people pressed Run together, that was as much
CPU as the statements themselves. This process imports the worker script
once and then forks a worker for each statement, in a few milliseconds.

Started by `queries.console.process` as `python -I zygote.py <worker script>
<socket>`, as the worker itself is: an empty environment, an empty folder,
a session of its own. It never receives rows or statements: over its
socket come only the name of a new worker's empty folder and three pipes,
which become that worker's standard input, output and error; back goes the
worker's process id. The worker confines itself once its statement
arrives, exactly as a worker started from scratch does (`worker.py`).

Forked workers share this process's memory layout, which a worker started
from scratch would not; their confinement, not the layout, is what keeps
a statement in. This process reaps them, so the portal judges a reply by
its framing, not by an exit status, and stops a worker through a pidfd
opened as soon as it was forked, which never signals another process.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import socket
import struct
import sys
import traceback


def _worker_module(script: str):
    spec = importlib.util.spec_from_file_location("daylight_console_worker", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _become_worker(worker, channel: socket.socket, pipes: list[int], folder: str) -> None:
    """In the forked child: the pipes become its standard streams, nothing
    of the zygote's stays open, and the worker's own `main` runs."""
    code = 1
    try:
        channel.close()
        os.setsid()
        os.chdir(folder)
        for target, pipe in enumerate(pipes):
            os.dup2(pipe, target)
            os.close(pipe)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        worker.main()
        code = 0
    except SystemExit as ended:
        code = ended.code if isinstance(ended.code, int) else 1
    except BaseException:
        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass  # the portal stopped reading
        os._exit(code)


def _reap(*_) -> None:
    """Waits for every worker that ended, so that none is left a zombie and
    their CPU time counts as this process's children's."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _folder_asked(message: bytes) -> str | None:
    """Read before forking: nothing that can fail may run in a child
    before it has left the zygote's loop."""
    try:
        folder = json.loads(message)["folder"]
    except (ValueError, KeyError, TypeError):
        return None
    return folder if isinstance(folder, str) else None


def serve(worker, channel: socket.socket) -> None:
    """Forks one worker per request until the portal closes its end."""
    signal.signal(signal.SIGCHLD, _reap)
    while True:
        try:
            message, pipes, _, _ = socket.recv_fds(channel, 4096, 3)
        except OSError:
            return
        if not message:
            return
        pid, folder = None, _folder_asked(message)
        if len(pipes) == 3 and folder:
            try:
                pid = os.fork()
            except OSError:
                pid = None
            if pid == 0:
                _become_worker(worker, channel, pipes, folder)
        for pipe in pipes:
            os.close(pipe)
        channel.send(struct.pack(">i", pid or 0))  # 0: no worker; the portal starts one from scratch


def main() -> None:
    worker = _worker_module(sys.argv[1])
    serve(worker, socket.socket(fileno=int(sys.argv[2])))


if __name__ == "__main__":
    main()

"""Test-only entry point: applies exactly the console worker's confinement,
then tries, in Python, what an exploit inside the worker would try.

Run as `python -I tests/sandbox_probe.py WORKER_PATH TARGETS_JSON`, with the
same interpreter, flags and empty environment as the real worker; prints
one JSON object: each attempt and whether it succeeded. TARGETS_JSON names
files to open, folders to list and processes to signal. A worker forked by
the console's zygote runs `attempts` too (`test_console_zygote.py`).
"""

import importlib.util
import json
import os
import socket
import subprocess
import sys


def _attempt(action) -> str | None:
    """None when the action succeeded, else the error it met."""
    try:
        action()
    except (OSError, ValueError) as problem:  # setrlimit reports EPERM as ValueError
        return f"{type(problem).__name__}: {problem}"
    return None


def _fork() -> None:
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)


def attempts(worker, targets: dict) -> dict:
    """Confines this process as `worker` does, then tries each thing: the
    error each met, or None for what succeeded."""
    worker.limit_resources(30, 4096)
    worker.confine()
    tried = {}
    for path in targets["files"]:
        tried[f"open {path}"] = _attempt(lambda path=path: open(path, "rb").read(1))
        tried[f"open for writing {path}"] = _attempt(lambda path=path: open(path, "ab").close())
    for folder in targets["folders"]:
        tried[f"list {folder}"] = _attempt(lambda folder=folder: os.listdir(folder))
    tried["create a file in the working folder"] = _attempt(lambda: open("planted", "wb").close())
    tried["open a TCP socket"] = _attempt(lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM).close())
    tried["open a UNIX socket"] = _attempt(lambda: socket.socket(socket.AF_UNIX, socket.SOCK_STREAM).close())
    tried["connect to the loopback"] = _attempt(lambda: socket.create_connection(("127.0.0.1", 9), timeout=1))
    tried["start a process"] = _attempt(lambda: subprocess.run(["/bin/true"], check=False))
    tried["fork"] = _attempt(_fork)
    tried["exec"] = _attempt(lambda: os.execv("/bin/true", ["/bin/true"]))
    for pid in targets["signal"]:
        tried[f"signal process {pid}"] = _attempt(lambda pid=pid: os.kill(pid, 0))
    tried["raise the memory limit"] = _attempt(lambda: worker.resource.setrlimit(worker.resource.RLIMIT_AS, (-1, -1)))
    return tried


def main() -> None:
    worker_path, targets = sys.argv[1], json.loads(sys.argv[2])
    spec = importlib.util.spec_from_file_location("console_worker", worker_path)
    worker = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(worker)
    print(json.dumps(attempts(worker, targets)))


if __name__ == "__main__":
    main()

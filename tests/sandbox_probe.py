"""Test-only entry point: applies exactly the console worker's confinement,
then tries, in Python, what an exploit inside the worker would try.

Run as `python -I tests/sandbox_probe.py WORKER_PATH TARGETS_JSON`, with the
same interpreter, flags and empty environment as the real worker; prints
one JSON object: each attempt and whether it succeeded. TARGETS_JSON names
files to open, folders to list and the parent's pid.
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


def main() -> None:
    worker_path, targets = sys.argv[1], json.loads(sys.argv[2])
    spec = importlib.util.spec_from_file_location("console_worker", worker_path)
    worker = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(worker)
    worker.limit_resources(30, 4096)
    worker.confine()
    attempts = {}
    for path in targets["files"]:
        attempts[f"open {path}"] = _attempt(lambda path=path: open(path, "rb").read(1))
        attempts[f"open for writing {path}"] = _attempt(lambda path=path: open(path, "ab").close())
    for folder in targets["folders"]:
        attempts[f"list {folder}"] = _attempt(lambda folder=folder: os.listdir(folder))
    attempts["create a file in the working folder"] = _attempt(lambda: open("planted", "wb").close())
    attempts["open a TCP socket"] = _attempt(lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM).close())
    attempts["open a UNIX socket"] = _attempt(lambda: socket.socket(socket.AF_UNIX, socket.SOCK_STREAM).close())
    attempts["connect to the loopback"] = _attempt(lambda: socket.create_connection(("127.0.0.1", 9), timeout=1))
    attempts["start a process"] = _attempt(lambda: subprocess.run(["/bin/true"], check=False))
    attempts["fork"] = _attempt(_fork)
    attempts["exec"] = _attempt(lambda: os.execv("/bin/true", ["/bin/true"]))
    attempts["signal the parent"] = _attempt(lambda: os.kill(targets["parent"], 0))
    attempts["raise the memory limit"] = _attempt(
        lambda: worker.resource.setrlimit(worker.resource.RLIMIT_AS, (-1, -1)))
    print(json.dumps(attempts))


if __name__ == "__main__":
    main()

"""`make run`: builds the subject index, starts the development identity
provider, the development mail sink and the portal, waits until the
provider and the portal answer and the portal has run once, prints the URL,
the demo logins and where mails land, and stops all three on Ctrl-C. Logs
go to `.run/`."""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.exceptions import WebSocketException
from websockets.sync.client import connect

from devtools.identity_provider import command as idp_command
from devtools.identity_provider import logins_text
from devtools.secrets import write_dev_secrets

ROOT = Path(__file__).resolve().parent.parent
READY_TIMEOUT_S = 60


MAIL_PORT = 8025  # portal.toml's [mail] smtp_port


def port_free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def wait_until_ready(url: str, process: subprocess.Popen, log: Path, timeout: float = READY_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited early; last lines of {log}:\n" + "".join(log.read_text().splitlines(True)[-15:]))
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s; see {log}")


def build_index(log: Path, config: Path | None = None) -> bool:
    """`daylight refresh` before the portal starts: the first person to sign
    in would otherwise wait for the whole subject index to be built. If it
    fails the portal still starts, and says plainly what it cannot open.
    `config` defaults to $PORTAL_CONFIG or ./portal.toml."""
    with open(log, "w") as out:
        done = subprocess.run([sys.executable, "-c", "import sys; from queries.cli import main; sys.exit(main())",
                               "refresh", *(["--config", str(config)] if config else [])], stdout=out,
                              stderr=subprocess.STDOUT, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    if done.returncode != 0:
        print(f"note: building the subject index failed (see {log}); the portal starts anyway", file=sys.stderr)
    return done.returncode == 0


def ends_a_script_run(payload: bytes) -> bool:
    """Whether a message the portal sent on a page's websocket is Streamlit's
    `script_finished`: the end of a script run, however quick."""
    message = ForwardMsg()
    message.ParseFromString(payload)
    return message.WhichOneof("type") == "script_finished"


def warm_portal(app_url: str, timeout: float = READY_TIMEOUT_S) -> bool:
    """One visit by someone who has not signed in, as a browser's first
    message asks for it: the portal imports its modules and opens the
    warehouse before the first person arrives. Whether it ran; if not, the
    first visitor only waits longer."""
    deadline = time.monotonic() + timeout
    try:
        with connect(app_url.replace("http", "ws", 1) + "/_stcore/stream", subprotocols=["streamlit"],
                     origin=app_url, open_timeout=timeout) as socket:
            message = BackMsg()
            message.rerun_script.query_string = ""
            socket.send(message.SerializeToString())
            while not ends_a_script_run(socket.recv(timeout=max(0.0, deadline - time.monotonic()))):
                pass
            return True
    except (OSError, TimeoutError, WebSocketException) as problem:
        print(f"note: the portal did not run once before the URL was printed ({problem or type(problem).__name__}); "
              "the first visit may be slow", file=sys.stderr)
        return False


def portal_command(port: int) -> list[str]:
    return [sys.executable, "-m", "streamlit", "run", str(ROOT / "portal" / "app.py"), "--server.port", str(port),
            "--server.headless", "true"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.run", description=__doc__)
    parser.add_argument("--data", type=Path, default=ROOT / "data")
    parser.add_argument("--app-port", type=int, default=8501)
    parser.add_argument("--idp-port", type=int, default=9400)
    args = parser.parse_args(argv)
    for name, port in (("APP_PORT", args.app_port), ("IDP_PORT", args.idp_port)):
        if not port_free(port):
            print(f"error: port {port} is already in use; stop what uses it or run `make run {name}=<port>`",
                  file=sys.stderr)
            return 2
    if not port_free(MAIL_PORT):
        print(f"error: port {MAIL_PORT} (the development mail sink, as portal.toml's [mail] names it) is already "
              "in use; stop what uses it", file=sys.stderr)
        return 2
    app_url, idp_url = f"http://localhost:{args.app_port}", f"http://localhost:{args.idp_port}"
    # Stopped by a signal rather than Ctrl-C, still stop both servers.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    write_dev_secrets(ROOT / ".streamlit" / "secrets.toml", app_url, idp_url)
    logs = ROOT / ".run"
    logs.mkdir(exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    processes = []
    try:
        print("Building the index of who is in which table…", flush=True)
        build_index(logs / "refresh.log")
        with open(logs / "idp.log", "w") as idp_log, open(logs / "portal.log", "w") as portal_log, \
                open(logs / "mail.log", "w") as mail_log:
            processes.append(subprocess.Popen(
                [sys.executable, "-m", "devtools.mail_sink", "--port", str(MAIL_PORT), "--out", str(logs / "mail")],
                stdout=mail_log, stderr=subprocess.STDOUT, cwd=ROOT, env=env))
            idp = subprocess.Popen(idp_command(args.data, args.idp_port, 3600), stdout=idp_log, stderr=subprocess.STDOUT,
                                   cwd=ROOT, env=env)
            processes.append(idp)
            portal = subprocess.Popen(portal_command(args.app_port), stdout=portal_log, stderr=subprocess.STDOUT,
                                      cwd=ROOT, env=env)
            processes.append(portal)
            wait_until_ready(f"{idp_url}/.well-known/openid-configuration", idp, logs / "idp.log")
            wait_until_ready(f"{app_url}/_stcore/health", portal, logs / "portal.log")
            warm_portal(app_url)
            print(f"\nDaylight is running at {app_url}\n")
            print(logins_text(args.data))
            print(f"\nMails to employees (a development mail sink on port {MAIL_PORT}): {logs / 'mail'}/*.eml")
            print(f"Identity provider: {idp_url}   Logs: {logs}/   Stop with Ctrl-C.", flush=True)
            while all(p.poll() is None for p in processes):
                time.sleep(0.5)
            print("error: a server stopped; see the logs in .run/", file=sys.stderr)
            return 1
    except RuntimeError as problem:
        print(f"error: {problem}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


if __name__ == "__main__":
    sys.exit(main())

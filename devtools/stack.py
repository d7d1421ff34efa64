"""The identity provider and the portal as `make run` starts them, on free
ports, for the browser tests and the load case: a portal configuration,
the demo users the provider offers, and where the portal logs."""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from devtools.identity_provider import command as idp_command
from devtools.run import ROOT, portal_command, wait_until_ready
from devtools.secrets import write_dev_secrets

CHROMIUM = "/usr/bin/chromium"  # Debian's, which `make test` installs; a browser is never downloaded
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class Stack:
    app_url: str
    portal: subprocess.Popen
    portal_log: Path


@contextmanager
def running_stack(folder: Path, config: Path, users: Path, token_max_age: int) -> Iterator[Stack]:
    """`users` is a folder holding `demo_users.json` (the provider's logins);
    logs and the development secrets go to `folder`."""
    app_port, idp_port = free_port(), free_port()
    app_url, idp_url = f"http://localhost:{app_port}", f"http://localhost:{idp_port}"
    secrets = folder / "secrets.toml"
    write_dev_secrets(secrets, app_url, idp_url)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PORTAL_CONFIG": str(config)}
    processes = []
    try:
        idp_log, portal_log = folder / "idp.log", folder / "portal.log"
        with open(idp_log, "w") as idp_out, open(portal_log, "w") as portal_out:
            processes.append(subprocess.Popen(idp_command(users, idp_port, token_max_age), stdout=idp_out,
                                              stderr=subprocess.STDOUT, env=env, cwd=ROOT))
            processes.append(subprocess.Popen(portal_command(app_port) + ["--secrets.files", str(secrets)],
                                              stdout=portal_out, stderr=subprocess.STDOUT, env=env, cwd=ROOT))
            wait_until_ready(f"{idp_url}/.well-known/openid-configuration", processes[0], idp_log)
            wait_until_ready(f"{app_url}/_stcore/health", processes[1], portal_log)
            yield Stack(app_url, processes[1], portal_log)
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)

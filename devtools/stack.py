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
from devtools.run import ROOT, build_index, portal_command, wait_until_ready
from devtools.secrets import write_dev_secrets

CHROMIUM = "/usr/bin/chromium"  # Debian's, which `make test` installs; a browser is never downloaded
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


HAPROXY = "/usr/sbin/haproxy"  # Debian's, which `make test` installs for a stack of several portals
AFFINITY_COOKIE = "daylight_portal"


@dataclass(frozen=True)
class Portal:
    process: subprocess.Popen
    log: Path
    url: str  # its own address; people reach it through the stack's


@dataclass(frozen=True)
class Stack:
    app_url: str  # the portal's address, or the proxy's in front of several
    portals: tuple[Portal, ...]  # the first keeps the subject index when there are several


def role_config(config: Path, role: str) -> Path:
    """`config` with `state.index_role` set, written beside it (its paths are
    relative to its folder)."""
    text = config.read_text(encoding="utf-8")
    if "\n[state]\n" not in f"\n{text}":
        raise ValueError(f"{config} has no [state] section")
    written = config.with_name(f"{config.stem}.{role}.toml")
    written.write_text(f"\n{text}".replace("\n[state]\n", f'\n[state]\nindex_role = "{role}"\n', 1), encoding="utf-8")
    return written


def proxy_config(port: int, portals: list[str]) -> str:
    """HAProxy in front of several portals, as a deployment would run it: a
    browser is sent to one portal for good (a cookie the proxy sets on the
    first answer), because a Streamlit session lives in one process, and its
    websocket is passed through."""
    servers = "\n".join(f"  server portal{n} {url.removeprefix('http://')} cookie portal{n} check"
                        for n, url in enumerate(portals))
    return f"""global
  maxconn 2000
defaults
  mode http
  timeout connect 5s
  timeout client 1h
  timeout server 1h
  timeout tunnel 1h
frontend daylight
  bind 127.0.0.1:{port}
  default_backend portals
backend portals
  balance roundrobin
  cookie {AFFINITY_COOKIE} insert indirect nocache httponly
  option httpchk GET /_stcore/health
{servers}
"""


@contextmanager
def running_stack(folder: Path, config: Path, users: Path, token_max_age: int, portals: int = 1) -> Iterator[Stack]:
    """`users` is a folder holding `demo_users.json` (the provider's logins);
    logs and the development secrets go to `folder`. With several `portals`,
    the first keeps the subject index (`state.index_role = "writer"`) and
    publishes it before the others (readers) start, and HAProxy spreads
    people over them."""
    app_port, idp_port = free_port(), free_port()
    app_url, idp_url = f"http://localhost:{app_port}", f"http://localhost:{idp_port}"
    secrets = folder / "secrets.toml"
    write_dev_secrets(secrets, app_url, idp_url)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    ports = [app_port] if portals == 1 else [free_port() for _ in range(portals)]
    configs = [config] if portals == 1 else \
        [role_config(config, "writer")] + [role_config(config, "reader")] * (portals - 1)
    processes, started = [], []
    try:
        idp_log = folder / "idp.log"
        with open(idp_log, "w") as idp_out:
            processes.append(subprocess.Popen(idp_command(users, idp_port, token_max_age), stdout=idp_out,
                                              stderr=subprocess.STDOUT, env=env, cwd=ROOT))
        wait_until_ready(f"{idp_url}/.well-known/openid-configuration", processes[0], idp_log)
        if portals > 1 and not build_index(folder / "refresh.log", configs[0]):
            raise RuntimeError(f"the writer could not publish the subject index; see {folder / 'refresh.log'}")
        for number, (port, portal_config) in enumerate(zip(ports, configs, strict=True)):
            log, url = folder / ("portal.log" if portals == 1 else f"portal{number}.log"), f"http://localhost:{port}"
            with open(log, "w") as out:
                process = subprocess.Popen(portal_command(port) + ["--secrets.files", str(secrets)], stdout=out,
                                           stderr=subprocess.STDOUT, env={**env, "PORTAL_CONFIG": str(portal_config)},
                                           cwd=ROOT)
            processes.append(process)
            started.append(Portal(process, log, url))
        for portal in started:
            wait_until_ready(f"{portal.url}/_stcore/health", portal.process, portal.log)
        if portals > 1:
            proxy_file, proxy_log = folder / "haproxy.cfg", folder / "haproxy.log"
            proxy_file.write_text(proxy_config(app_port, [p.url for p in started]))
            with open(proxy_log, "w") as out:
                processes.append(subprocess.Popen([HAPROXY, "-db", "-f", str(proxy_file)], stdout=out,
                                                  stderr=subprocess.STDOUT, cwd=folder))
            wait_until_ready(f"{app_url}/_stcore/health", processes[-1], proxy_log)
        yield Stack(app_url, tuple(started))
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)


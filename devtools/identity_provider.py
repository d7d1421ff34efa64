"""The development identity provider: `oidc-provider-mock` with the sample's
demo users predefined, so that signing in is one click on its login form.

`python -m devtools.identity_provider --data data --port 9400` runs it;
`--list` prints the demo logins instead.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path


def demo_users(data_dir: Path) -> list[dict]:
    path = Path(data_dir) / "demo_users.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SystemExit(f"error: {path} not found; generate the sample with `python -m sample_data --out {data_dir}`")


def command(data_dir: Path, port: int, token_max_age: int) -> list[str]:
    argv = [sys.executable, "-m", "oidc_provider_mock", "--port", str(port), "--token-max-age", str(token_max_age)]
    for user in demo_users(data_dir):
        argv += ["--user-claims", json.dumps(user["claims"])]
    return argv


def logins_text(data_dir: Path) -> str:
    lines = ["Demo logins (click one on the identity provider's form):"]
    lines += [f"  {user['claims']['sub']:<40} {user['label']}" for user in demo_users(data_dir)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.identity_provider", description=__doc__)
    parser.add_argument("--data", type=Path, default=Path("data"), help="sample folder holding demo_users.json")
    parser.add_argument("--port", type=int, default=9400)
    parser.add_argument("--token-max-age", type=int, default=3600, help="ID token lifetime in seconds")
    parser.add_argument("--list", action="store_true", help="print the demo logins and exit")
    args = parser.parse_args(argv)
    if args.list:
        print(logins_text(args.data))
        return 0
    argv = command(args.data, args.port, args.token_max_age)
    os.execv(argv[0], argv)


if __name__ == "__main__":
    sys.exit(main())

"""Writes `.streamlit/secrets.toml` for development: Streamlit's `[auth]`
section pointing at the local identity provider, with a random cookie
secret. A file this wrote is brought up to date when `make run` is given
other ports (its secrets kept): otherwise sign-in would wait on a provider
address nothing listens on. Any other file is left alone: it may point at
a real provider."""

from __future__ import annotations

import argparse
import secrets
import sys
import tomllib
from pathlib import Path

GENERATED = "# Generated for development by `make run`; not for production."


def secrets_toml(app_url: str, idp_url: str, cookie_secret: str | None = None,
                 client_secret: str | None = None) -> str:
    return "\n".join([
        GENERATED,
        "[auth]",
        f'redirect_uri = "{app_url}/oauth2callback"',
        f'cookie_secret = "{cookie_secret or secrets.token_urlsafe(32)}"',
        'client_id = "daylight-dev"',
        f'client_secret = "{client_secret or secrets.token_urlsafe(24)}"',
        f'server_metadata_url = "{idp_url}/.well-known/openid-configuration"',
        "",
    ])


def write_dev_secrets(path: Path, app_url: str, idp_url: str) -> bool:
    """Returns True when the file was written: new, or one this wrote for
    other addresses."""
    path = Path(path)
    kept: dict = {}
    if path.exists():
        text = path.read_text(encoding="utf-8")
        if not text.startswith(GENERATED):
            return False
        try:
            kept = tomllib.loads(text).get("auth", {})
        except tomllib.TOMLDecodeError:
            kept = {}
        if text == secrets_toml(app_url, idp_url, kept.get("cookie_secret"), kept.get("client_secret")):
            return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(secrets_toml(app_url, idp_url, kept.get("cookie_secret"), kept.get("client_secret")),
                    encoding="utf-8")
    path.chmod(0o600)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.secrets", description=__doc__)
    parser.add_argument("--out", type=Path, default=Path(".streamlit/secrets.toml"))
    parser.add_argument("--app-url", default="http://localhost:8501")
    parser.add_argument("--idp-url", default="http://localhost:9400")
    args = parser.parse_args(argv)
    if write_dev_secrets(args.out, args.app_url, args.idp_url):
        print(f"Wrote {args.out} (development sign-in through {args.idp_url})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

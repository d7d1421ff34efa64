"""Development tooling: generated secrets and the identity provider's users."""

from __future__ import annotations

import json
import tomllib

from devtools.identity_provider import command, logins_text
from devtools.secrets import write_dev_secrets


def test_secrets_are_random_private_and_never_overwritten(tmp_path):
    first, second = tmp_path / "a" / "secrets.toml", tmp_path / "b" / "secrets.toml"
    assert write_dev_secrets(first, "http://localhost:8501", "http://localhost:9400")
    assert write_dev_secrets(second, "http://localhost:8501", "http://localhost:9400")
    auth_a, auth_b = (tomllib.loads(p.read_text())["auth"] for p in (first, second))
    assert auth_a["cookie_secret"] != auth_b["cookie_secret"] and len(auth_a["cookie_secret"]) >= 32
    assert auth_a["redirect_uri"] == "http://localhost:8501/oauth2callback"
    assert auth_a["server_metadata_url"] == "http://localhost:9400/.well-known/openid-configuration"
    assert first.stat().st_mode & 0o077 == 0
    before = first.read_text()
    assert not write_dev_secrets(first, "http://elsewhere", "http://elsewhere")
    assert first.read_text() == before


def test_the_identity_provider_knows_every_demo_user(sample, demo_users):
    argv = command(sample, 9400, 3600)
    predefined = [json.loads(argv[i + 1]) for i, arg in enumerate(argv) if arg == "--user-claims"]
    assert {u["sub"] for u in predefined} == {u["claims"]["sub"] for u in demo_users.values()}
    assert all({"email", "name", "groups"} <= set(u) for u in predefined)
    assert all(u["claims"]["sub"] in logins_text(sample) for u in demo_users.values())

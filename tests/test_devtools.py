"""Development tooling: generated secrets and the identity provider's users."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib

from devtools.identity_provider import command, logins_text
from devtools.run import ROOT
from devtools.secrets import write_dev_secrets


def test_secrets_are_random_private_and_follow_the_ports_of_make_run(tmp_path):
    first, second = tmp_path / "a" / "secrets.toml", tmp_path / "b" / "secrets.toml"
    assert write_dev_secrets(first, "http://localhost:8501", "http://localhost:9400")
    assert write_dev_secrets(second, "http://localhost:8501", "http://localhost:9400")
    auth_a, auth_b = (tomllib.loads(p.read_text())["auth"] for p in (first, second))
    assert auth_a["cookie_secret"] != auth_b["cookie_secret"] and len(auth_a["cookie_secret"]) >= 32
    assert auth_a["redirect_uri"] == "http://localhost:8501/oauth2callback"
    assert auth_a["server_metadata_url"] == "http://localhost:9400/.well-known/openid-configuration"
    assert first.stat().st_mode & 0o077 == 0
    before = first.read_text()
    assert not write_dev_secrets(first, "http://localhost:8501", "http://localhost:9400"), "unchanged ports"
    assert first.read_text() == before
    assert write_dev_secrets(first, "http://localhost:8600", "http://localhost:9500"), "other ports"
    moved = tomllib.loads(first.read_text())["auth"]
    assert moved["redirect_uri"] == "http://localhost:8600/oauth2callback"
    assert moved["server_metadata_url"] == "http://localhost:9500/.well-known/openid-configuration"
    assert (moved["cookie_secret"], moved["client_secret"]) == (auth_a["cookie_secret"], auth_a["client_secret"])
    assert first.stat().st_mode & 0o077 == 0


def test_a_secrets_file_someone_else_wrote_is_never_touched(tmp_path):
    real = tmp_path / "secrets.toml"
    real.write_text('[auth]\nredirect_uri = "https://daylight.acme.example/oauth2callback"\n')
    before = real.read_text()
    assert not write_dev_secrets(real, "http://localhost:8600", "http://localhost:9500")
    assert real.read_text() == before


def test_the_identity_provider_knows_every_demo_user(sample, demo_users):
    argv = command(sample, 9400, 3600)
    predefined = [json.loads(argv[i + 1]) for i, arg in enumerate(argv) if arg == "--user-claims"]
    assert {u["sub"] for u in predefined} == {u["claims"]["sub"] for u in demo_users.values()}
    assert all({"email", "name", "groups"} <= set(u) for u in predefined)
    assert all(u["claims"]["sub"] in logins_text(sample) for u in demo_users.values())


def test_make_run_builds_the_subject_index_before_the_portal_starts(tmp_path, sample, monkeypatch, capsys):
    from devtools.run import build_index
    from tests.conftest import write_config

    monkeypatch.setenv("PORTAL_CONFIG", str(write_config(tmp_path, sample)))
    assert build_index(tmp_path / "refresh.log")
    assert "indexed" in (tmp_path / "refresh.log").read_text()
    monkeypatch.setenv("PORTAL_CONFIG", str(tmp_path / "missing.toml"))
    assert not build_index(tmp_path / "refresh.log"), "a broken configuration is reported, not hidden"
    assert "the portal starts anyway" in capsys.readouterr().err


def test_the_portal_runs_with_the_repository_streamlit_settings():
    """What `make run` and the load case start reads `.streamlit/config.toml`
    from the repository root: no file watching, and no full garbage
    collection after every script run (Streamlit's default, ~250 ms holding
    the GIL with the backend in memory, while no other session's page runs)."""
    shown = subprocess.run(
        [sys.executable, "-c", "from streamlit import config; "
         "print(config.get_option('runner.postScriptGC'), config.get_option('server.fileWatcherType'), "
         "config.get_option('client.showErrorDetails'))"],
        cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    assert shown == ["False", "none", "none"]

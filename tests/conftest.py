"""Fixtures that build small real things: a generated warehouse in a
temporary folder, a portal configuration pointing at it, and the backend
over both. Nothing is mocked."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from queries.backend import Backend
from queries.discovery.catalog import CACHE_FILE
from queries.discovery.subject_index import INDEX_FILE
from sample_data.generate import PRESETS, generate
from settings import load_settings

# Small enough to generate in well under a second, large enough for every
# identifier shape, unregistered tables and groups of ten. Its Iceberg
# tables are written as Parquet folders, so that a test may copy the sample
# (Iceberg records absolute locations): tests/test_iceberg_tables.py has its own.
SMALL = replace(PRESETS["demo"], employees=80, days=10, tables=40, rows=30_000, audit_events=400, lakehouse=False)


def _files(folder: Path) -> dict[str, tuple[int, int, int]]:
    return {str(f.relative_to(folder)): (s.st_size, s.st_mtime_ns, s.st_ino)
            for f in folder.rglob("*") if f.is_file() and (s := f.stat())}


@pytest.fixture(scope="session")
def sample(tmp_path_factory) -> Iterator[Path]:
    """One sample for every test of a worker, read only: a test that changes
    its data works on a copy (`lake`). Whether one wrote into it anyway is
    checked when the worker finishes."""
    out = tmp_path_factory.mktemp("sample") / "data"
    generate(SMALL, out)
    generated = _files(out)
    yield out
    assert _files(out) == generated, "a test changed the shared sample: give it a copy (the `lake` fixture)"


def write_config(folder: Path, sample: Path, sections: dict[str, dict] | None = None, **identity) -> Path:
    """A portal.toml over `sample`; `identity` keys go to [identity], `sections` add others."""
    lines = [
        "[warehouse]", f'path = "{sample / "warehouse"}"', f'register = "{sample / "register.json"}"',
        "[directory]", f'path = "{sample / "directory.csv"}"',
        "[state]", f'path = "{folder / "state"}"',
        "[ledger]", f'signing_key = "{folder / "keys" / "ledger.pem"}"', "checkpoint_every = 10",
        "[audit]", f'log = "{sample / "audit" / "ranger_audit.jsonl"}"', f'grants = "{sample / "grants.csv"}"',
        f'groups = "{sample / "access_groups.json"}"',
    ]
    for name, values in {**(sections or {}), **({"identity": identity} if identity else {})}.items():
        lines += [f"[{name}]"] + [f"{key} = {json.dumps(value)}" for key, value in values.items()]
    config = folder / "portal.toml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return config


@pytest.fixture
def lake(tmp_path, sample) -> Path:
    """A copy of the sample this test may change (an erasure rewrites its files)."""
    copy = tmp_path / "lake"
    shutil.copytree(sample, copy)
    return copy


@pytest.fixture
def opened(tmp_path, lake):
    """The portal's backend over `lake`, refreshed; three erasure workers
    whatever the machine, so that files are written side by side."""
    config = write_config(tmp_path, lake)
    config.write_text(config.read_text() + "[erasure]\nworkers = 3\n")
    backend = Backend.open(config)
    backend.refresh()
    yield backend
    backend.close()


@pytest.fixture(scope="session")
def indexed_state(tmp_path_factory, sample) -> Path:
    """Discovery's cache and the subject index of the sample, built once:
    a test's own state folder starts from a copy, so a refresh finds
    nothing to do. The ledger and keys are never shared."""
    folder = tmp_path_factory.mktemp("indexed")
    opened = Backend.open(load_settings(write_config(folder, sample)))
    opened.refresh()
    opened.close()
    return folder / "state"


def seeded_config(folder: Path, sample: Path, indexed_state: Path, sections: dict[str, dict] | None = None) -> Path:
    """`write_config` over the sample itself, whose state folder starts with
    the sample's discovery cache and subject index, as `make run` leaves it
    before the portal starts: for a test that never changes the sample."""
    written = write_config(folder, sample, sections)
    (folder / "state").mkdir(exist_ok=True)
    for name in (CACHE_FILE, INDEX_FILE):
        shutil.copy(indexed_state / name, folder / "state" / name)
    return written


@pytest.fixture
def config(tmp_path, sample, indexed_state) -> Path:
    return seeded_config(tmp_path, sample, indexed_state)


@pytest.fixture
def backend(config) -> Backend:
    opened = Backend.open(load_settings(config))
    yield opened
    opened.close()


@pytest.fixture(scope="session")
def demo_users(sample) -> dict[str, dict]:
    """Demo logins by label, as the development identity provider offers them."""
    return {user["label"]: user for user in json.loads((sample / "demo_users.json").read_text())}


def signed_in_claims(user: dict, lifetime_s: int = 3600) -> dict:
    """The claims `st.user` holds after a real sign-in through the provider."""
    now = int(time.time())
    return {**user["claims"], "is_logged_in": True, "iss": "http://localhost:9400", "aud": "daylight-dev",
            "iat": now, "exp": now + lifetime_s}


# The longest test files, longest first, with those that drive a browser
# (a portal and a Chromium each) between the others so that the two workers
# seldom run two at once. `make test` hands whole files to its two workers
# (`--dist loadfile`) in collection order (`--no-loadscope-reorder`: by
# default pytest-xdist sorts files by their number of tests, which sent the
# one-test load smoke last, to run alone while the other worker idled).
LONGEST_FIRST = ("test_browser.py", "test_console.py", "test_load.py", "test_deletion.py",
                 "test_accessibility.py", "test_deletion_operations.py", "test_object_storage.py", "test_cli.py",
                 "test_my_data.py", "test_lakehouse_tables.py", "test_council_attacks.py", "test_console_hardening.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: place for place, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))

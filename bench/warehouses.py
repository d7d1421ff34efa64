"""The benchmark warehouses, generated once and reused while current.

A warehouse is current when its manifest names the same options and the
same generator code; otherwise it is generated again. Each size gets its
own portal configuration and state folder, so the subject index built for
it is reused too.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict
from pathlib import Path

from queries.backend import Backend
from sample_data.generate import PRESETS, Progress, generate, generator_version

ROOT = Path(__file__).resolve().parent.parent
BENCH_DATA = ROOT / "bench" / "data"
SIZES = ("S", "L")


def _current(folder: Path, size: str) -> bool:
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return False
    wanted = json.loads(json.dumps(asdict(PRESETS[size]), default=str))
    return manifest.get("options") == wanted and manifest.get("generator_version") == generator_version()


def ensure_sample(size: str, progress: Progress) -> tuple[Path, bool]:
    """The sample folder for `size`, and whether it had to be generated."""
    home = BENCH_DATA / size
    sample = home / "data"
    if _current(sample, size):
        return sample, False
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    generate(PRESETS[size], sample, progress)
    return sample, True


def open_backend(size: str) -> Backend:
    home = BENCH_DATA / size
    config = home / "portal.toml"
    config.write_text("\n".join([
        "[warehouse]", 'path = "data/warehouse"', 'register = "data/register.json"',
        "refresh_seconds = 86400",
        "[directory]", 'path = "data/directory.csv"',
        "[state]", 'path = "state"',
        "[ledger]", 'signing_key = "keys/ledger.pem"',
        "[audit]", 'log = "data/audit/ranger_audit.jsonl"', 'grants = "data/grants.csv"',
        'groups = "data/access_groups.json"', "",
    ]))
    return Backend.open(config)

"""Settings: every way a configuration file can be wrong gets a clear
message, and every setting is documented in the README."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from settings import ConfigError, documented_settings, load_settings

ROOT = Path(__file__).resolve().parent.parent
VALID = """
[warehouse]
path = "lake"
register = "register.json"
[directory]
path = "people.csv"
[state]
path = "state"
[ledger]
signing_key = "keys/ledger.pem"
"""


def write(tmp_path, text) -> Path:
    path = tmp_path / "portal.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_paths_are_relative_to_the_file_and_defaults_apply(tmp_path):
    settings = load_settings(write(tmp_path, VALID))
    assert settings.warehouse.path == (tmp_path / "lake").resolve()
    assert settings.identity.directory_claim == "email"
    assert settings.identity.role_groups["works-council"] == "works_council"
    assert settings.ledger.checkpoint_every == 100 and settings.audit.broad_groups == ("all-employees",)
    assert settings.audit.log is None
    assert settings.erasure.workers >= 1


def test_a_warehouse_on_object_storage_is_kept_as_its_location(tmp_path):
    settings = load_settings(write(tmp_path, VALID.replace('path = "lake"', 'path = "s3://lake/warehouse/"') +
                                   '[object_storage]\nendpoint = "http://127.0.0.1:9000"\n'))
    assert settings.warehouse.path == "s3://lake/warehouse"
    assert settings.object_storage.endpoint == "http://127.0.0.1:9000" and settings.object_storage.access_key_id == ""


def test_the_environment_variable_points_at_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_CONFIG", str(write(tmp_path, VALID)))
    assert load_settings().source == tmp_path / "portal.toml"


def test_the_shipped_portal_toml_loads():
    assert load_settings(ROOT / "portal.toml").directory.path.name == "directory.csv"


@pytest.mark.parametrize("text, message", [
    (None, "not found"),
    ("[warehouse\npath=", "not valid TOML"),
    (VALID.replace("[state]\npath = \"state\"", ""), r"missing section \[state\]"),
    (VALID.replace('register = "register.json"', ""), "missing setting warehouse.register"),
    (VALID + "[identity]\ndirectory_claimm = \"email\"\n", "unknown setting.*identity.directory_claimm"),
    (VALID + "[audits]\nx = 1\n", "unknown section"),
    (VALID.replace('"keys/ledger.pem"', '"state/ledger.pem"'), "signing_key must lie outside the state folder"),
    (VALID + "[audit]\nshow_accessor_names = \"yes\"\n", "show_accessor_names must be true or false"),
    (VALID + "[audit]\nbroad_groups = \"all\"\n", "broad_groups must be a list"),
    (VALID.replace('path = "lake"', "path = 3"), "warehouse.path must be a path"),
    (VALID + "[identity.role_groups]\nadmins = \"superuser\"\n", "unknown role"),
    (VALID + "[identity]\ndirectory_field = \"name\"\n", "directory_field must be one of"),
    (VALID + "[identity]\ngroups_claim = [1]\n", "groups_claim must be text"),
    (VALID + "[erasure]\nworkers = 0\n", "erasure.workers must be at least 1"),
    (VALID.replace('path = "state"', 'path = "state"\nindex_role = "replica"'), "index_role must be one of"),
])
def test_bad_configuration_is_explained(tmp_path, text, message):
    path = tmp_path / "portal.toml" if text is None else write(tmp_path, text)
    with pytest.raises(ConfigError, match=message):
        load_settings(path)


def test_every_setting_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([a-z_]+\.[a-z_]+)` \|", readme, flags=re.MULTILINE))
    assert documented == set(documented_settings())

"""Broken files on the portal's side: each gets a clear message or is
rebuilt, and nothing is lost."""

from __future__ import annotations


import pytest

from queries.backend import Backend, BackendError
from tests.conftest import write_config



@pytest.mark.parametrize("name, content, message", [
    ("register.json", "{not json", "not valid JSON"),
    ("register.json", '{"tables": [{"table": "x"}]}', "malformed entry"),
    ("directory.csv", "id,name\n1,a\n", "lacks column"),
])
def test_a_broken_input_file_is_explained(tmp_path, lake, name, content, message):
    (lake / name).write_text(content)
    with pytest.raises(BackendError, match=message):
        Backend.open(write_config(tmp_path, lake))


def test_a_missing_register_is_explained(tmp_path, lake):
    (lake / "register.json").unlink()
    with pytest.raises(BackendError, match="not found"):
        Backend.open(write_config(tmp_path, lake))


def test_an_unreadable_subject_index_is_set_aside_and_rebuilt(tmp_path, lake):
    config = write_config(tmp_path, lake)
    state = tmp_path / "state"
    state.mkdir()
    (state / "subject_index.duckdb").write_bytes(b"this is not a database" * 100)
    backend = Backend.open(config)
    assert backend.refresh().indexed
    assert list(state.glob("subject_index.duckdb.unreadable-*")), "kept for the operators"
    backend.close()


def test_a_damaged_pseudonym_key_is_never_replaced_silently(tmp_path, lake):
    config = write_config(tmp_path, lake)
    Backend.open(config).close()
    key = tmp_path / "state" / "pseudonym.key"
    key.write_text("not hex at all")
    with pytest.raises(BackendError, match="pseudonym key .* is damaged"):
        Backend.open(config)
    assert key.read_text() == "not hex at all"

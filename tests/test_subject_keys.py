"""How values are cut into tokens and what counts as a person's key: the
rules every reader of personal data shares."""

from __future__ import annotations

import hashlib

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from queries.discovery.directory import Directory, Employee
from queries.discovery.subject_keys import (TOKEN, directory_keys, keys_of, paths_naming, person_named,
                                           subject_prefilter, tokens, tokens_at_least)

IVAN = Employee("E00219", "Ivan Garcia", "ivan.garcia@acme.example", "Sales", None, "Berlin", "L3", "2020-01-01",
                False, login="igarcia", badge="80012345", hostnames=("acme-lt-4f2a9c",))
AL = Employee("E0001", "Al Ng", "al@x.example", "Sales", None, "Berlin", "L3", "2020-01-01", False)
VAL = Employee("E00010", "Val Ng", "val@x.example", "Sales", None, "Berlin", "L3", "2020-01-01", False)
DIRECTORY = Directory([IVAN, AL, VAL])


def named(text: str) -> set[str]:
    return {person for token in tokens(text) if (person := person_named(DIRECTORY, token))}


@pytest.mark.parametrize("text, people", [
    ("E00219", {"E00219"}),
    ("  ivan.GARCIA@acme.example ", {"E00219"}),
    ("Ivan Garcia <ivan.garcia@acme.example>", {"E00219"}),
    ("mailto:ivan.garcia@acme.example", {"E00219"}),
    ("/users/E00219/avatar.png", {"E00219"}),
    ("ivan.garcia@acme.example;al@x.example", {"E00219", "E0001"}),
    ("ivan.garcia@acme.example, val@x.example", {"E00219", "E00010"}),
    ("ivan.garcia+jira@acme.example", {"E00219"}),
    ("ACME\\igarcia", {"E00219"}),
    ("badge 80012345 at door 4", {"E00219"}),
    ("ssh acme-lt-4f2a9c", {"E00219"}),
    (hashlib.sha256(b"ivan.garcia@acme.example").hexdigest().upper(), {"E00219"}),
    (hashlib.md5(b"E00219").hexdigest(), {"E00219"}),
    ("E0001", {"E0001"}),
    ("E00010", {"E00010"}),
    ("al@x.example", {"E0001"}),
    ("val@x.example", {"E00010"}),
    ("E002190", set()),
    ("xE00219", set()),
    ("E00219_archive", set()),
    ("ivan.garcia@acme.example.org", set()),
    ("vivan.garcia@acme.example", set()),
    ("igarciax", set()),
    ("\u212aivan.garcia@acme.example", set()),
])
def test_a_token_names_exactly_whom_it_spells(text, people):
    assert named(text) == people


def test_a_persons_keys_include_every_form_and_hash():
    kinds = {k.kind for k in keys_of(IVAN)}
    assert {"employee_id", "email", "login", "badge", "hostname", "email_sha256", "email_sha1", "email_md5",
            "employee_id_sha256", "employee_id_sha1", "employee_id_md5"} <= kinds


def test_a_key_two_entries_share_names_neither():
    twin = Employee("E00999", "Ivo Garcia", "ivo.garcia@acme.example", "Sales", None, "Berlin", "L3", "2020-01-01",
                    False, login="igarcia")
    keys = {k.key: k.employee_id for k in directory_keys(Directory([IVAN, twin]))}
    assert "igarcia" not in keys and keys["e00219"] == "E00219"


def test_paths_say_where_in_a_row_someone_sits():
    row = {"sender": "ivan.garcia@acme.example", "recipients": ["al@x.example"],
           "payload": '{"meta": {"author": {"id": "E00219"}}}', "tags": [("E00219", 1)],
           "device": {"hostname": "acme-lt-4f2a9c"}, "badge_no": 80012345, "note": "hello"}
    assert paths_naming([row], {k.key for k in keys_of(IVAN)}) == [
        "badge_no", "device.hostname", "payload $.meta.author.id", "sender", "tags{key}"]


TOKEN_TEXT = st.text(alphabet="aZ09._-@%+ /\\<>;,:\u212a\u00e9x", max_size=40)


@pytest.fixture(scope="module")
def engine():
    """One DuckDB for every example of a property: opening one costs more than the example."""
    with duckdb.connect() as connection:
        yield connection


@settings(max_examples=300, deadline=None)
@given(texts=st.lists(TOKEN_TEXT, min_size=1, max_size=20), shortest=st.integers(1, 7))
def test_leaving_out_short_tokens_leaves_every_longer_token_as_it_was(engine, texts, shortest):
    """The index cuts text with `tokens_at_least(shortest key)` to spend no
    time on tokens too short to be anybody's key; DuckDB's own regular
    expressions must then find exactly TOKEN's longer tokens, in order. (A
    short email, `0@0.0`, may still come out: it names nobody, and it takes
    no character from a longer token, since TOKEN finds it there too.)"""
    rows = engine.execute(
        "SELECT regexp_extract_all(t, $all), regexp_extract_all(t, $long) FROM unnest($texts) AS texts(t)",
        {"all": TOKEN, "long": tokens_at_least(shortest), "texts": texts}).fetchall()
    for every, long in rows:
        assert [t for t in long if len(t) >= shortest] == [t for t in every if len(t) >= shortest]
        assert all(t in every for t in long)


KEY_FORM = st.sampled_from([k.key for k in keys_of(IVAN)] + ["ivan.garcia+jira@acme.example",
                                                             "IVAN.GARCIA+x.y@ACME.example", "mailto:IGarcia"])


@settings(max_examples=150, deadline=None)
@given(before=TOKEN_TEXT, key=KEY_FORM, after=TOKEN_TEXT, upper=st.booleans())
def test_a_text_naming_the_subject_always_passes_their_prefilter(engine, before, key, after, upper):
    """Reading one person's rows cuts only the texts that pass their own
    prefilter into tokens: any text that cuts into one of their keys must
    pass it (in DuckDB's regular expressions), whatever surrounds the key."""
    text = before + (key.upper() if upper else key) + after
    keys = keys_of(IVAN)
    names_ivan = bool({k.key for k in keys} & set(tokens(text)))
    [(passes,)] = engine.execute("SELECT regexp_matches($t, $p)", {"t": text, "p": subject_prefilter(keys)}).fetchall()
    assert passes or not names_ivan


def test_the_prefilter_lets_little_else_through():
    with duckdb.connect() as engine:
        passed = engine.execute("SELECT t, regexp_matches(t, $p) FROM unnest($texts) AS texts(t)", {
            "p": subject_prefilter(keys_of(AL)),
            "texts": ["al@x.example", "AL+tag@X.EXAMPLE", "E0001", "hello", "val@y.example", "E0002"]}).fetchall()
    assert dict(passed) == {"al@x.example": True, "AL+tag@X.EXAMPLE": True, "E0001": True, "hello": False,
                            "val@y.example": False, "E0002": False}

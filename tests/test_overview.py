"""Plain words: the glossary, the person's data per kind of data, the flags
on the home page, and the pages that show them."""

from __future__ import annotations

import json
import shutil

import pytest

from queries.backend import Backend
from queries.mydata.inventory import inventory_for
from queries.mydata.overview import kinds_of_data, overview
from queries.warehouse.glossary import Glossary
from queries.warehouse.register import Register, RegisterError
from tests.conftest import signed_in_claims, write_config
from tests.test_my_data import open_my_data, principal_for  # noqa: F401 (fixture)
from tests.test_pages import MARKDOWN_ESCAPE, open_page, page_text  # noqa: F401 (fixture)


def test_the_law_s_legal_bases_are_explained_whatever_the_register_writes():
    glossary = Glossary()
    assert glossary.legal_basis("Art. 6(1)(f) GDPR, legitimate interest").name == "the company's legitimate interest"
    assert "withdraw" in glossary.legal_basis("Art. 6 (1) a DSGVO").meaning
    assert glossary.legal_basis("Art. 6(1)(c) GDPR, legal obligation").name == "a legal duty"
    assert glossary.legal_basis("Art. 88 GDPR with § 26 BDSG").name == "your employment relationship"
    unknown = glossary.legal_basis("Betriebsvereinbarung 7")
    assert (unknown.name, unknown.meaning) == ("Betriebsvereinbarung 7", None), "shown as written, never guessed"


def test_a_term_nobody_explained_is_shown_readable_not_hidden():
    glossary = Glossary()
    assert glossary.kind("derived_productivity").name == "Derived productivity"
    assert glossary.purpose("ai_model_training").name == "ai model training"
    assert glossary.kind("derived_productivity").meaning is None
    assert glossary.kind("unregistered").name == "Not in the data register"


@pytest.mark.parametrize("broken", [
    {"kinds": {}},
    {"kinds_of_data": []},
    {"kinds_of_data": {"keystrokes": "Keystrokes"}},
    {"purposes": {"x": {"name": 3}}},
    {"purposes": {"x": {"name": "X", "meening": "typo"}}},
])
def test_a_malformed_glossary_is_refused_with_a_message(tmp_path, broken):
    path = tmp_path / "register.json"
    path.write_text(json.dumps({"tables": [], "glossary": broken}))
    with pytest.raises(RegisterError, match="glossary"):
        Register.load(path)


def test_every_kind_and_purpose_of_the_sample_has_plain_words(backend):
    glossary = backend.register.glossary
    for finding in backend.catalog().findings:
        entry = backend.register.get(finding.table.qualified_name)
        if entry:
            assert glossary.kind(entry.category).meaning, entry.category
            assert all(glossary.purpose(p).meaning for p in entry.purposes), entry.purposes
            assert glossary.legal_basis(entry.legal_basis).meaning, entry.legal_basis


def test_the_kinds_add_up_to_the_inventory(backend, demo_users):
    me = backend.directory.by_id(demo_users["employee, heavy data"]["employee_id"])
    who = principal_for(me)
    inventory = inventory_for(backend, who)
    seen = overview(backend, who, inventory)
    assert sum(k.rows for k in seen.kinds) == inventory.rows
    assert sorted(e.name for k in seen.kinds for e in k.entries) == sorted(e.name for e in inventory.entries)
    assert [k.registered for k in seen.kinds] == sorted((k.registered for k in seen.kinds), reverse=True), \
        "the undeclared tables come last, as one kind"
    keystrokes = next(k for k in seen.kinds if k.term.term == "keystrokes")
    assert keystrokes.term.name == "Keystrokes, including what you typed"
    assert keystrokes.amount().startswith(f"{keystrokes.rows:,} rows over {keystrokes.days} days")
    assert keystrokes.kept_for() == "30 days"
    assert keystrokes.matches("TYPED") and keystrokes.matches("training") and keystrokes.matches("keystrokes")
    assert not keystrokes.matches("badge")


def test_readers_per_kind_are_others_and_add_up_to_their_reads(backend, demo_users):
    me = backend.directory.by_id(demo_users["employee, heavy data"]["employee_id"])
    who = principal_for(me)
    inventory_for(backend, who)  # my own view, which must not count as someone else's read
    from queries.access.history import access_history
    history = access_history(backend, who)
    kinds = kinds_of_data(inventory_for(backend, who), backend.register.glossary, history)
    others = history.accesses[~history.accesses["by me"]]
    per_table = others["tables"].str.split(", ").explode().value_counts()
    mine = {e.name for k in kinds for e in k.entries}
    assert sum(k.reads_by_others for k in kinds) == sum(n for t, n in per_table.items() if t in mine) > 0
    assert all(reader not in ("you", me.name) for k in kinds for reader, _ in k.readers)


def test_flags_state_only_what_holds(backend, demo_users):
    me = backend.directory.by_id(demo_users["employee, heavy data"]["employee_id"])
    who = principal_for(me)
    inventory = inventory_for(backend, who)
    flags = {f.key: f for f in overview(backend, who, inventory).flags}
    assert ("unregistered" in flags) == bool(inventory.unregistered)
    assert ("kept too long" in flags) == bool(inventory.with_overdue_rows)
    if "unregistered" in flags:
        assert flags["unregistered"].headline.startswith(f"{len(inventory.unregistered)} table")


def test_home_shows_kinds_in_plain_words_flags_and_open_requests(open_page, demo_users, backend):  # noqa: F811
    user = demo_users["employee, heavy data"]
    who = principal_for(backend.directory.by_id(user["employee_id"]))
    from queries.erasure import service as deletions
    from queries.erasure.requests import Scope
    request = deletions.ask_for_deletion(backend, who, Scope(everything=True), None)
    at = open_page(signed_in_claims(user))
    text = page_text(at)
    assert "What was recorded about you" in text
    assert "Keystrokes, including what you typed" in text and "telemetry_raw.keystrokes" not in text
    for flag in overview(backend, who, inventory_for(backend, who)).flags:
        assert flag.headline in text
    assert f"{request.request_id} (all my data): waiting for a decision" in text


def test_home_without_flags_says_so(open_page, demo_users, backend):  # noqa: F811
    user = demo_users["employee, light data"]
    who = principal_for(backend.directory.by_id(user["employee_id"]))
    text = page_text(open_page(signed_in_claims(user)))
    if not overview(backend, who, inventory_for(backend, who)).flags:
        assert "Nothing to flag" in text
    else:
        assert "Nothing to flag" not in text


def test_my_data_cards_search_and_filter(open_my_data, config, backend, demo_users):  # noqa: F811
    user = demo_users["employee, heavy data"]
    who = principal_for(backend.directory.by_id(user["employee_id"]))
    kinds = overview(backend, who, inventory_for(backend, who)).kinds
    at = open_my_data(config, signed_in_claims(user))

    def cards() -> list[str]:
        return [MARKDOWN_ESCAPE.sub(r"\1", h.value) for h in at.subheader
                if MARKDOWN_ESCAPE.sub(r"\1", h.value) in {k.term.name for k in kinds}]
    assert cards() == [k.term.name for k in kinds]
    assert "Keystrokes, including what you typed" in cards() and "Not in the data register" in cards()
    assert "the company's legitimate interest" in page_text(at)
    at.text_input[0].input("typed").run()
    assert cards() == [k.term.name for k in kinds if k.matches("typed")]
    assert "Keystrokes, including what you typed" in cards() and len(cards()) < len(kinds)
    at.text_input[0].input("").run()
    at.segmented_control[0].set_value("not declared").run()
    assert cards() == ["Not in the data register"]
    at.text_input[0].input("no such thing").run()
    assert any("No kind of data matches" in i.value for i in at.info)


def test_a_register_without_a_glossary_still_reads(open_my_data, tmp_path, sample, demo_users):  # noqa: F811
    lake = tmp_path / "copy"
    shutil.copytree(sample, lake)
    register = json.loads((lake / "register.json").read_text())
    del register["glossary"]
    (lake / "register.json").write_text(json.dumps(register))
    config = write_config(tmp_path, lake)
    Backend.open(config).close()
    at = open_my_data(config, signed_in_claims(demo_users["employee, heavy data"]))
    assert "Keystrokes" in [MARKDOWN_ESCAPE.sub(r"\1", h.value) for h in at.subheader], "the register's own word, made readable"

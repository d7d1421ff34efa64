"""A token must never sign in as somebody else: look-alike addresses,
unverified addresses and ambiguous directory entries match nobody."""

from __future__ import annotations

import csv
import logging
import unicodedata
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auth.principal import SignInStatus, sign_in
from queries.backend import Backend, BackendError
from queries.discovery.directory import REQUIRED_COLUMNS, Directory, Employee, email_key
from settings import IdentitySettings, load_settings
from tests.conftest import write_config

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
IDENTITY = IdentitySettings()


def person(number: int, email: str, sso_subject: str | None = None) -> Employee:
    return Employee(f"E{number:05d}", email.split("@")[0].title(), email, "Sales", None, "Berlin", "L3",
                    "2020-01-01", False, sso_subject)


PEOPLE = [person(1, "dara.santos@acme.example"), person(2, "kim.kraft@acme.example"),
          person(3, "jens.strauss@acme.example"), person(4, "jeff.hoffman@acme.example"),
          person(5, "fiona.fisher@acme.example"), person(6, "flora.flynn@acme.example"),
          person(7, "stella.stone@acme.example"), person(8, "anna.berg@acme.example"),
          person(9, "Sam.Lee@acme.example"), person(10, "sam.lee@acme.example")]
DIRECTORY = Directory(PEOPLE)


def token(email, **more) -> dict:
    return {"is_logged_in": True, "sub": "x", "email": email, "email_verified": True, "groups": ["employees"],
            "exp": NOW.timestamp() + 600, **more}


def resolved(claims: dict, identity: IdentitySettings = IDENTITY) -> str | None:
    result = sign_in(claims, DIRECTORY, identity, NOW)
    return result.principal.employee_id if result.principal else None


LOOKALIKES = {
    "long s U+017F": "dara.\u017fantos@acme.example",
    "Kelvin sign U+212A": "\u212aim.kraft@acme.example",
    "sharp s": "jens.strau\u00df@acme.example",
    "ligature ff": "je\ufb00.ho\ufb00man@acme.example",
    "ligature fi": "\ufb01ona.\ufb01sher@acme.example",
    "ligature fl": "\ufb02ora.\ufb02ynn@acme.example",
    "ligature st": "\ufb06ella.\ufb06one@acme.example",
    "full-width a": "\uff41nna.berg@acme.example",
    "full-width whole address": "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c
                                        for c in "anna.berg@acme.example"),
    "Cyrillic a": "\u0430nna.berg@acme.example",
    "Cyrillic e in the domain": "anna.berg@acm\u0435.example",
    "zero-width joiner": "anna.berg\u200d@acme.example",
    "zero-width space": "anna.\u200bberg@acme.example",
    "soft hyphen": "anna.be\u00adrg@acme.example",
    "trailing space": "anna.berg@acme.example ",
    "leading space": " anna.berg@acme.example",
    "tab": "anna.berg@acme.example\t",
    "newline": "anna.berg@acme.example\n",
    "NUL": "anna.berg@acme.example\x00",
    "decomposed accent": "anna.berg@acme.exa\u0301mple",
    "dotless i upper": "\u0130nna.berg@acme.example",
}


@pytest.mark.parametrize("email", LOOKALIKES.values(), ids=LOOKALIKES.keys())
def test_a_lookalike_address_matches_nobody(email):
    result = sign_in(token(email), DIRECTORY, IDENTITY, NOW)
    assert result.principal is None
    assert result.status is SignInStatus.NO_DIRECTORY_ENTRY
    assert "does not match anyone" in result.message


def test_the_corpus_is_an_attack_unicode_folding_falls_for():
    """casefold(), NFKC or strip() bring most of these to a real address:
    that is the folding the directory must not do."""
    real = {e.email.casefold() for e in PEOPLE}
    folded = [e for e in LOOKALIKES.values()
              if {unicodedata.normalize("NFKC", e).casefold().strip(), e.casefold().strip()} & real]
    assert len(folded) >= 12
    assert all(email_key(e) is None for e in LOOKALIKES.values())


def test_ascii_case_still_matches():
    assert resolved(token("DARA.Santos@ACME.example")) == "E00001"
    assert resolved(token("kim.kraft@acme.example")) == "E00002"


def test_two_entries_differing_only_by_case_are_both_unmatchable():
    for spelling in ("Sam.Lee@acme.example", "sam.lee@acme.example", "SAM.LEE@ACME.EXAMPLE"):
        assert resolved(token(spelling)) is None


def test_ambiguous_entries_are_logged_for_operators(caplog):
    with caplog.at_level(logging.WARNING, logger="queries.discovery.directory"):
        Directory(PEOPLE)
    assert "sam.lee@acme.example" in caplog.text


@pytest.mark.parametrize("verified", [False, None, "false", "yes", 1, "True"])
def test_an_unverified_address_signs_nobody_in(verified):
    claims = token("anna.berg@acme.example", email_verified=verified)
    result = sign_in(claims, DIRECTORY, IDENTITY, NOW)
    assert result.principal is None
    assert "not verified" in result.message


def test_a_missing_email_verified_claim_signs_nobody_in():
    claims = token("anna.berg@acme.example")
    del claims["email_verified"]
    assert resolved(claims) is None


def test_the_text_true_counts_as_verified():
    assert resolved(token("anna.berg@acme.example", email_verified="true")) == "E00008"


def test_the_operator_may_turn_the_verification_off():
    lenient = replace(IDENTITY, require_email_verified=False)
    assert resolved(token("anna.berg@acme.example", email_verified=False), lenient) == "E00008"
    assert resolved(token("dara.\u017fantos@acme.example", email_verified=False), lenient) is None


@pytest.mark.parametrize("email", [None, "", 42, ["anna.berg@acme.example"], {"email": "anna.berg@acme.example"}])
def test_a_token_without_a_usable_email_matches_nobody(email):
    assert resolved(token(email)) is None


def test_an_immutable_claim_matches_exactly():
    by_number = IdentitySettings(directory_claim="employee_id", directory_field="employee_id")
    assert resolved(token(None, employee_id="E00008", email_verified=False), by_number) == "E00008"
    for almost in ("e00008", "E00008 ", "E0008", "E000080", "\uff25" + "00008", "E00008\u200d"):
        assert resolved(token(None, employee_id=almost), by_number) is None


def test_the_identity_providers_subject_matches_exactly():
    people = [person(1, "a@acme.example", "00u1abcd"), person(2, "b@acme.example", "00U1ABCD")]
    directory = Directory(people)
    by_sub = IdentitySettings(directory_claim="sub", directory_field="sso_subject")

    def who(sub):
        result = sign_in(token(None, sub=sub), directory, by_sub, NOW)
        return result.principal.employee_id if result.principal else None

    assert who("00u1abcd") == "E00001"
    assert who("00U1ABCD") == "E00002"
    assert who("00u1abcd ") is None
    assert who("") is None


def test_matching_on_sso_subject_needs_the_column(tmp_path, sample):
    config = write_config(tmp_path, sample, directory_claim="sub", directory_field="sso_subject")
    with pytest.raises(BackendError, match="sso_subject"):
        Backend.open(load_settings(config))


def test_the_directory_file_may_carry_sso_subjects(tmp_path):
    path = tmp_path / "directory.csv"
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=[*REQUIRED_COLUMNS, "sso_subject"])
        writer.writeheader()
        writer.writerow({"employee_id": "E00001", "name": "A", "email": "a@acme.example", "department": "Sales",
                         "manager_id": "", "location": "Berlin", "level": "L3", "start_date": "2020-01-01",
                         "exempt_from_collection": "false", "sso_subject": "oid-1"})
    assert Directory.load(path).find("sso_subject", "oid-1").employee_id == "E00001"


def test_turning_verification_off_is_logged_at_start(tmp_path, sample, caplog):
    config = write_config(tmp_path, sample, require_email_verified=False)
    with caplog.at_level(logging.WARNING, logger="queries.backend"):
        Backend.open(load_settings(config)).close()
    assert "require_email_verified is off" in caplog.text


ADDRESS_CHARS = st.sampled_from(list("abdfiklnorst.@") + ["\u017f", "\u212a", "\u00df", "\ufb00", "\ufb01", "\ufb02",
                                                          "\ufb06", "\u0430", "\u200d", " ", "\uff41", "S", "K"])


@settings(max_examples=400, deadline=None)
@given(st.text(ADDRESS_CHARS, min_size=1, max_size=30))
def test_one_token_resolves_to_at_most_the_entry_it_spells(email):
    """Whatever the text, a match means the token spelled that entry's
    address in ASCII, differing at most by ASCII case."""
    result = sign_in(token(email + "@acme.example"), DIRECTORY, IDENTITY, NOW)
    if result.principal is not None:
        typed = email + "@acme.example"
        assert typed.isascii()
        assert typed.lower() == result.principal.email.lower()

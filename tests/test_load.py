"""The load case's smoke version, in every `make test`: two people at once
in real browsers through the development identity provider, every page of
their roles and a console query, three rounds, while a file lands in the
warehouse. Times are `make bench`'s business; here what must hold under
any load: no errors, the ledger exact and intact, the refresh landing
without stopping anyone. It runs the portal scaled out, as a deployment
past one process would: two portal processes behind HAProxy on one state
folder, one writing the subject index and one reading its copies, each
person kept on one of them (a single portal is what the browser tests
run)."""

from __future__ import annotations

import shutil

import pytest

from bench.browsing import PAGES, QUERY, SIGNING_IN
from bench.load import load_config, run_load

pytestmark = pytest.mark.browser


def test_two_people_at_once_see_every_page_and_the_ledger_counts_every_read(tmp_path, sample):
    copy = tmp_path / "data"
    shutil.copytree(sample, copy)
    report = run_load(tmp_path, load_config(tmp_path, copy, tmp_path / "state", tmp_path / "keys"), copy, 2, 3,
                      portals=2)
    assert report["labels"] == ["employee, median data", "works-council member"]
    assert report["errors"] == []
    ledger = report["ledger"]
    assert ledger["intact"] and ledger["appended"] == ledger["expected"] > 0
    refresh = report["refresh"]
    assert len(refresh["generation_after"]) == 2 and refresh["table_changed"]
    assert all(a > b for a, b in zip(refresh["generation_after"], refresh["generation_before"], strict=True)), \
        "the new data reached the reading process too"
    served = report["server_runs_by_portal"]
    assert report["portals"] == 2 and all(pages.get("My data") for pages in served), "each portal served a person"
    assert sorted(bool(pages.get("Oversight")) for pages in served) == [False, True], "a person stays on one portal"
    measured = {p["page"]: p for p in report["pages"]}
    assert {SIGNING_IN, "Home", "My data", "My data › Charts", "SQL console", "Oversight", QUERY} <= set(measured) \
        <= {SIGNING_IN, QUERY, "My data › Charts", *PAGES}
    charts = measured["My data › Charts"]["browser_n"]
    assert measured["My data"]["browser_n"] == 2 * 3 and 0 < charts <= 2 * 3
    assert measured["My data"]["server_n"] == 2 * 3 + charts, "a tab opened is a run of its page"
    assert measured["Oversight"]["browser_n"] == 3, "only the council member sees the oversight page"
    assert all(p["browser_p95_s"] > 0 for p in measured.values())
    alone = report["alone"]
    assert alone["first_sign_in"]["label"] == "employee, median data" and alone["first_sign_in"]["seconds"] > 0
    assert sorted(v["label"] for v in alone["pages"]["My data"]) == sorted(report["labels"]), \
        "each person's first visit alone is kept"
    assert report["cores"]["portal"] > 0 and report["cores"]["browsers"] > 0 and report["cores"]["console workers"] > 0
    assert 0 < report["peak_memory_mb"] < 4096
    assert report["targets"]["ledger exact and intact"] and report["targets"]["no errors"]

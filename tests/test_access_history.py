"""Who accessed my data: every portal read lands in the ledger before data
is returned; the warehouse's audit log is imported incrementally and
idempotently and attributed to exactly the people each event touched; the
exposure report follows the grants history."""

from __future__ import annotations

import csv
import io
import json
import shutil
from datetime import UTC, date, datetime

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from auth.policy import EXPORT_OWN_DATA, VIEW_OWN_TELEMETRY
from queries.access import history as history_module
from queries.access.history import TABLES_ON_SCREEN, access_history, brief_tables, history_csv, up_to_date
from queries.access.ledger import Access, Ledger, LedgerError
from queries.access.warehouse_audit import WarehouseAudit
from queries.backend import Backend
from queries.discovery.directory import Directory, Employee
from queries.mydata.activity import daily_activity, weekday_hour_activity
from queries.mydata.export import build_export
from queries.mydata.inventory import inventory_for
from queries.mydata.my_rows import my_rows
from tests.conftest import signed_in_claims, write_config
from tests.test_my_data import principal_for
from tests.test_pages import PORTAL, page_text


@pytest.fixture
def median(backend, demo_users):
    return backend.directory.by_id(demo_users["employee, median data"]["employee_id"])


def log_events(sample) -> list[dict]:
    return [json.loads(line) for line in (sample / "audit" / "ranger_audit.jsonl").read_text().splitlines()]


def test_every_portal_read_is_recorded_before_it_returns(backend, median):
    me = principal_for(median)
    inventory = inventory_for(backend, me)
    [preview] = my_rows(backend, me, VIEW_OWN_TELEMETRY, list(inventory.entries[:1]), limit=5)
    daily_activity(backend, me, inventory)
    weekday_hour_activity(backend, me, inventory)
    build_export(backend, me, inventory)
    entries = backend.ledger.entries_about(median.employee_id)
    actions = [e.access.action for e in entries]
    assert actions[:4] == ["view-own-telemetry"] * 4
    assert actions.count("export-own-data") == 1
    assert entries[-1].access.tables == tuple(e.name for e in inventory.entries)
    assert entries[0].access.rows == inventory.rows
    assert entries[1].access.tables == (inventory.entries[0].name,) and entries[1].access.rows == preview.rows.num_rows
    assert all(e.access.subjects == (median.employee_id,) and e.access.actor_role == "employee" for e in entries)


def test_a_read_that_cannot_be_recorded_returns_nothing(backend, median):
    me = principal_for(median)
    inventory = inventory_for(backend, me)
    backend.ledger.close()
    with pytest.raises(LedgerError):
        inventory_for(backend, me)
    with pytest.raises(LedgerError):
        list(my_rows(backend, me, EXPORT_OWN_DATA, list(inventory.entries)))


def test_imports_are_incremental_and_idempotent(tmp_path, sample):
    log = tmp_path / "audit.jsonl"
    lines = (sample / "audit" / "ranger_audit.jsonl").read_bytes().splitlines(keepends=True)
    log.write_bytes(b"".join(lines[:100]))
    audit = WarehouseAudit(tmp_path / "state")
    nobody = Directory([])
    assert audit.import_log(log, nobody).imported == 100
    assert audit.import_log(log, nobody).imported == 0
    with open(log, "ab") as out:
        out.write(b"".join(lines[100:150]) + b"{not json}\n" + lines[150][:40])
    report = audit.import_log(log, nobody)
    assert (report.imported, report.malformed) == (50, 1), "half a line waits for the rest"
    with open(log, "ab") as out:
        out.write(lines[150][40:])
    assert audit.import_log(log, nobody).imported == 1
    log.write_bytes(b"".join(reversed(lines[:151])))
    rotated = audit.import_log(log, nobody)
    assert (rotated.imported, rotated.already_known) == (0, 151), "a replaced log is re-read without duplicates"
    assert audit.event_count() == 151


def test_events_are_attributed_to_exactly_the_people_they_touched(backend, sample, median):
    backend.refresh()
    daily = backend.index.daily_rows(median.employee_id)
    first = {}
    for table, day, _ in daily:
        first[table] = min(day, first.get(table, day))
    expected = {e["event_id"] for e in log_events(sample) if e["result"] == "allowed" and (
        (e["row_filter"] is None and e["resource"] in first
         and datetime.fromisoformat(e["event_time"]).date() >= first[e["resource"]])
        or (e["row_filter"] and {median.employee_id, median.email} & set(e["row_filter"]["values"])))}
    found = backend.audit.events_about(median.employee_id, daily)
    assert set(found["event_id"]) == expected and expected
    assert (found["reach"] == "filtered on you").any(), "the sample names the median employee in some filters"
    someone_else = next(p for p in backend.directory if p.employee_id != median.employee_id)
    theirs = set(backend.audit.events_about(someone_else.employee_id, [])["event_id"])
    assert not theirs & set(found.loc[found["reach"] == "full read", "event_id"])


def test_rows_held_at_the_time_of_a_read_follow_the_days(tmp_path):
    audit = WarehouseAudit(tmp_path / "state")
    log = tmp_path / "audit.jsonl"
    log.write_text("\n".join(json.dumps({"event_id": f"e{n}", "event_time": f"2026-10-0{n}T12:00:00",
                                         "request_user": "svc", "resource": "db.t", "result": "allowed",
                                         "row_filter": None}) for n in (1, 2, 4)) + "\n")
    audit.import_log(log, Directory([]))
    daily = [("db.t", date(2026, 10, 2), 5), ("db.t", date(2026, 10, 3), 7)]
    found = audit.events_about("E1", daily)
    assert list(zip(found["event_id"], found["my_rows"])) == [("e2", 5), ("e4", 12)]


def _person(employee_id: str, email: str) -> Employee:
    return Employee(employee_id, employee_id, email, "Sales", None, "Berlin", "L2", "2020-01-01", False)


def _filtered_reads(path, *events: tuple[str, str, str]) -> None:
    """Appends filtered reads (event id, time, the value the filter named) to a log."""
    with open(path, "a", encoding="utf-8") as out:
        for event_id, at, value in events:
            out.write(json.dumps({"event_id": event_id, "event_time": at, "request_user": "svc", "resource": "db.t",
                                  "result": "allowed", "row_filter": {"column": "email", "values": [value]}}) + "\n")


def test_filter_values_are_attributed_when_imported_and_stay_attributed(tmp_path):
    """A read is attributed with the directory of its import: an address
    given to someone else later still names, in earlier reads, the person it
    named then, and in later reads the new holder; a read naming someone the
    directory did not know yet is attributed once it does; a value naming
    nobody is attributed to nobody."""
    audit = WarehouseAudit(tmp_path / "state")
    log = tmp_path / "audit.jsonl"
    _filtered_reads(log, ("e1", "2026-10-01T09:00:00", "ana@acme.example"),
                    ("e2", "2026-10-01T10:00:00", "new.hire@acme.example"), ("e3", "2026-10-01T11:00:00", "E9"))
    audit.import_log(log, Directory([_person("E1", "ana@acme.example")]))
    assert list(audit.events_about("E1", [])["event_id"]) == ["e1"]
    later = Directory([_person("E2", "ana@acme.example"), _person("E3", "new.hire@acme.example")])
    _filtered_reads(log, ("e4", "2026-10-02T09:00:00", "ANA@acme.example"))
    audit.import_log(log, later)
    assert list(audit.events_about("E1", [])["event_id"]) == ["e1"], "the first holder's reads stay theirs"
    assert list(audit.events_about("E2", [])["event_id"]) == ["e4"], "the new holder never sees the old one's reads"
    assert list(audit.events_about("E3", [])["event_id"]) == ["e2"]
    assert audit.events_about("E9", []).empty and audit.events_about("", []).empty


def test_new_events_reach_the_history_without_a_refresh_and_times_are_compared_in_utc(tmp_path):
    audit = WarehouseAudit(tmp_path / "state")
    log = tmp_path / "audit.jsonl"
    log.write_text(json.dumps({"event_id": "e1", "event_time": "2026-10-02T12:00:00", "request_user": "svc",
                               "resource": "db.t", "result": "allowed", "row_filter": None}) + "\n")
    audit.import_log(log, Directory([]))
    daily = [("db.t", date(2026, 10, 2), 5)]
    assert list(audit.events_about("E1", daily)["event_id"]) == ["e1"]
    with open(log, "a", encoding="utf-8") as out:
        for event_id, at in (("e2", "2026-10-02T01:00:00+02:00"), ("e3", "2026-10-03T00:30:00+02:00"),
                             ("e4", "2026-10-02T13:00:00")):
            out.write(json.dumps({"event_id": event_id, "event_time": at, "request_user": "svc", "resource": "db.t",
                                  "result": "allowed", "row_filter": None}) + "\n")
    audit.import_log(log, Directory([]))
    found = audit.events_about("E1", daily)
    assert list(found["event_id"]) == ["e1", "e4", "e3"], "01:00 at +02:00 is the day before in UTC: not yet held"
    assert list(found["my_rows"]) == [5, 5, 5]


def test_the_history_csv_holds_every_access_and_runs_nothing(tmp_path, lake, median):
    """A justification is free text typed by whoever read the data: in the
    CSV an employee keeps, a formula in it is shown as text."""
    log = lake / "audit" / "ranger_audit.jsonl"
    with open(log, "a", encoding="utf-8") as out:
        out.write(json.dumps({"event_id": "planted", "event_time": "2026-10-20T10:00:00", "request_user": "svc-x",
                              "resource": "hr.reviews", "result": "allowed", "justification": "=HYPERLINK(\"x\")",
                              "row_filter": {"column": "employee_id", "values": [median.employee_id]}}) + "\n")
    opened = Backend.open(write_config(tmp_path, lake))
    history = access_history(opened, principal_for(median))
    rows = list(csv.DictReader(io.StringIO(history_csv(history).decode())))
    assert len(rows) == len(history.accesses) > 1
    [planted] = [r for r in rows if r["who"] == "svc-x"]
    assert planted["justification"] == "'=HYPERLINK(\"x\")" and planted["how"] == "filtered on you"
    assert planted["when"] == "2026-10-20T10:00:00+00:00" and planted["no justification"] == "false"
    opened.close()


def test_the_history_flags_and_shows_the_incident(backend, median):
    history = access_history(backend, principal_for(median))
    warehouse = history.accesses[history.accesses["source"] == "warehouse"]
    assert warehouse["no justification"].any() and warehouse["purpose not in the register"].any()
    assert (warehouse["no justification"] == warehouse["justification"].isna()).all()
    for table, purpose, drift in zip(warehouse["tables"], warehouse["purpose"], warehouse["purpose not in the register"]):
        registered = backend.register.get(table)
        assert drift == (pd.isna(purpose) or registered is None or purpose not in registered.purposes)
    [incident, *_] = history.exposures
    assert incident.grant.grantee == "all-employees" and incident.end is not None
    everyone = len(list(backend.directory))
    assert 0 < incident.could_read < everyone and incident.my_rows > 0
    assert len(incident.readers) <= incident.reads


def test_the_history_never_shows_events_about_others(backend, median, sample):
    history = access_history(backend, principal_for(median))
    named = {e["event_id"]: e for e in log_events(sample) if e["row_filter"]}
    assert not history.accesses["who"].str.contains(median.employee_id, regex=False).any()
    mine = backend.audit.events_about(median.employee_id, backend.index.daily_rows(median.employee_id))
    for event_id in mine["event_id"]:
        if event_id in named:
            assert {median.employee_id, median.email} & set(named[event_id]["row_filter"]["values"])


@pytest.mark.parametrize("show_names", [True, False])
def test_the_page_shows_accesses_and_exposure(tmp_path, sample, monkeypatch, demo_users, show_names):
    config = write_config(tmp_path, sample)
    config.write_text(config.read_text() + f"show_accessor_names = {'true' if show_names else 'false'}\n")
    monkeypatch.setenv("PORTAL_CONFIG", str(config))
    user = demo_users["employee, heavy data"]
    at = AppTest.from_file(str(PORTAL / "pages" / "access_log.py"), default_timeout=60)
    at.user = signed_in_claims(user)
    at.run()
    assert not at.exception and not at.error
    text = page_text(at)
    assert "Reads by others" in text and "all-employees" in text and "svc-" in text
    opened = Backend.open(config)
    history = access_history(opened, principal_for(opened.directory.by_id(user["employee_id"])))
    accesses = history.accesses
    names = set(accesses.loc[accesses["role"].str.startswith(("member of", "employee with")), "who"])
    assert (names != {"a colleague"}) == show_names
    at.segmented_control[0].set_value("flagged only").run()
    assert not at.exception
    flagged = at.dataframe[0].value
    assert len(flagged) and (flagged["no justification"] | flagged["purpose not in the register"]).all()


def test_a_missing_audit_log_is_explained_and_the_portal_keeps_running(tmp_path, sample, monkeypatch, demo_users):
    lake = tmp_path / "lake"
    shutil.copytree(sample, lake)
    (lake / "audit" / "ranger_audit.jsonl").unlink()
    monkeypatch.setenv("PORTAL_CONFIG", str(write_config(tmp_path, lake)))
    at = AppTest.from_file(str(PORTAL / "pages" / "access_log.py"), default_timeout=60)
    at.user = signed_in_claims(demo_users["employee, median data"])
    at.run()
    assert not at.exception
    assert "audit log could not be read" in at.warning[0].value
    assert str(tmp_path) not in page_text(at)


def test_the_page_lists_a_read_of_many_tables_in_brief_and_the_csv_in_full(tmp_path, sample, monkeypatch,
                                                                           demo_users):
    """An inventory read names every table of the person: on screen, the
    first few and how many more; in the CSV, every one."""
    config = write_config(tmp_path, sample)
    monkeypatch.setenv("PORTAL_CONFIG", str(config))
    user = demo_users["employee, heavy data"]
    opened = Backend.open(config)
    principal = principal_for(opened.directory.by_id(user["employee_id"]))
    tables = [e.name for e in inventory_for(opened, principal).entries]
    assert len(tables) > TABLES_ON_SCREEN
    in_full = ", ".join(tables)
    at = AppTest.from_file(str(PORTAL / "pages" / "access_log.py"), default_timeout=60)
    at.user = signed_in_claims(user)
    at.run()
    at.toggle[0].set_value(True).run()
    assert not at.exception
    shown = at.dataframe[0].value
    brief = ", ".join(tables[:TABLES_ON_SCREEN]) + f" and {len(tables) - TABLES_ON_SCREEN:,} more"
    assert brief in set(shown["tables"]) and in_full not in set(shown["tables"])
    assert in_full in set(access_history(opened, principal).accesses["tables"])
    opened.close()


def test_the_page_shows_the_history_a_screenful_at_a_time_and_every_page_together_is_all_of_it(
        tmp_path, sample, monkeypatch, demo_users):
    """A busy history (87,000 reads at L) goes to the browser a page at a
    time, newest first; paging through it shows each access exactly once."""
    config = write_config(tmp_path, sample)
    monkeypatch.setenv("PORTAL_CONFIG", str(config))
    user = demo_users["employee, heavy data"]
    opened = Backend.open(config)
    accesses = access_history(opened, principal_for(opened.directory.by_id(user["employee_id"]))).accesses
    opened.close()
    by_others = accesses[~accesses["by me"]]
    per_page = len(by_others) // 3 + 1
    monkeypatch.setattr(history_module, "ACCESSES_PER_PAGE", per_page)
    at = AppTest.from_file(str(PORTAL / "pages" / "access_log.py"), default_timeout=60)
    at.user = signed_in_claims(user)
    at.run()
    assert not at.exception and len(at.number_input) == 1 and at.number_input[0].max == 3
    assert f"Accesses 1 to {per_page:,} of {len(by_others):,} that match" in page_text(at)
    seen = []
    for page in (1, 2, 3):
        at.number_input[0].set_value(page).run()
        assert not at.exception
        shown = at.dataframe[0].value
        assert len(shown) == (per_page if page < 3 else len(by_others) - 2 * per_page)
        assert shown["when"].is_monotonic_decreasing
        seen.append(shown)
    together = pd.concat(seen, ignore_index=True)
    assert together["when"].tolist() == by_others["when"].tolist()
    assert together["who"].tolist() == by_others["who"].tolist()
    at.segmented_control[0].set_value("flagged only").run()
    flagged = int((by_others["no justification"] | by_others["purpose not in the register"]).sum())
    assert not at.exception and len(at.dataframe[0].value) == min(flagged, per_page)


def test_a_read_of_few_tables_is_shown_as_it_is():
    assert brief_tables("") == "" and brief_tables("a.b, c.d, e.f") == "a.b, c.d, e.f"
    assert brief_tables("a.b, c.d, e.f, g.h") == "a.b, c.d, e.f and 1 more"


def test_the_page_keeps_the_history_and_adds_only_the_reads_recorded_since(tmp_path, sample, monkeypatch,
                                                                            demo_users):
    """Every filter reruns the page, and every visit elsewhere records a
    read: the history (0.2–0.7 s at L) is read whole once per data
    generation, and the reads recorded since, by any process, are added."""
    config = write_config(tmp_path, sample)
    monkeypatch.setenv("PORTAL_CONFIG", str(config))
    user = demo_users["employee, median data"]
    reads = []
    real = history_module.access_history
    monkeypatch.setattr(history_module, "access_history", lambda *args: reads.append(args) or real(*args))
    at = AppTest.from_file(str(PORTAL / "pages" / "access_log.py"), default_timeout=60)
    at.user = signed_in_claims(user)
    at.run()
    at.segmented_control[0].set_value("flagged only").run()
    at.segmented_control[0].set_value("all").run()
    assert not at.exception and len(reads) == 1
    elsewhere = Backend.open(config)
    elsewhere.ledger.append(Access("E00001", "hr-officer", "preview-erasure", (user["employee_id"],),
                                   ("planted.table_read_since",), 3, "erasure preview", "a planted reason"))
    elsewhere.close()
    at.run()
    assert not at.exception and len(reads) == 1
    assert "planted.table_read_since" in set(at.dataframe[0].value["tables"])


def test_a_history_brought_up_to_date_is_the_history_read_again(backend, config, median):
    """Reads by others and by the person, about them and not, recorded late
    or at the very moment of another access, in this process and another:
    what `up_to_date` adds is exactly what reading the history again finds,
    in the same order."""
    me = principal_for(median)
    kept = access_history(backend, me)
    assert up_to_date(backend, me, kept) is kept
    tie = kept.accesses[kept.accesses["source"] == "warehouse"].iloc[0]
    planted = [
        (Access("E00001", "hr-officer", "preview-erasure", (median.employee_id,), ("hr.reviews",), 3,
                "erasure preview", "a planted reason"), None),
        (Access("E00001", "hr-officer", "preview-erasure", ("E00002",), ("hr.reviews",), 3, "erasure preview",
                "about someone else"), None),
        (Access("E00001", "hr-officer", "preview-erasure", (median.employee_id, "E00002"), ("hr.reviews",), 1,
                "erasure preview", "recorded late"), datetime(2026, 1, 2, tzinfo=UTC)),
        (Access("E00001", "hr-officer", "preview-erasure", (median.employee_id,), ("hr.reviews",), 1,
                "erasure preview", "at the moment of another access"), tie["when"].to_pydatetime()),
    ]
    for access, at in planted[:2]:
        backend.ledger.append(access, at)
    inventory_for(backend, me)
    kept = up_to_date(backend, me, kept)
    elsewhere = Backend.open(config)
    for access, at in planted[2:]:
        elsewhere.ledger.append(access, at)
    elsewhere.close()
    kept = up_to_date(backend, me, kept)
    again = access_history(backend, me)
    assert kept.through == again.through == backend.ledger.entries_about(median.employee_id)[-1].seq
    pd.testing.assert_frame_equal(kept.accesses, again.accesses)
    justifications = set(kept.accesses["justification"].dropna())
    assert {"a planted reason", "recorded late", "at the moment of another access"} <= justifications
    assert "about someone else" not in justifications


def test_a_ledger_that_cannot_be_read_is_said_plainly_on_the_access_page(tmp_path, sample, monkeypatch, demo_users,
                                                                         caplog):
    def unreadable(ledger, subject_id, after=0):
        raise LedgerError("the access ledger cannot be read (planted)")

    monkeypatch.setenv("PORTAL_CONFIG", str(write_config(tmp_path, sample)))
    at = AppTest.from_file(str(PORTAL / "pages" / "access_log.py"), default_timeout=60)
    at.user = signed_in_claims(demo_users["employee, median data"])
    at.run()
    assert not at.exception and not at.error
    monkeypatch.setattr(Ledger, "entries_about", unreadable)
    at.run()  # the history kept, the ledger unreadable when the reads since are asked for
    assert not at.exception
    assert "access ledger cannot be read" in at.error[0].value and "planted" not in page_text(at)
    at = AppTest.from_file(str(PORTAL / "pages" / "access_log.py"), default_timeout=60)
    at.user = signed_in_claims(demo_users["employee, median data"])
    at.run()  # a first visit
    assert not at.exception
    assert "access ledger cannot be read" in at.error[0].value and "planted" not in page_text(at)
    assert "planted" in caplog.text

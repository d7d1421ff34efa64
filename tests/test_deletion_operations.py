"""Deletion as people operate it: four eyes, one unfinished request per
piece of data, confirmations that say what will happen, legal holds on what
a person really has (unregistered copies included), the employee's
timeline and notifications in the portal, and the record of who read
their data kept through an erasure."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from auth.policy import AccessDenied
from auth.principal import Role
from queries.access.history import access_history
from queries.backend import Backend
from queries.discovery.relations import names_overlap
from queries.erasure import service as deletions
from queries.erasure.plan import kinds_of_data, plan
from queries.erasure.requests import Move, RequestError, Scope, State
from queries.erasure.run import execute
from tests.conftest import signed_in_claims
from tests.crashes import Crash, crash_at
from tests.ground_truth import truth_rows
from tests.test_deletion import approved, people, second_officer
from tests.test_my_data import principal_for
from tests.test_pages import PORTAL, page_text


def test_erasing_everything_keeps_who_read_it(opened, demo_users):
    """The access history and the exposure windows are the controller's
    record, not the employee's telemetry: a full erasure changes neither."""
    employee, officer = people(opened, demo_users)
    before_history = access_history(opened, employee)
    before = before_history.accesses
    warehouse_reads = before[before["source"] == "warehouse"].reset_index(drop=True)
    assert len(warehouse_reads) > 10 and before_history.exposures
    done = execute(opened, approved(opened, employee, officer).request_id)
    assert done.receipt["verification"]["passed"]
    assert opened.index.daily_rows(employee.employee_id) == []
    after_history = access_history(opened, employee)
    after = after_history.accesses
    pd.testing.assert_frame_equal(after[after["source"] == "warehouse"].reset_index(drop=True), warehouse_reads)
    assert after_history.exposures == before_history.exposures
    assert len(before.merge(after, how="left", indicator=True).query("_merge != 'both'")) == 0, \
        "every access recorded before the erasure is still in the history"
    assert "who read your data" in done.receipt["retained"]


def test_a_resumed_erasure_keeps_the_counts_from_before_it_started(opened, demo_users):
    employee, officer = people(opened, demo_users)
    before = access_history(opened, employee)
    request = approved(opened, employee, officer)
    with pytest.raises(Crash):
        execute(opened, request.request_id, crash_at("verify"))
    execute(opened, request.request_id)
    assert access_history(opened, employee).exposures == before.exposures


def test_who_approves_does_not_execute(backend, demo_users):
    employee, officer = people(backend, demo_users)
    request = backend.requests.submit(employee, Scope(True), None)
    backend.requests.transition(officer, request.request_id, Move.APPROVE, "granted")
    with pytest.raises(RequestError, match="another HR privacy officer must execute it"):
        backend.requests.transition(officer, request.request_id, Move.EXECUTE)
    assert backend.requests.get(request.request_id).state is State.APPROVED
    executing = backend.requests.transition(second_officer(backend, officer, employee), request.request_id,
                                            Move.EXECUTE)
    assert executing.state is State.EXECUTING and executing.approved_by == officer.employee_id


@pytest.mark.parametrize("first, second, refused", [
    (Scope(True), Scope(False, ("chat",)), True),
    (Scope(False, ("chat",)), Scope(True), True),
    (Scope(False, ("chat",)), Scope(False, ("chat", "keystrokes")), True),
    (Scope(False, (), ("collab.chat_messages",)), Scope(False, (), ("collab.chat_messages",)), True),
    (Scope(False, ("chat",)), Scope(False, ("keystrokes",)), False),
])
def test_two_unfinished_requests_for_the_same_data_are_refused(backend, demo_users, first, second, refused):
    employee, officer = people(backend, demo_users)
    earlier = backend.requests.submit(employee, first, None)
    if refused:
        with pytest.raises(RequestError, match=f"already have a request for this data .*{earlier.request_id}"):
            backend.requests.submit(employee, second, None)
        backend.requests.transition(employee, earlier.request_id, Move.WITHDRAW)
    assert backend.requests.submit(employee, second, None).state is State.SUBMITTED


def test_the_summaries_say_what_goes_and_what_a_hold_keeps(opened, demo_users):
    employee, officer = people(opened, demo_users)
    kinds = kinds_of_data(opened, employee.employee_id, datetime.now(UTC).date())
    held = sorted(set().union(*(d.kinds for d in kinds)) - {"unregistered"})[0]
    deletions.place_hold(opened, officer, employee.employee_id, held, "case 12", datetime.now(UTC) + timedelta(days=9))
    said = deletions.request_summary(opened, employee, Scope(True))
    gone = [d.postings for d in kinds if held not in d.kinds]
    assert said.startswith(f"{sum(p.rows for p in gone):,} rows in {len(gone)} tables will be deleted; "
                           f"{held} is kept under a legal hold until")
    assert "(case 12)" in said
    request = approved(opened, employee, officer)
    plan_rows = deletions.erasure_preview(opened, officer, request)
    summary = deletions.erasure_summary(plan_rows)
    assert f"in {sum(1 for r in plan_rows if not r['kept because'])} tables will be deleted" in summary
    assert "legal hold" in summary and "case 12" in summary
    done = execute(opened, request.request_id)
    words = deletions.verification_in_words(done.receipt["verification"])
    assert words[0].startswith("Verified: nothing") and "files searched byte by byte" in words[1]


def planted_copy(opened, lake, employee, name: str):
    """One of the employee's registered Hive tables, copied whole under a
    name that says nothing (`scratch.<name>`), as nobody registered it."""
    today = datetime.now(UTC).date()
    original = next(p for p in opened.index.tables_about(employee.employee_id, opened.register, today)
                    if p.rows and opened.register.get(p.table) and opened.catalog().get(p.table).erasure == "files")
    database, table = original.table.split(".")
    shutil.copytree(lake / "warehouse" / f"{database}.db" / table, lake / "warehouse" / "scratch.db" / name)
    opened.refresh()
    return original


def test_a_hold_keeps_an_unregistered_copy_of_what_it_holds(opened, lake, demo_users):
    """A copy nobody registered, under a name that says nothing: its columns
    and a row about the employee tie it to the held table, so it is kept."""
    employee, officer = people(opened, demo_users)
    held = planted_copy(opened, lake, employee, "tmp_0042")
    category = opened.register.get(held.table).category
    person = opened.directory.by_id(employee.employee_id)
    copy_rows = truth_rows(lake, "scratch.tmp_0042", person)
    assert copy_rows and not opened.register.get("scratch.tmp_0042")
    covered = deletions.holdable(opened, officer, employee.employee_id).kinds[category]
    assert ("scratch.tmp_0042", copy_rows) in covered and (held.table, held.rows) in covered
    deletions.place_hold(opened, officer, employee.employee_id, category, "case 7", datetime.now(UTC) + timedelta(1))
    done = execute(opened, approved(opened, employee, officer).request_id)
    kept = {k["table"]: k["why"] for k in done.receipt["kept"]}
    assert "legal hold" in kept["scratch.tmp_0042"] and "legal hold" in kept[held.table]
    assert truth_rows(lake, "scratch.tmp_0042", person) == copy_rows
    assert truth_rows(lake, held.table, person) == held.rows


def test_a_hold_on_one_table_keeps_it_and_its_unregistered_copy_and_nothing_else(opened, lake, demo_users):
    employee, officer = people(opened, demo_users)
    held = planted_copy(opened, lake, employee, "tmp_0044")
    person = opened.directory.by_id(employee.employee_id)
    copy_rows = truth_rows(lake, "scratch.tmp_0044", person)
    choices = deletions.holdable(opened, officer, employee.employee_id)
    assert set(choices.covered(None, (held.table,))) == {(held.table, held.rows), ("scratch.tmp_0044", copy_rows)}
    with pytest.raises(RequestError, match="finds nothing about this employee in nosuch.table"):
        deletions.place_hold(opened, officer, employee.employee_id, None, "case 8", datetime.now(UTC) + timedelta(1),
                             (held.table, "nosuch.table"))
    hold = deletions.place_hold(opened, officer, employee.employee_id, None, "case 8",
                                datetime.now(UTC) + timedelta(1), (held.table,))
    assert hold.tables == (held.table,) and hold.keeps == held.table
    done = execute(opened, approved(opened, employee, officer).request_id)
    kept = {k["table"] for k in done.receipt["kept"] if "legal hold" in k["why"]}
    assert kept == {held.table, "scratch.tmp_0044"}, "the table and its copy, never another table"
    assert truth_rows(lake, "scratch.tmp_0044", person) == copy_rows
    assert truth_rows(lake, held.table, person) == held.rows
    assert opened.index.daily_rows(employee.employee_id) and all(
        t in kept for t, _, _ in opened.index.daily_rows(employee.employee_id))


@pytest.mark.parametrize("category", ["chats", "", "  ", "unregistered"])
def test_a_hold_on_a_kind_of_data_they_do_not_have_is_refused(backend, demo_users, category):
    employee, officer = people(backend, demo_users)
    with pytest.raises(RequestError, match="holds no data of the kind"):
        deletions.place_hold(backend, officer, employee.employee_id, category, "case 7",
                             datetime.now(UTC) + timedelta(days=1))
    assert backend.holds.in_force(employee.employee_id) == []


def test_copies_are_related_by_columns_and_names_or_rows():
    assert names_overlap("chat_messages_snapshot_20261102", "chat_messages")
    assert names_overlap("app_usage_daily_emea_v2", "app_usage_daily")
    assert names_overlap("keystrokes_backfill", "keystrokes")
    assert not names_overlap("typing_rhythm_features", "engagement_features"), "a generic word is no tie"
    assert not names_overlap("vpn_sessions", "door_access")


def test_a_request_for_a_kind_of_data_reaches_its_unregistered_copies(opened, lake, demo_users):
    employee, officer = people(opened, demo_users)
    original = planted_copy(opened, lake, employee, "tmp_0043")
    category = opened.register.get(original.table).category
    request = opened.requests.submit(employee, Scope(False, (category,)), None)
    planned = {t.table: t for t in plan(opened, request)}
    assert planned["scratch.tmp_0043"].erase and planned[original.table].erase
    assert planned["scratch.tmp_0043"].category == category


def test_the_hold_form_offers_only_their_kinds_of_data_and_shows_what_it_keeps(config, monkeypatch, demo_users):
    monkeypatch.setenv("PORTAL_CONFIG", str(config))
    hr = AppTest.from_file(str(PORTAL / "pages" / "hr_queue.py"), default_timeout=60)
    hr.user = signed_in_claims(demo_users["HR privacy officer"])
    hr.run()
    employee = demo_users["employee, median data"]
    picker = next(s for s in hr.selectbox if s.label == "Employee")
    assert f"{employee['name']} ({employee['employee_id']})" in picker.options
    picker.set_value(employee["employee_id"]).run()
    next(r for r in hr.radio if r.label == "Keep").set_value("one kind of data").run()
    picker = next(s for s in hr.selectbox if s.label == "Kind of data")
    opened = Backend.open(config)
    kinds = deletions.holdable(opened, principal_for(opened.directory.by_id(demo_users["HR privacy officer"][
        "employee_id"]), Role.HR, Role.EMPLOYEE), employee["employee_id"]).kinds
    assert picker.options == list(kinds) and "chats" not in picker.options
    chosen = next(iter(kinds))
    picker.set_value(chosen).run()
    assert f"in {len(kinds[chosen])} table" in page_text(hr)
    assert next(b for b in hr.button if b.label == "Place legal hold").disabled
    hr.text_input[-1].input("case 12").run()
    hr.checkbox[-1].check().run()
    next(b for b in hr.button if b.label == "Place legal hold").click().run()
    assert not hr.exception and "placed on" in hr.success[0].value
    [hold] = opened.holds.in_force(employee["employee_id"])
    assert hold.category == chosen and hold.reason == "case 12"
    next(r for r in hr.radio if r.label == "Keep").set_value("chosen tables").run()
    tables = next(m for m in hr.multiselect if m.label == "Tables")
    officer = principal_for(opened.directory.by_id(demo_users["HR privacy officer"]["employee_id"]), Role.HR)
    assert tables.options == list(deletions.holdable(opened, officer, employee["employee_id"]).tables)
    opened.close()


def test_the_officer_s_preview_is_read_once_per_state_and_never_shown_stale(config, monkeypatch, demo_users):
    """Every click reruns the queue's page, and the preview reads each file
    that holds the employee: it is kept until the request moves on or a hold
    changes, and each reading is recorded once."""
    monkeypatch.setenv("PORTAL_CONFIG", str(config))
    opened = Backend.open(config)
    employee, officer = people(opened, demo_users)
    request = opened.requests.submit(employee, Scope(True), None)

    def previews() -> int:
        return sum(e.access.action == "process-deletion" and request.request_id in e.access.justification
                   for e in opened.ledger.entries_about(employee.employee_id))

    def kept() -> list[str]:
        return [why for why in hr.dataframe[1].value["kept because"] if why]

    hr = AppTest.from_file(str(PORTAL / "pages" / "hr_queue.py"), default_timeout=60)
    hr.user = signed_in_claims(demo_users["HR privacy officer"])
    hr.run()
    hr.selectbox[0].set_value(request.request_id).run()
    assert previews() == 1 and not kept()
    hr.text_input[0].input("granted in full").run()
    next(s for s in hr.multiselect if s.label == "States").set_value([s.value for s in State]).run()
    assert previews() == 1, "a click reruns the page, not the preview"
    held = next(iter(deletions.holdable(opened, officer, employee.employee_id).kinds))
    deletions.place_hold(opened, second_officer(opened, officer, employee), employee.employee_id, held, "case 31",
                         datetime.now(UTC) + timedelta(days=9))
    hr.run()
    assert previews() == 2 and kept() and all("case 31" in why for why in kept()), "a new hold shows at once"
    next(b for b in hr.button if b.label == "Approve").click().run()
    assert not hr.exception and previews() == 3, "the approved request is previewed again"
    opened.close()


def test_the_employee_reads_their_request_as_a_timeline_in_their_time_zone(backend, demo_users):
    employee, officer = people(backend, demo_users)
    request = backend.requests.submit(employee, Scope(False, ("chat",)), None)
    waiting = deletions.request_timeline(request, ZoneInfo("Asia/Tokyo"), employee.employee_id)
    assert waiting[0][1] == "We received your request." and waiting[0][0].endswith("JST")
    assert waiting[-1] == ("now", f"An HR privacy officer is reviewing it; they must decide by "
                                  f"{request.deadline.astimezone(ZoneInfo('Asia/Tokyo')):%d %b %Y, %H:%M} JST.")
    denied = backend.requests.transition(officer, request.request_id, Move.DENY, "records under audit")
    said = [what for _, what in deletions.request_timeline(denied, UTC, employee.employee_id)]
    assert said == ["We received your request.", "An HR privacy officer denied it. The reason given: records under "
                    "audit"]
    assert deletions.time_zone("Not/AZone") is UTC and deletions.time_zone(None) is UTC


def test_an_employee_sees_the_holds_on_their_data_and_why(backend, demo_users):
    employee, officer = people(backend, demo_users)
    kind = next(iter(deletions.holdable(backend, officer, employee.employee_id).kinds))
    deletions.place_hold(backend, officer, employee.employee_id, kind, "case 12: tax audit",
                         datetime.now(UTC) + timedelta(days=9))
    [hold] = deletions.my_holds(backend, employee)
    assert hold.category == kind and hold.reason == "case 12: tax audit"
    with pytest.raises(AccessDenied):
        deletions.my_holds(backend, principal_for(backend.directory.by_id(officer.employee_id), Role.HR))


def test_the_home_page_says_what_changed_in_my_requests(config, monkeypatch, demo_users):
    monkeypatch.setenv("PORTAL_CONFIG", str(config))
    backend = Backend.open(config)
    employee, officer = people(backend, demo_users)
    request = backend.requests.submit(employee, Scope(True), None)
    backend.requests.transition(officer, request.request_id, Move.APPROVE, "granted")
    backend.close()
    home = AppTest.from_file(str(PORTAL / "app.py"), default_timeout=60)
    home.user = signed_in_claims(demo_users["employee, median data"])
    home.run()
    assert not home.exception
    assert "2 changes since you last looked" in page_text(home)
    assert f"Your deletion request {request.request_id} was approved." in page_text(home)
    page = AppTest.from_file(str(PORTAL / "pages" / "deletion.py"), default_timeout=60)
    page.user = home.user
    page.run()
    home.run()
    assert "since you last looked" not in page_text(home) and "was approved." not in page_text(home)
    assert f"{request.request_id} (all my data): approved, waiting to be carried out" in page_text(home)


def test_my_data_marks_the_tables_a_hold_keeps(config, monkeypatch, demo_users):
    monkeypatch.setenv("PORTAL_CONFIG", str(config))
    backend = Backend.open(config)
    employee, officer = people(backend, demo_users)
    kind, covered = next(iter(deletions.holdable(backend, officer, employee.employee_id).kinds.items()))
    deletions.place_hold(backend, officer, employee.employee_id, kind, "case 12", datetime.now(UTC) + timedelta(9))
    assert set(deletions.held_tables(backend, employee)) == {table for table, _ in covered}
    backend.close()
    page = AppTest.from_file(str(PORTAL / "pages" / "my_data.py"), default_timeout=60)
    page.user = signed_in_claims(demo_users["employee, median data"])
    page.session_state["my_data_tab"] = "Tables"  # only the open tab runs
    page.run()
    assert not page.exception
    assert f"{len(covered)} table{'s are' if len(covered) > 1 else ' is'} kept under a legal hold" in page.info[0].value
    shown = page.dataframe[0].value
    assert set(shown[shown["legal hold"] != ""]["table"]) == {table for table, _ in covered}


def test_seeing_what_a_hold_would_keep_is_recorded_as_the_officers_read(backend, demo_users):
    employee, officer = people(backend, demo_users)
    kinds = deletions.holdable(backend, officer, employee.employee_id)
    [entry] = [e for e in backend.ledger.entries_about(employee.employee_id) if e.access.action == "place-legal-hold"]
    assert entry.access.actor_id == officer.employee_id and entry.access.actor_role == "hr"
    assert set(entry.access.tables) >= {table for rows in kinds.kinds.values() for table, _ in rows}

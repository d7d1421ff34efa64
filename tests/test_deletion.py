"""Deletion end to end on a copy of the sample warehouse: the state
machine, the four-eyes rule, holds, the journal-driven executor with a
crash at each kind of step, a planted marker that must not survive, and
other employees' rows that must come through untouched."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from streamlit.testing.v1 import AppTest

from auth.policy import AccessDenied
from auth.principal import Role
from queries.backend import Backend
from queries.discovery.catalog import CACHE_FILE
from queries.discovery.subject_index import INDEX_FILE
from queries.erasure import run as erasure
from queries.erasure.requests import Move, RequestError, Scope, State, add_months
from queries.erasure.rewrite import TEMP_PREFIX
from queries.erasure.run import ErasureError, execute
from queries.state import store as state_store
from tests.conftest import signed_in_claims, write_config
from tests.crashes import Crash, crash_at
from tests.ground_truth import folder_rows, identifiers_of, row_names
from tests.test_my_data import principal_for
from tests.test_pages import PORTAL, page_text

MARKER = "zz-planted-marker-5f1c2e9a-never-survive"


def people(backend, demo_users):
    employee = backend.directory.by_id(demo_users["employee, median data"]["employee_id"])
    officer = backend.directory.by_id(demo_users["HR privacy officer"]["employee_id"])
    return principal_for(employee), principal_for(officer, Role.HR, Role.EMPLOYEE)


def row_hashes(root: Path, persons: list) -> dict[str, list[str]]:
    """Per table, sorted hashes of the rows that name none of `persons`, in
    any form (tests/ground_truth.py)."""
    wanted = set().union(*(identifiers_of(person) for person in persons))
    found: dict[str, list[str]] = {}
    for folder in sorted(f for database in root.glob("*.db") for f in database.iterdir() if f.is_dir()):
        table = str(folder.relative_to(root))
        for row in folder_rows(folder):
            text = json.dumps(row, sort_keys=True, default=str)
            if not row_names(row, wanted):
                found.setdefault(table, []).append(hashlib.sha256(text.encode()).hexdigest())
    return {table: sorted(hashes) for table, hashes in found.items()}


def second_officer(backend, officer, subject):
    """Another HR officer, to execute what `officer` approved (four eyes)."""
    other = next(p for p in backend.directory if p.employee_id not in (officer.employee_id, subject.employee_id)
                 and p.department == "People & HR")
    return principal_for(other, Role.HR, Role.EMPLOYEE)


def approved(backend, employee, officer, scope=Scope(True)):
    """Submitted by `employee`, approved by `officer`, set executing by another officer."""
    request = backend.requests.submit(employee, scope, "I am leaving")
    backend.requests.transition(officer, request.request_id, Move.APPROVE, "granted")
    return backend.requests.transition(second_officer(backend, officer, employee), request.request_id, Move.EXECUTE,
                                       "go")


def assert_gone(backend, lake, employee, before_others, receipts):
    """No trace of the subject; every other row is still there exactly once,
    and the only new rows are the ones whose subject identifier was removed."""
    person = backend.directory.by_id(employee.employee_id)
    for file in (lake / "warehouse").rglob("*"):
        if file.is_file():
            data = file.read_bytes()
            assert person.employee_id.encode() not in data and person.email.encode() not in data, file
            assert MARKER.encode() not in data
            assert not file.name.startswith(TEMP_PREFIX)
    after = row_hashes(lake / "warehouse", [person])
    added = 0
    for table in set(after) | set(before_others):
        now, then = Counter(after.get(table, [])), Counter(before_others.get(table, []))
        assert not then - now, f"rows of other people lost in {table}"
        added += sum((now - then).values())
    assert added == sum(t["rows_identifier_removed"] for r in receipts for t in r["deleted"])


def test_the_state_machine_allows_only_its_transitions(backend, demo_users):
    employee, officer = people(backend, demo_users)
    requests = backend.requests
    request = requests.submit(employee, Scope(False, ("keystrokes",)), None)
    assert request.state is State.SUBMITTED and request.deadline == add_months(request.received_at, 1)
    with pytest.raises(RequestError, match="cannot be executed; what it allows now: withdraw, extend"):
        requests.transition(officer, request.request_id, Move.EXECUTE)
    with pytest.raises(RequestError, match="Give a reason"):
        requests.transition(officer, request.request_id, Move.DENY)
    with pytest.raises(AccessDenied):
        requests.transition(employee, request.request_id, Move.APPROVE, "self-service")
    with pytest.raises(RequestError, match="Only the employee who asked"):
        requests.transition(officer, request.request_id, Move.WITHDRAW)
    with pytest.raises(RequestError, match="Only the executor"):
        requests.transition(officer, request.request_id, Move.COMPLETE)
    extended = requests.transition(officer, request.request_id, Move.EXTEND, "complex case across 3 systems")
    assert extended.deadline == add_months(request.received_at, 3) and extended.extension_reason
    denied = requests.transition(officer, request.request_id, Move.DENY, "records under audit")
    with pytest.raises(RequestError, match="cannot be withdrawn; what it allows now: nothing"):
        requests.transition(employee, request.request_id, Move.WITHDRAW)
    assert [(t.actor_id, t.to_state) for t in denied.history] == [
        (employee.employee_id, "submitted"), (officer.employee_id, "extended"), (officer.employee_id, "denied")]
    late = requests.submit(employee, Scope(True), None, now=datetime.now(UTC) - timedelta(days=40))
    with pytest.raises(RequestError, match="within the first month"):
        requests.transition(officer, late.request_id, Move.EXTEND, "too late")
    withdrawn = requests.transition(employee, late.request_id, Move.WITHDRAW, "changed my mind")
    assert withdrawn.state is State.WITHDRAWN
    with pytest.raises(RequestError, match="Choose what to delete"):
        requests.submit(employee, Scope(False), None)


def test_an_officer_never_decides_about_themselves(backend, demo_users):
    _, officer = people(backend, demo_users)
    own = backend.requests.submit(officer, Scope(True), None)
    with pytest.raises(AccessDenied, match="four-eyes"):
        backend.requests.transition(officer, own.request_id, Move.APPROVE, "fine")
    with pytest.raises(AccessDenied):
        backend.holds.place(officer, officer.employee_id, None, "shield myself",
                            datetime.now(UTC) + timedelta(days=1))


def test_execution_deletes_every_byte_and_nothing_else(opened, lake, demo_users, tmp_path):
    employee, officer = people(opened, demo_users)
    person = opened.directory.by_id(employee.employee_id)
    plant_marker(lake, person)
    opened.refresh()
    assert any(MARKER.encode() in f.read_bytes() for f in (lake / "warehouse").rglob("*.parquet"))
    others = row_hashes(lake / "warehouse", [person])
    request_id = approved(opened, employee, officer).request_id
    recipients = []

    def before_the_receipt(step: str) -> None:
        if step == "receipt":
            recipients.extend(state_store.run(opened.requests.connection, "deletion/others_named",
                                              {"request_id": request_id}))

    request = execute(opened, request_id, on_step=before_the_receipt)
    assert request.state is State.COMPLETED and request.receipt["verification"]["passed"]
    assert_gone(opened, lake, employee, others, [request.receipt])
    assert not opened.index.tables_about(person.employee_id, opened.register, datetime.now(UTC).date())
    receipt = request.receipt
    assert receipt["deleted"] and "ledger" in receipt["retained"]
    assert receipt["verification"]["distinctive_values_checked"] >= 1, "the marker is a distinctive value"
    entries = opened.ledger.entries_about(person.employee_id)
    assert entries[-1].access.action == "erase" and entries[-1].access.justification == request.request_id
    assert not [f for f in (tmp_path / "state").rglob("*") if f.is_file() and MARKER.encode() in f.read_bytes()], \
        "the journal's copy of the subject's distinctive values is wiped, bytes and all"
    assert recipients, "the subject's messages named colleagues; the journal kept them until the receipt"
    assert not state_store.run(opened.requests.connection, "deletion/others_named",
                               {"request_id": request_id}), "whom the subject wrote to is wiped"
    snapshot = {f: f.read_bytes() for f in (lake / "warehouse").rglob("*.parquet")}
    again = execute(opened, request.request_id)
    assert again.receipt == receipt and {f: f.read_bytes() for f in snapshot} == snapshot, "a second run is a no-op"


def plant_marker(lake: Path, person) -> None:
    """An uncompressed file holding one row of the subject with a unique value."""
    folder = next((lake / "warehouse" / "telemetry_raw.db" / "keystrokes").iterdir())
    template = pq.read_table(next(folder.glob("*.parquet")))
    row = template.slice(0, 1).to_pylist()[0]
    row.update({"employee_id": person.employee_id, "typed_text": MARKER})
    pq.write_table(pa.Table.from_pylist([row], schema=template.schema), folder / "part-99999.parquet",
                   compression="none")


def test_a_crash_at_every_step_is_resumed_by_running_again(opened, lake, demo_users):
    """One erasure dies at each kind of step in turn, every run resuming
    what the one before left (a file planned, written, journalled, swapped,
    several in flight; the verification; the receipt), and ends as an
    erasure that never crashed does."""
    employee, officer = people(opened, demo_users)
    person = opened.directory.by_id(employee.employee_id)
    others = row_hashes(lake / "warehouse", [person])
    request = approved(opened, employee, officer)
    for start, nth in [("plan", 1), ("write", 1), ("journal written", 1), ("swap", 1), ("journal swapped", 1),
                       ("write", 5), ("swap", 9), ("verify", 1), ("receipt", 1)]:
        with pytest.raises(Crash):
            execute(opened, request.request_id, on_step=crash_at(start, nth))
        assert opened.requests.get(request.request_id).state is State.EXECUTING, (start, nth)
    done = execute(opened, request.request_id)
    assert done.state is State.COMPLETED and done.receipt["verification"]["passed"], done.receipt["verification"]
    assert_gone(opened, lake, employee, others, [done.receipt])


def test_a_file_that_fails_while_others_are_written_stops_the_run_and_resumes(opened, lake, demo_users, monkeypatch):
    """Files are written several at a time: one failing must leave the
    others' originals or their swapped copies, never a half of either, and
    the officer's resume finishes the job."""
    employee, officer = people(opened, demo_users)
    person = opened.directory.by_id(employee.employee_id)
    others = row_hashes(lake / "warehouse", [person])
    request = approved(opened, employee, officer)
    write_new, calls = erasure.write_new, []

    def disk_full_on_the_fourth(*args):
        calls.append(args[2])
        if len(calls) == 4:
            raise OSError(28, "No space left on device")
        return write_new(*args)

    monkeypatch.setattr(erasure, "write_new", disk_full_on_the_fourth)
    with pytest.raises(ErasureError, match="No space left on device"):
        execute(opened, request.request_id)
    failed = opened.requests.get(request.request_id)
    assert failed.state is State.FAILED and "run again to resume" in failed.history[-1].note
    steps = Counter(e.step for e in opened.journal.entries(request.request_id))
    assert steps["swapped"] >= 1 and steps["planned"] >= 1
    monkeypatch.setattr(erasure, "write_new", write_new)
    opened.requests.transition(second_officer(opened, officer, employee), request.request_id, Move.EXECUTE,
                               "disk freed")
    done = execute(opened, request.request_id)
    assert done.state is State.COMPLETED and done.receipt["verification"]["passed"]
    assert_gone(opened, lake, employee, others, [done.receipt])


def test_a_legal_hold_keeps_its_tables_untouched(opened, lake, demo_users):
    employee, officer = people(opened, demo_users)
    opened.holds.place(officer, employee.employee_id, "keystrokes", "Court order 4 O 12/26",
                               datetime.now(UTC) + timedelta(days=90))
    held = sorted((lake / "warehouse" / "telemetry_raw.db" / "keystrokes").rglob("*.parquet"))
    before = {f: f.read_bytes() for f in held}
    request = execute(opened, approved(opened, employee, officer).request_id)
    assert {f: f.read_bytes() for f in held} == before
    kept = {k["table"]: k["why"] for k in request.receipt["kept"]}
    assert "Court order 4 O 12/26" in kept["telemetry_raw.keystrokes"]
    assert request.receipt["verification"]["passed"]


def test_two_requests_touching_the_same_files_run_one_after_the_other(opened, lake, demo_users):
    first, officer = people(opened, demo_users)
    second = principal_for(opened.directory.by_id(demo_users["employee, heavy data"]["employee_id"]))
    both = [opened.directory.by_id(p.employee_id) for p in (first, second)]
    others = row_hashes(lake / "warehouse", both)
    ids = [approved(opened, p, officer).request_id for p in (first, second)]
    failures = []

    def run(request_id):
        try:
            execute(opened, request_id)
        except ErasureError as problem:
            failures.append(problem)

    threads = [threading.Thread(target=run, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures
    receipts = [opened.requests.get(i).receipt for i in ids]
    assert all(r["verification"]["passed"] for r in receipts)
    after = row_hashes(lake / "warehouse", both)
    assert all(not Counter(others[t]) - Counter(after.get(t, [])) for t in others), "no other row lost"


def test_the_pages_take_a_request_through_review(tmp_path, lake, monkeypatch, demo_users):
    monkeypatch.setenv("PORTAL_CONFIG", str(write_config(tmp_path, lake)))
    at = AppTest.from_file(str(PORTAL / "pages" / "deletion.py"), default_timeout=60)
    at.user = signed_in_claims(demo_users["employee, median data"])
    at.run()
    assert at.radio[0].value is None and not at.multiselect and not at.button, "nothing is chosen for them"
    at.radio[0].set_value("chosen kinds of data or tables").run()
    assert len(at.multiselect) == 2 and not at.button
    at.radio[0].set_value("all my data").run()
    assert "will be deleted" in page_text(at)
    request_button = next(b for b in at.button if b.label == "Request deletion")
    assert request_button.disabled, "asking needs a confirmation first"
    at.checkbox[0].check().run()
    next(b for b in at.button if b.label == "Request deletion").click().run()
    assert not at.exception and "received" in at.success[0].value
    at.checkbox[0].check().run()
    next(b for b in at.button if b.label == "Request deletion").click().run()
    assert "already have a request for this data" in at.error[0].value
    hr = AppTest.from_file(str(PORTAL / "pages" / "hr_queue.py"), default_timeout=60)
    hr.user = signed_in_claims(demo_users["HR privacy officer"])
    hr.run()
    employee = demo_users["employee, median data"]
    request_id, named = hr.selectbox[0].options[0].split(" · ")
    assert named == f"{employee['name']} ({employee['employee_id']})"
    hr.selectbox[0].set_value(request_id).run()
    assert not hr.exception and "rows deleted" in page_text(hr) and "total" in page_text(hr)
    hr.text_input[0].input("granted in full")
    next(b for b in hr.button if b.label == "Approve").click().run()
    assert not hr.exception
    assert "another HR privacy officer executes it" in page_text(hr)
    assert not any(b.label == "Execute the deletion" for b in hr.button)
    at.run()
    assert "approved" in page_text(at)
    opened = Backend.open(write_config(tmp_path, lake))
    recorded = opened.ledger.entries_about(employee["employee_id"])
    assert any(e.access.action == "process-deletion" and e.access.actor_role == "hr"
               and e.access.actor_id == demo_users["HR privacy officer"]["employee_id"] and request_id in
               e.access.justification for e in recorded), "the officer's preview is recorded"
    executor = AppTest.from_file(str(PORTAL / "pages" / "hr_queue.py"), default_timeout=60)
    executor.user = signed_in_claims(demo_users["second HR privacy officer"])
    executor.run()
    executor.selectbox[0].set_value(request_id).run()
    assert "will be deleted" in page_text(executor) and "cannot be undone" in page_text(executor)
    assert next(b for b in executor.button if b.label == "Execute the deletion").disabled
    executor.checkbox[0].check().run()
    next(b for b in executor.button if b.label == "Execute the deletion").click().run()
    assert not executor.exception
    deadline = time.monotonic() + 120
    while erasure.running(request_id) and time.monotonic() < deadline:
        time.sleep(0.5)
    done = opened.requests.get(request_id)
    assert done.state is State.COMPLETED and done.receipt["verification"]["passed"]
    executor.run()
    files = len(opened.journal.entries(request_id))
    assert not executor.exception
    assert [p.proto.text for p in executor.get("progress")] == [f"{files} of {files} files rewritten"]
    assert "Verified: nothing about the employee was found afterwards." in page_text(executor)
    at.run()
    assert "verified: nothing about you was found afterwards" in page_text(at)
    assert "To contest this decision, contact" in page_text(at)
    opened.close()


def test_an_erasure_leaves_sorting_the_index_to_the_next_refresh(opened, demo_users, monkeypatch):
    """Sorting only speeds lookups up, and rewrites the whole index: the
    officer does not wait for it. The postings computed again for the
    people the subject's messages named are appended; the next refresh sorts."""
    monkeypatch.setattr("queries.discovery.subject_index.UNSORTED_SHARE", 0.0)
    opened.refresh()
    employee, officer = people(opened, demo_users)

    def unsorted() -> int:
        [(rows,)] = opened.index._run("subject_index/sorting_due", {"share": 0.0})
        return rows

    assert not unsorted()
    execute(opened, approved(opened, employee, officer).request_id)
    assert unsorted(), "the erasure indexed the people it named again, and left them unsorted"
    assert opened.refresh().indexed == ()
    assert not unsorted()


def test_the_index_after_an_erasure_is_what_a_full_rebuild_gives(opened, lake, tmp_path, demo_users):
    """The executor updates the index and discovery itself instead of
    re-reading every table; a rebuild from scratch must agree for everyone,
    except that where their rows sit in a rewritten file is kept as a
    wider run: each run rebuilt lies within a run kept."""
    employee, officer = people(opened, demo_users)
    execute(opened, approved(opened, employee, officer).request_id)
    today = datetime.now(UTC).date()
    people_ids = [p.employee_id for p in opened.directory]

    def kept(backend):
        """What the index holds for everyone, and apart, where their rows sit."""
        tables = backend.index.indexed_tables()
        return ({e: (backend.index.tables_about(e, backend.register, today), backend.index.mentions_of(e),
                     backend.index.weekday_hours(e, tables)) for e in people_ids},
                {(e, file): runs for e in people_ids for file, runs in backend.index.row_runs(e, tables).items()})

    maintained, maintained_runs = kept(opened)
    assert maintained[employee.employee_id] == ([], {}, {})
    opened.close()
    state = tmp_path / "state"
    (state / INDEX_FILE).unlink()
    (state / CACHE_FILE).unlink()
    rebuilt = Backend.open(write_config(tmp_path, lake))
    report = rebuilt.refresh()
    assert report.indexed, "the rebuild really re-read the tables"
    again, rebuilt_runs = kept(rebuilt)
    assert again == maintained
    assert rebuilt_runs.keys() == maintained_runs.keys()
    widened = 0
    for where, runs in rebuilt_runs.items():
        assert all(any(a <= first and last <= b for a, b in maintained_runs[where]) for first, last in runs), where
        widened += runs != maintained_runs[where]
    assert widened, "the erasure moved someone's rows"
    rebuilt.close()

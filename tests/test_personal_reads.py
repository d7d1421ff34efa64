"""Every service that hands out personal data (or figures about people),
called as every role: allowed, it appends exactly one ledger entry naming
the action; denied, it raises with a reason before anything is read."""

from __future__ import annotations

import shutil

import pytest

from auth.policy import VIEW_OWN_TELEMETRY, AccessDenied, Decision
from auth.principal import Role
from queries.access.reads import Read, ReadOutsideLedger, personal_read
from queries.backend import Backend
from queries.console.run import run_statement
from queries.council.figures import oversight
from queries.discovery.catalog import CACHE_FILE
from queries.discovery.subject_index import INDEX_FILE
from queries.erasure.plan import preview
from queries.erasure.requests import Scope
from queries.mydata.activity import daily_activity, insights, weekday_hour_activity
from queries.mydata.export import build_export
from queries.mydata.inventory import inventory_for, inventory_of
from queries.mydata.my_rows import my_rows
from tests.conftest import write_config
from tests.test_my_data import principal_for

OWN = "employee, median data"
OTHER = "employee, heavy data"

# name → (how to call it with (backend, principal, setting up), the action recorded, the roles allowed)
SERVICES = {
    "inventory": (lambda b, p, s: inventory_for(b, p), "view-own-telemetry", {Role.EMPLOYEE}),
    "daily activity": (lambda b, p, s: daily_activity(b, p, s["inventory"]), "view-own-telemetry", {Role.EMPLOYEE}),
    "weekday and hour": (lambda b, p, s: weekday_hour_activity(b, p, s["inventory"]), "view-own-telemetry",
                         {Role.EMPLOYEE}),
    "insights": (lambda b, p, s: insights(b, p, s["inventory"]), "view-own-telemetry", {Role.EMPLOYEE}),
    "rows of a table": (lambda b, p, s: my_rows(b, p, VIEW_OWN_TELEMETRY, s["inventory"].entries[:1], 5),
                        "view-own-telemetry", {Role.EMPLOYEE}),
    "console": (lambda b, p, s: run_statement(b, p, "SELECT count(*) AS n FROM telemetry_raw.keystrokes"),
                "query-own-telemetry", {Role.EMPLOYEE}),
    "export": (lambda b, p, s: build_export(b, p, s["inventory"]), "export-own-data", {Role.EMPLOYEE}),
    "console for an audit": (lambda b, p, s: run_statement(b, p, "SELECT count(*) AS n FROM telemetry_raw.keystrokes",
                                                            subject_id=s["request"].subject_id),
                             "administer-console", {Role.ADMINISTRATOR}),
    "erasure preview": (lambda b, p, s: preview(b, p, s["request"]), "process-deletion", {Role.HR}),
    "council figures": (lambda b, p, s: oversight(b, p), "audit-aggregates",
                        {Role.WORKS_COUNCIL, Role.ADMINISTRATOR}),
}


@pytest.fixture(scope="module")
def prepared(tmp_path_factory, sample, indexed_state, demo_users):
    """One backend for the module: the services only read."""
    folder = tmp_path_factory.mktemp("reads")
    config = write_config(folder, sample)
    (folder / "state").mkdir()
    for name in (CACHE_FILE, INDEX_FILE):
        shutil.copy(indexed_state / name, folder / "state" / name)
    backend = Backend.open(config)
    me = backend.directory.by_id(demo_users[OWN]["employee_id"])
    other = backend.directory.by_id(demo_users[OTHER]["employee_id"])
    request = backend.requests.submit(principal_for(other), Scope(True), "leaving")
    yield backend, me, {"inventory": inventory_of(backend, me.employee_id), "request": request}
    backend.close()


def _refuse_reads(backend, monkeypatch) -> None:
    def read(*args, **kwargs):
        raise AssertionError("personal data was read before the policy allowed it")

    for part, names in ((backend.warehouse, ("query", "query_arrow")),
                        (backend.index, ("tables_about", "mentions_of", "daily_rows", "table_coverage",
                                         "employees_in_groups", "volumes"))):
        for name in names:
            monkeypatch.setattr(part, name, read)


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("service", list(SERVICES))
def test_a_personal_read_is_recorded_once_or_refused_before_reading(prepared, monkeypatch, service, role):
    backend, me, setting = prepared
    call, action, allowed_roles = SERVICES[service]
    principal = principal_for(me, role)
    before = len(backend.ledger.entries())
    if role in allowed_roles:
        call(backend, principal, setting)
        entries = backend.ledger.entries()[before:]
        assert [e.access.action for e in entries] == [action]
        assert entries[0].access.actor_id == me.employee_id and entries[0].access.actor_role == role
    else:
        _refuse_reads(backend, monkeypatch)
        with pytest.raises(AccessDenied) as refused:
            call(backend, principal, setting)
        assert str(refused.value)
        assert len(backend.ledger.entries()) == before


def test_rows_are_read_only_inside_an_open_read_recorded_for_their_subject(prepared, demo_users):
    """The row reader is the one part that takes rows out of the warehouse:
    outside a recorded read, after it ended, or for someone the read does
    not name, it refuses before touching a file."""
    backend, me, setting = prepared
    other = backend.directory.by_id(demo_users[OTHER]["employee_id"])
    entries = list(setting["inventory"].entries[:1])
    with pytest.raises(ReadOutsideLedger):
        backend.rows.within(Read(Decision(True, "test", Role.EMPLOYEE)), me.employee_id, entries)
    with personal_read(backend.ledger, principal_for(me), VIEW_OWN_TELEMETRY, [me.employee_id]) as read:
        with pytest.raises(ReadOutsideLedger):
            backend.rows.within(read, other.employee_id, entries)
        assert backend.rows.within(read, me.employee_id, entries, limit=1)[0].rows is not None
    with pytest.raises(ReadOutsideLedger):
        backend.rows.within(read, me.employee_id, entries)


def test_a_read_lists_each_table_once_in_the_order_first_taken():
    read = Read(Decision(True, "test", Role.EMPLOYEE))
    read.took(["hr.b", "hr.a", "hr.b"], 3)
    read.took(["hr.a", "hr.c"], 2)
    assert (read.tables, read.rows) == (["hr.b", "hr.a", "hr.c"], 5)

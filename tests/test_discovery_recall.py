"""Recall, measured: people planted in every shape a lake holds them are
all found, with exact row counts, and nobody else is."""

from __future__ import annotations

import os
import shutil
from collections import Counter
from datetime import date

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auth.policy import VIEW_OWN_TELEMETRY
from auth.principal import Principal, Role
from queries.backend import Backend
from queries.discovery.catalog import discover
from queries.discovery.directory import Directory
from queries.discovery.subject_keys import directory_keys
from queries.discovery.subject_rows import scan_rows_about
from queries.mydata.inventory import inventory_for
from queries.mydata.my_rows import my_rows
from queries.warehouse.engine import Warehouse
from tests import planter
from tests.conftest import write_config
from tests.ground_truth import identifiers_of, row_names, rows_naming


def people_to_plant(directory: Directory, count: int = 14) -> list[planter.Person]:
    chosen = sorted(directory, key=lambda e: e.employee_id)[::7][:count]
    return [planter.Person(e.employee_id, e.email, e.login, e.badge, e.hostnames) for e in chosen]


@pytest.fixture(scope="module")
def planted(tmp_path_factory, sample):
    lake = tmp_path_factory.mktemp("planted") / "lake"
    shutil.copytree(sample, lake)
    directory = Directory.load(lake / "directory.csv")
    people = people_to_plant(directory)
    truth = planter.plant(lake / "warehouse", people, {k.key for k in directory_keys(directory)})
    backend = Backend.open(write_config(lake.parent, lake))
    backend.refresh()
    yield backend, lake, people, truth
    backend.close()


def found_in_planted_tables(backend) -> Counter:
    found = Counter()
    for person in backend.directory:
        for table in backend.index.tables_about(person.employee_id, backend.register, date(2026, 11, 22)):
            if table.table.startswith(f"{planter.DATABASE}."):
                found[(table.table, person.employee_id)] = table.rows
    return found


def test_at_least_thirty_hostile_tables_are_planted(planted):
    backend, lake, people, truth = planted
    assert len({table for table, _ in truth}) >= 30
    assert all(backend.register.get(table) is None for table, _ in truth)


def test_recall_is_complete_and_counts_are_exact(planted):
    backend, lake, people, truth = planted
    found = found_in_planted_tables(backend)
    missed = {pair: rows for pair, rows in truth.items() if found.get(pair) != rows}
    assert missed == {}, f"recall {1 - len(missed) / len(truth):.1%}"


def test_nobody_else_is_found(planted):
    backend, lake, people, truth = planted
    false_positives = {pair: rows for pair, rows in found_in_planted_tables(backend).items() if pair not in truth}
    assert false_positives == {}


def test_the_independent_reading_agrees_with_the_construction(planted):
    """The plain-Python ground truth used for the sample is checked here
    against tables whose truth is known by construction."""
    backend, lake, people, truth = planted
    for table in sorted({t for t, _ in truth})[:12]:
        folder = lake / "warehouse" / f"{planter.DATABASE}.db" / table.split(".")[1]
        for person in people:
            assert rows_naming(folder, backend.directory.by_id(person.employee_id)) == \
                truth.get((table, person.employee_id), 0), (table, person.employee_id)


def test_every_kind_of_finding_and_form_is_reported(planted):
    backend, lake, people, truth = planted
    person = people[1]
    mentions = backend.index.mentions_of(person.employee_id)
    findings = {(m.finding, m.form) for table, found in mentions.items() if table.startswith("planted.")
                for m in found}
    assert {f for f, _ in findings} == {"subject", "named", "mentioned"}
    assert {"employee_id", "email", "login", "badge", "hostname", "email_sha256", "employee_id_sha1",
            "email_md5", "employee_id_sha256"} <= {form for _, form in findings}
    assert {m.finding for m in mentions["planted.display_name"]} == {"subject"}
    assert {m.finding for m in mentions["planted.free_text"]} == {"mentioned"}
    assert {m.finding for m in mentions["planted.struct_deep"]} == {"named"}


def test_a_same_size_rewrite_with_the_time_restored_is_seen(tmp_path, sample):
    """Another person's rows written over the first's, byte for byte the
    same size, with the modification time put back: the index follows."""
    lake = tmp_path / "lake"
    shutil.copytree(sample, lake)
    directory = Directory.load(lake / "directory.csv")
    first, second = sorted(directory, key=lambda e: e.employee_id)[10:12]
    folder = lake / "warehouse" / "staging.db" / "same_size"
    folder.mkdir(parents=True)
    victim = folder / "part-00000.parquet"
    pq.write_table(pa.table({"employee_id": [first.employee_id] * 5, "note": ["x"] * 5}), victim, compression="none")
    backend = Backend.open(write_config(tmp_path, lake))
    backend.refresh()
    assert [t.rows for t in backend.index.tables_about(first.employee_id, backend.register, date(2026, 11, 22))
            if t.table == "staging.same_size"] == [5]
    before = victim.stat()
    data = victim.read_bytes()
    assert len(first.employee_id) == len(second.employee_id) and first.employee_id.encode() in data
    victim.write_bytes(data.replace(first.employee_id.encode(), second.employee_id.encode()))
    os.utime(victim, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert victim.stat().st_size == before.st_size and victim.stat().st_mtime_ns == before.st_mtime_ns
    backend.refresh()
    holding = {e.employee_id: [t.rows for t in backend.index.tables_about(e.employee_id, backend.register,
                                                                           date(2026, 11, 22))
                               if t.table == "staging.same_size"] for e in (first, second)}
    backend.close()
    assert holding == {first.employee_id: [], second.employee_id: [5]}


# A random value naming a person somewhere inside it, in a random form, at a random depth.
FORMS = [lambda p: p.employee_id, lambda p: p.email.upper(), lambda p: f"Name <{p.email}>",
         lambda p: f"/u/{p.employee_id}/x", lambda p: f"cc {p.login} and others", lambda p: f"ACME\\{p.login}",
         lambda p: p.hostnames[0], lambda p: f"mailto:{p.email}", lambda p: p.email.replace("@", "+t@")]


def nested(leaf):
    """(arrow type, value, whether some leaf names the person)."""
    return st.recursive(
        leaf.map(lambda chosen: (pa.string(), chosen[0], chosen[1])),
        lambda inner: st.one_of(
            inner.map(lambda node: (pa.list_(node[0]), [node[1], None], node[2])),
            inner.map(lambda node: (pa.struct([("a", pa.int64()), ("b", node[0])]), {"a": 1, "b": node[1]}, node[2])),
            inner.map(lambda node: (pa.map_(pa.string(), node[0]), [("k", node[1])], node[2])),
            st.tuples(inner, inner).map(lambda pair: (pa.struct([("x", pair[0][0]), ("y", pair[1][0])]),
                                                      {"x": pair[0][1], "y": pair[1][1]}, pair[0][2] or pair[1][2])),
        ),
        max_leaves=5)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_nestings_and_forms_are_found(tmp_path_factory, sample, data):
    directory = Directory.load(sample / "directory.csv")
    people = sorted(directory, key=lambda e: e.employee_id)
    person = data.draw(st.sampled_from(people[:40]))
    form = data.draw(st.sampled_from(FORMS))
    decoy = data.draw(st.sampled_from(["nothing here", f"{person.employee_id}0", f"x{person.email}",
                                       f"{person.login}z"]))
    kind, value, expected = data.draw(nested(st.sampled_from([(form(person), True), (decoy, False)])))
    if not isinstance(value, str) and data.draw(st.booleans()):
        kind, value = pa.string(), str(value)
    lake = tmp_path_factory.mktemp("random")
    folder = lake / "random.db" / "values"
    folder.mkdir(parents=True)
    pq.write_table(pa.table({"v": pa.array([value, None], type=kind)}), folder / "part-0.parquet")
    warehouse = Warehouse(lake)
    try:
        finding = discover(warehouse, lake / "state").get("random.values")
        counted = scan_rows_about(warehouse, finding, directory, person)
    finally:
        warehouse.close()
    assert counted.rows == int(expected), (kind, value)
    assert rows_naming(folder, person) == int(expected)


def test_colleagues_in_every_shape_are_pseudonymized_in_my_rows(planted):
    """Reading my own rows of the planted tables: everyone else named in
    them — in structs, maps, JSON arrays, free text, as hashes or badges —
    shows as a pseudonym, and my own rows are all there."""
    backend, lake, people, truth = planted
    me = backend.directory.by_id(people[1].employee_id)
    principal = Principal(me.employee_id, me.name, me.email, me.department, frozenset({Role.EMPLOYEE}))
    entries = [e for e in inventory_for(backend, principal).entries if e.name.startswith(f"{planter.DATABASE}.")]
    assert {e.name for e in entries} == {table for table, who in truth if who == me.employee_id}
    others = [identifiers_of(p) for p in backend.directory if p.employee_id != me.employee_id]
    mine = identifiers_of(me)
    for result in my_rows(backend, principal, VIEW_OWN_TELEMETRY, entries):
        rows = result.rows.to_pylist()
        assert len(rows) == truth[(result.entry.name, me.employee_id)], result.entry.name
        for row in rows:
            assert row_names(row, mine), result.entry.name
            assert not any(row_names(row, theirs) for theirs in others), (result.entry.name, row)

"""Deletion follows discovery: a person planted in every shape is erased
from every shape — their own rows deleted, their identifier removed from
everyone else's rows — and nothing else changes."""

from __future__ import annotations

import shutil
from collections import Counter

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from auth.policy import VIEW_OWN_TELEMETRY
from queries.backend import Backend
from queries.discovery.directory import Directory
from queries.discovery.subject_keys import directory_keys
from queries.erasure.redact import MARKER
from queries.erasure.requests import Scope
from queries.erasure.rewrite import _replaced
from queries.erasure.run import execute
from queries.mydata.inventory import inventory_for
from queries.mydata.my_rows import my_rows
from tests import planter
from tests.conftest import write_config
from tests.ground_truth import identifiers_of, row_names
from tests.test_deletion import approved, people
from tests.test_discovery_recall import people_to_plant
from tests.test_my_data import principal_for


@pytest.fixture(scope="module")
def erased(tmp_path_factory, sample, demo_users):
    lake = tmp_path_factory.mktemp("shapes") / "lake"
    shutil.copytree(sample, lake)
    directory = Directory.load(lake / "directory.csv")
    planted_people = people_to_plant(directory)
    truth = planter.plant(lake / "warehouse", planted_people, {k.key for k in directory_keys(directory)})
    before = {table: pq.read_table(lake / "warehouse" / f"{planter.DATABASE}.db" / table.split(".")[1])
              for table in {t for t, _ in truth}}
    backend = Backend.open(write_config(lake.parent, lake))
    backend.refresh()
    _, officer = people(backend, demo_users)
    subject = next(backend.directory.by_id(p.employee_id) for p in planted_people[2:]
                   if p.employee_id != officer.employee_id)
    request = approved(backend, principal_for(subject), officer)
    execute(backend, request.request_id)
    done = backend.requests.get(request.request_id)
    yield backend, lake, subject, truth, before, done
    backend.close()


def planted_rows(lake, table: str):
    return pq.read_table(lake / "warehouse" / f"{planter.DATABASE}.db" / table.split(".")[1]).to_pylist()


def test_the_erasure_completes_and_verifies(erased):
    backend, lake, subject, truth, before, done = erased
    assert done.receipt["verification"]["passed"], done.receipt["verification"]


def test_no_planted_row_names_the_subject_any_more(erased):
    backend, lake, subject, truth, before, done = erased
    wanted = identifiers_of(subject)
    for table in sorted(before):
        assert not [row for row in planted_rows(lake, table) if row_names(row, wanted)], table


def test_every_other_person_is_still_named_as_often_as_before(erased):
    """Rows are deleted only where they were the subject's own; others keep
    every mention of everyone else."""
    backend, lake, subject, truth, before, done = erased
    for table, rows in sorted(before.items()):
        after = planted_rows(lake, table)
        for person in backend.directory:
            if person.employee_id == subject.employee_id or (table, person.employee_id) not in truth:
                continue
            wanted = identifiers_of(person)
            still = sum(row_names(row, wanted) for row in after)
            assert still == truth[(table, person.employee_id)], (table, person.employee_id)


def test_rows_of_nobody_are_untouched(erased):
    """Decoys, the service accounts, everything that named nobody."""
    backend, lake, subject, truth, before, done = erased
    everyone = set().union(*(identifiers_of(p) for p in backend.directory))
    for table, rows in sorted(before.items()):
        untouched = Counter(repr(r) for r in rows.to_pylist() if not row_names(r, everyone))
        after = Counter(repr(r) for r in planted_rows(lake, table) if not row_names(r, everyone))
        assert untouched - after == Counter(), table


def test_free_text_keeps_a_marker_where_the_subject_was(erased):
    backend, lake, subject, truth, before, done = erased
    texts = [row["value"] for row in planted_rows(lake, "planted.free_text") if row["value"]]
    assert any(MARKER in text for text in texts)


def test_shared_rows_keep_their_other_person(erased):
    """`a@x;b@y` written by the subject to someone: the subject's part is erased, the other stays."""
    backend, lake, subject, truth, before, done = erased
    shared = [r["value"] for r in planted_rows(lake, "planted.semicolons") if r["value"] and MARKER in r["value"]]
    assert shared and all(";" in value and "@acme.example" in value for value in shared)


def test_the_subject_is_gone_from_the_index(erased):
    backend, lake, subject, truth, before, done = erased
    left = [t.table for t in backend.index.tables_about(subject.employee_id, backend.register,
                                                        done.received_at.date())
            if t.table.startswith(f"{planter.DATABASE}.") and t.rows]
    assert left == []


def test_the_request_covered_everything(erased):
    backend, lake, subject, truth, before, done = erased
    assert done.scope == Scope(True)


def test_everyone_else_is_still_read_whole_through_the_index(erased):
    """Rewriting a file without the subject's rows moved everyone else's up;
    the runs the index keeps of where their rows sit must still reach all of
    them, or a person's view and export would quietly lose rows."""
    backend, lake, subject, truth, before, done = erased
    checked = 0
    for person in backend.directory:
        planted = {table: rows for (table, someone), rows in truth.items() if someone == person.employee_id}
        if person.employee_id == subject.employee_id or not planted:
            continue
        entries = [e for e in inventory_for(backend, principal_for(person), done.received_at.date()).entries
                   if e.name in planted]
        read = {r.entry.name: r.rows.num_rows for r in my_rows(backend, principal_for(person), VIEW_OWN_TELEMETRY,
                                                                 entries)}
        assert read == {e.name: e.postings.rows for e in entries} == planted, person.employee_id
        checked += 1
    assert checked


@pytest.mark.parametrize("kind, values, new", [
    (pa.string(), [["a", "b"], ["c", None, "e"]], ["B", "E"]),
    (pa.large_string(), [["a", "b", "c", "d", "e"]], ["B", None]),
    (pa.dictionary(pa.int32(), pa.string()), [["a", "b"], ["a", "d", "b"]], ["B", "a"]),
    (pa.json_(pa.string()), [['{"a": 1}', '{"b": 2}'], ['{"c": 3}', None, "[]"]], ['{"b": "[erased]"}', "{}"]),
    (pa.list_(pa.struct([("m", pa.map_(pa.string(), pa.string()))])),
     [[[{"m": [("k", "a")]}], [], None, [{"m": []}], [{"m": [("x", "e")]}]]], [[{"m": [("k", "B")]}], None]),
], ids=["text in chunks", "large text", "dictionary", "json extension", "nested"])
def test_a_rewritten_column_keeps_every_other_value_and_its_type(kind, values, new):
    """Someone else's rows are rewritten in place, column by column, without
    the subject: the values at the positions change (in any order of the
    positions), every other value and the column's type stay."""
    storage = kind.storage_type if isinstance(kind, pa.BaseExtensionType) else \
        kind.value_type if pa.types.is_dictionary(kind) else kind

    def chunk(part: list):
        array = pa.array(part, storage)
        if isinstance(kind, pa.BaseExtensionType):
            return pa.ExtensionArray.from_storage(kind, array)
        return array.dictionary_encode().cast(kind) if pa.types.is_dictionary(kind) else array

    column = pa.chunked_array([chunk(part) for part in values], kind)
    positions = [4, 1]
    rewritten = _replaced(column, positions, new, kind)
    expected = [value for part in values for value in part]
    expected[4], expected[1] = new
    assert rewritten.type == kind
    assert _plain(rewritten) == expected


def _plain(array) -> list:
    if isinstance(array.type, pa.BaseExtensionType):
        array = array.storage
    return array.to_pylist()

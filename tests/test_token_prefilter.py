"""The verification skips the token matching for a rewritten file only when
its decoded values show that no text DuckDB would cut can pass the
subject's prefilter. What must never happen: a file DuckDB's own prefilter
passes (the only files the token matching can find a row in) being
cleared. Checked against DuckDB itself over real Parquet files, for
hostile values: JSON escapes that make a key, case folding beyond ASCII,
keys as integers, as field names, inside every nesting."""

from __future__ import annotations

import itertools

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from queries.discovery.catalog import _scanned
from queries.discovery.directory import Employee
from queries.discovery.subject_keys import keys_of, subject_prefilter
from queries.discovery.subject_rows import _column_text
from queries.erasure.check import parquet_text_columns, verify_erasure
from queries.erasure.plan import plan
from queries.erasure.run import execute
from queries.erasure.token_prefilter import may_name
from tests.test_deletion import approved, people

# A login that a JSON escape can make ("\tmike" is written "\\tmike"), an email a Kelvin sign can spell.
SUBJECT = Employee("E04711", "Kate Mike", "kate.mike@acme.example", "Sales", None, "Berlin", "L3", "2020-01-01",
                   False, login="tmike", badge="80012345", hostnames=("acme-lt-4f2a9c",))
PREFILTER = subject_prefilter(keys_of(SUBJECT))
FILES = itertools.count()


# One DuckDB for every example: opening one (30 ms) costs more than an example.
ENGINE = duckdb.connect()


def duckdb_passes(path) -> bool:
    """Whether any text the token matching would cut in the file passes the
    prefilter, as the index's own statements write them (`tokens/`)."""
    with ENGINE.cursor() as engine:
        columns = engine.execute("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet($p))",
                                 {"p": str(path)}).fetchall()
        scanned, _ = _scanned(tuple(columns))
        texts = [f"bool_or(regexp_matches({_column_text(column, nested).text}, $prefilter))"
                 for column, nested in scanned]
        if not texts:
            return False
        row = engine.execute(f"SELECT {', '.join(texts)} FROM read_parquet($p)",
                             {"p": str(path), "prefilter": PREFILTER}).fetchone()
        return any(row)


def cleared(path) -> bool:
    columns, schema = parquet_text_columns(pa.OSFile(str(path)), integers=True)
    return not may_name(schema, columns, PREFILTER)


def written(tmp_path, columns: dict):
    """A new file each time, so that nothing DuckDB may keep of an earlier one applies."""
    path = tmp_path / f"part-{next(FILES)}.parquet"
    pq.write_table(pa.table(columns), path)
    return path


PIECES = ["tmike", "TMIKE", "mike", "\tmike", "\\tmike", "t", "\n", '"', "\\", "kate.mike", "\u212aate.mike",
          "+tag", "@acme.example", "@ACME.EXAMPLE", "8001", "2345", "80012345", "E047", "11", "e04711", "acme-lt-",
          "4f2a9c", " ", "é", "x", "u0009"]
TEXT = st.lists(st.sampled_from(PIECES), max_size=6).map("".join)
NUMBER = st.one_of(st.sampled_from([80012345, -80012345, 4711, 800123450]), st.integers(-10**12, 10**12))


@st.composite
def files(draw):
    """Columns of every shape the token matching reads, with text made of
    pieces of the subject's keys, escapes and look-alikes."""
    rows = draw(st.integers(1, 4))
    column = {
        "text": lambda: pa.array(draw(st.lists(TEXT, min_size=rows, max_size=rows))),
        "number": lambda: pa.array(draw(st.lists(NUMBER, min_size=rows, max_size=rows)), pa.int64()),
        "dictionary": lambda: pa.array(draw(st.lists(TEXT, min_size=rows, max_size=rows))).dictionary_encode(),
        "list": lambda: pa.array(draw(st.lists(st.lists(TEXT, max_size=3), min_size=rows, max_size=rows))),
        "struct": lambda: pa.array(draw(st.lists(st.fixed_dictionaries({"who": TEXT, "badge": NUMBER}),
                                                 min_size=rows, max_size=rows)),
                                   pa.struct([(draw(st.sampled_from(["who", "tmike", "by"])), pa.string()),
                                              ("badge", pa.int64())])),
        "map": lambda: pa.array(draw(st.lists(st.lists(st.tuples(TEXT, TEXT), max_size=2), min_size=rows,
                                              max_size=rows)), pa.map_(pa.string(), pa.string())),
        "flags": lambda: pa.array(draw(st.lists(st.lists(st.booleans(), max_size=2), min_size=rows,
                                                max_size=rows))),
        "ratio": lambda: pa.array(draw(st.lists(st.floats(-1e9, 1e9), min_size=rows, max_size=rows))),
    }
    chosen = draw(st.lists(st.sampled_from(sorted(column)), min_size=1, max_size=4, unique=True))
    return {name: column[name]() for name in chosen}


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(columns=files())
def test_a_file_duckdb_s_prefilter_passes_is_never_cleared(tmp_path, columns):
    path = written(tmp_path, columns)
    if duckdb_passes(path):
        assert not cleared(path)


@pytest.mark.parametrize("columns", [
    {"tags": [["x"], ["\tmike"]]},
    {"who": pa.array([{"tmike": "x"}], pa.struct([("tmike", pa.string())]))},
    {"tags": pa.array([[("by", "\u212aate.mike@acme.example")]], pa.map_(pa.string(), pa.string()))},
    {"badge": pa.array([80012345], pa.int64())},
    {"reading": [[80012345.0]]},
    {"raw": pa.array([b"nothing here"], pa.binary())},
], ids=["a JSON escape makes the login", "a field name", "a Kelvin sign", "an integer", "a nested float", "a blob"])
def test_what_duckdb_could_cut_into_their_key_is_not_cleared(tmp_path, columns):
    assert not cleared(written(tmp_path, columns))


def test_a_file_of_other_people_is_cleared(tmp_path):
    """Or the token matching would run on every file, as before."""
    path = written(tmp_path, {"text": ["mike", "\tmike is here"], "number": pa.array([4711, 8001], pa.int64()),
                              "tags": [["kate", "mike@acme.example"], []], "ratio": [1.5, 2.0],
                              "who": [{"name": "tom", "badge": 80012344}, {"name": "ann", "badge": 1}]})
    assert not duckdb_passes(path) and cleared(path)


def test_a_key_left_in_a_rewritten_file_still_fails_the_verification(opened, demo_users):
    """A login is in neither the byte sweep nor the decoded search, only in
    the token matching: a rewritten file that still holds one must reach it."""
    employee, officer = people(opened, demo_users)
    person = opened.directory.by_id(employee.employee_id)
    request = approved(opened, employee, officer)
    tables = plan(opened, request)
    done = execute(opened, request.request_id)
    assert done.receipt["verification"]["passed"]
    rewritten = sorted(e.file for e in opened.journal.entries(request.request_id) if not e.whole_table
                       and e.file.endswith(".parquet"))[0]
    rows = pq.read_table(rewritten, partitioning=None)
    pq.write_table(rows.append_column("reviewers", pa.array([[]] * (rows.num_rows - 1) + [["x", person.login]],
                                                            pa.list_(pa.string()))), rewritten)
    opened.refresh()
    verification = verify_erasure(opened, person, tables, {})
    assert not verification["passed"]
    assert verification["files_with_rows_still_naming_them"] == [opened.warehouse.storage.relative(rewritten)]
    assert not verification["files_with_traces_in_raw_bytes"] and not verification[
        "files_with_traces_in_decoded_values"], "only the token matching finds a login"


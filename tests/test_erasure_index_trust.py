"""An erasure trusts the subject index only where the warehouse is still
as the index read it: there it searches a file only in the rows the index
found the subject in, and afterwards carries the index's entries over to
the rewritten files. A table the lake changed since is searched whole and
indexed again."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from queries.erasure.requests import State
from queries.erasure.run import execute
from tests.ground_truth import folder_rows, identifiers_of, row_names
from tests.test_deletion import approved, people


def test_a_file_rewritten_in_place_since_it_was_indexed_is_searched_whole(opened, lake, demo_users):
    """An erasure looks for the subject only in the rows where the index
    found them, in files still as the index read them. A file the lake
    rewrote under its old name since (here: the same rows, with as many rows
    of others before them, so every row of the subject moved past where the
    index saw it) must be searched whole, or the subject's rows would stay;
    and indexed again afterwards, or the others' new rows would never be."""
    employee, officer = people(opened, demo_users)
    person = opened.directory.by_id(employee.employee_id)
    wanted = identifiers_of(person)
    held = opened.index.tables_about(person.employee_id, opened.register, datetime.now(UTC).date())
    moved = None
    for table, file in ((t.table, f) for t in held for f in t.files if f.endswith(".parquet")):
        rows = pq.read_table(file)
        others = [i for i, row in enumerate(rows.to_pylist()) if not row_names(row, wanted)]
        if others and len(others) < rows.num_rows:
            moved = Path(file)
            ahead = rows.take(pa.array((others * (rows.num_rows // len(others) + 1))[:rows.num_rows]))
            pq.write_table(pa.concat_tables([ahead, rows]), moved)
            break
    assert moved is not None, "a file holds the subject and someone else"
    request = execute(opened, approved(opened, employee, officer).request_id)
    assert request.state is State.COMPLETED and request.receipt["verification"]["passed"], \
        request.receipt["verification"]
    after = pq.read_table(moved).to_pylist()
    assert not [row for row in after if row_names(row, wanted)]
    today = datetime.now(UTC).date()
    database, name = table.split(".")
    everything = folder_rows(lake / "warehouse" / f"{database}.db" / name)
    named = [p for p in opened.directory if p.employee_id != person.employee_id
             and any(row_names(row, identifiers_of(p)) for row in after)]
    assert named, "the moved file names someone else"
    for other in named:
        indexed = {t.table: t.rows for t in opened.index.tables_about(other.employee_id, opened.register, today)}
        assert indexed.get(table) == sum(row_names(row, identifiers_of(other)) for row in everything), \
            (other.employee_id, "the rows put before theirs are indexed too")

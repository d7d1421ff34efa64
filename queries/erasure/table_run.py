"""An erasure's steps on the tables of a format with its own metadata and
history (Iceberg, Delta; the steps themselves are the format's,
`TableErasure`).

A file of such a table is never rewritten in place: its metadata records
each file's size and statistics, and old snapshots or versions keep every
row. Per table, journalled like a file (planned → rewritten → expired →
cleaned), an erasure:

1. rewrites, copy-on-write through the table's API, the partitions holding
   the subject: their own rows deleted, others' rows kept without them
   (`redact`'s rule, the same as for a Hive folder's files);
2. expires every snapshot (Iceberg) or log version (Delta) but the current
   one, listed in the journal first, so a resumed run names them all on the
   receipt: time travel to before the erasure is gone by design;
3. removes every file under the table's location that the current state
   does not reference: old data files, and old manifests or metadata, which
   hold the deleted rows and their column statistics.

Each step ends in the same state when run again after a crash: the
rewrite's commit carries the request's id, so it is found instead of
repeated. Verification (`check`) then sweeps every byte under the location,
decompressed.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pyarrow as pa

from queries.backend import Backend
from queries.discovery.catalog import Catalog
from queries.discovery.directory import Employee
from queries.erasure.journal import table_entry
from queries.erasure.plan import TablePlan
from queries.erasure.rewrite import distinctive, split_rows
from queries.warehouse.engine import TableRef
from queries.warehouse.table_format import TableErasure


def erasure_of(backend: Backend, table: str, employee: Employee) -> TableErasure:
    """The table's format's steps; a partition value naming the subject is identifying."""
    subject = backend.finder.subject(employee)
    return backend.warehouse.erasure(TableRef.parse(table),
                                     lambda value: employee.employee_id in subject.people_in(value))


def erase_tables(backend: Backend, request_id: str, catalog: Catalog, employee: Employee, tables: list[TablePlan],
                 on_step: Callable[[str], None]) -> None:
    journal = backend.journal
    files = {table_entry(t.table): set(t.files) for t in tables}
    for entry in [e for e in journal.entries(request_id) if e.whole_table]:
        erasure, step = erasure_of(backend, entry.table, employee), entry.step
        counts = {"rows_deleted": entry.rows_deleted, "rows_redacted": entry.rows_redacted,
                  "distinctive": json.dumps(entry.distinctive)}
        if step == "planned":
            on_step(f"rewrite {entry.table}")
            traces: list[str] = []
            done = erasure.rewrite(files.get(entry.file, set()),
                                   _change(backend, catalog, entry.table, employee, traces), request_id)
            on_step(f"journal rewritten {entry.table}")
            journal.note(request_id, entry.file, files_replaced=done.get("files_replaced", 0),
                         bytes_replaced=done.get("bytes_replaced", 0))
            counts = {"rows_deleted": done.get("rows_deleted", 0), "rows_redacted": done.get("rows_redacted", 0),
                      "distinctive": json.dumps(traces)}
            journal.set_step(request_id, entry.file, "rewritten", None, counts)
            step = "rewritten"
        if step == "rewritten":
            if "snapshots_expired" not in journal.notes(request_id).get(entry.file, {}):
                journal.note(request_id, entry.file, snapshots_expired=erasure.old_snapshots())
            on_step(f"expire {entry.table}")
            erasure.expire(journal.notes(request_id)[entry.file]["snapshots_expired"])
            journal.set_step(request_id, entry.file, "expired", None, counts)
            step = "expired"
        if step == "expired":
            on_step(f"clean {entry.table}")
            earlier = journal.notes(request_id).get(entry.file, {}).get("files_removed", 0)
            journal.note(request_id, entry.file, files_removed=earlier + len(erasure.remove_unreferenced()))
            journal.set_step(request_id, entry.file, "cleaned", None, counts)


def _change(backend: Backend, catalog: Catalog, table: str, employee: Employee,
            traces: list[str]) -> Callable[[pa.Table], tuple[pa.Table, dict[str, int]]]:
    """What the rewrite does to the rows of the partitions it replaces;
    `traces` receives the values only the subject's rows held."""
    finding, subject = catalog.get(table), backend.finder.subject(employee)

    def change(rows: pa.Table) -> tuple[pa.Table, dict[str, int]]:
        kept, owned, redacted = split_rows(rows, backend.finder.rows_naming_in(finding, rows, employee), subject)
        traces[:] = distinctive(owned, kept, subject)
        return kept, {"rows_deleted": owned.num_rows, "rows_redacted": redacted}
    return change


"""One file of a Hive folder table rewritten without an erasure's subject.

Runs in the erasure's worker threads, so it touches nothing but the file
and its temporary copy beside it, and returns what the journal needs: the
new file's SHA-256, the rows deleted and redacted, the values only the
subject's rows held (traces verification looks for afterwards), and whom
those rows named (their index entries change too). The rows naming the
subject are found as the subject index finds them; which are the subject's
own, and how the others are kept without them, is `redact`'s rule.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from queries.discovery.catalog import TableFinding
from queries.discovery.directory import Employee
from queries.erasure.redact import RowFinder, Subject, classify

TEMP_PREFIX = ".daylight-erasure-"
DISTINCTIVE_MIN_LENGTH = 16
DISTINCTIVE_PER_FILE = 20


def temp_path(file: str) -> str:
    """Beside the original, so the rename is atomic (on a local disk); hidden,
    so no reader (nor discovery) takes it for data."""
    folder, _, name = file.rpartition("/")
    return f"{folder}/{TEMP_PREFIX}{name}"


def _text_values(table: pa.Table) -> set[str]:
    values: set[str] = set()
    for name in table.column_names:
        if pa.types.is_string(table.schema.field(name).type):
            values |= set(pc.unique(table[name]).to_pylist())
    return values


def distinctive(owned: pa.Table, kept: pa.Table, subject: Subject) -> list[str]:
    """Long text values found only in the subject's rows of this file:
    traces to look for afterwards (their own identifiers are looked for anyway)."""
    theirs = sorted(v for v in _text_values(owned) if v and len(v) >= DISTINCTIVE_MIN_LENGTH
                    and not subject.people_in(v))
    if not theirs:
        return []
    candidates, shared = pa.array(theirs, pa.string()), set()
    for name in kept.column_names:
        column = kept[name]
        if pa.types.is_string(column.type):
            shared |= set(pc.unique(column.filter(pc.is_in(column, value_set=candidates))).to_pylist())
    return [v for v in theirs if v not in shared][:DISTINCTIVE_PER_FILE]


def _redacted(table: pa.Table, positions: list[int], subject: Subject) -> pa.Table:
    """`table` with the rows at `positions` (someone else's) rewritten without the subject."""
    rows = table.take(pa.array(positions, pa.int64()))
    for index, field in enumerate(table.schema):
        old = rows.column(field.name).to_pylist()
        new = [subject.redact(value, field.type) for value in old]
        if new != old:
            table = table.set_column(index, field, _replaced(table.column(index), positions, new, field.type))
    return table


def _replaced(column: pa.ChunkedArray, positions: list[int], values: list, kind: pa.DataType) -> pa.Array:
    """`column` with `values` at `positions` and the rest as it was, without
    turning the column into Python objects: a chat file's text column is
    tens of thousands of them, and converting it cost more than the file's
    whole rewrite."""
    if isinstance(kind, pa.BaseExtensionType):
        storage = pa.chunked_array([chunk.storage for chunk in column.chunks], kind.storage_type)
        return pa.ExtensionArray.from_storage(kind, _replaced(storage, positions, values, kind.storage_type))
    if pa.types.is_dictionary(kind):
        plain = _replaced(pc.cast(column, kind.value_type), positions, values, kind.value_type)
        return plain.dictionary_encode().cast(kind)
    order = np.arange(len(column), dtype=np.int64)
    order[positions] = len(column) + np.arange(len(positions), dtype=np.int64)
    return pa.concat_arrays([*column.chunks, pa.array(values, kind)]).take(pa.array(order))


def split_rows(table: pa.Table, positions: list[int], subject: Subject) -> tuple[pa.Table, pa.Table, int]:
    """The rows kept (someone else's rows naming the subject, at some of
    `positions`, rewritten without them), the subject's own rows, and how
    many kept rows had named them."""
    owned = classify(table.take(pa.array(positions, pa.int64())), subject)
    theirs = pa.array([p for p, own in zip(positions, owned) if own], pa.int64())
    others = [p for p, own in zip(positions, owned) if not own]
    rewritten = _redacted(table, others, subject) if others else table
    keep = np.ones(table.num_rows, dtype=bool)
    keep[theirs.to_numpy()] = False
    return rewritten.filter(pa.array(keep)), table.take(theirs), len(others)


def _compact_dictionaries(table: pa.Table) -> pa.Table:
    """Dictionary columns encoded again from the values left: a filtered
    dictionary array keeps every entry it had, and Parquet would write the
    deleted rows' values into the file's dictionary page."""
    for index, field in enumerate(table.schema):
        if pa.types.is_dictionary(field.type):
            plain = pc.cast(table.column(index), field.type.value_type)
            table = table.set_column(index, field, pc.dictionary_encode(plain).cast(field.type))
    return table


def others_named(owned: pa.Table, subject: Subject) -> list[str]:
    """Everyone else the subject's own rows in a file name (the recipients of
    a message they sent), as lower-cased employee ids: deleting those rows
    changes these people's index entries too."""
    people = set().union(*(subject.people_in(list(row.values())) for row in owned.to_pylist()))
    return sorted(person.lower() for person in people - {subject.employee_id})


@dataclass(frozen=True)
class Written:
    temp: str
    sha256: str
    rows_deleted: int
    rows_redacted: int
    distinctive: list[str]
    others_named: list[str]


def write_new(finder: RowFinder, finding: TableFinding, file: str, employee: Employee,
              positions: list[int]) -> Written:
    """Writes the file anew beside the original, without the rows at
    `positions` (those naming the subject, `RowFinder.rows_naming_in_files`),
    as the original was written (its kind, compression, layout), durably;
    the caller swaps it in."""
    folders = finder.warehouse.hive_folders
    subject = finder.subject(employee)
    kept, owned, redacted = split_rows(folders.read_file(finding.table, file), positions, subject)
    kept = _compact_dictionaries(kept)
    temp = temp_path(file)
    folders.write_like(finding.table, kept, file, temp)
    return Written(temp, folders.storage.sha256(temp), owned.num_rows, redacted, distinctive(owned, kept, subject),
                   others_named(owned, subject))

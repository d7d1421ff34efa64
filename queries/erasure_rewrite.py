"""One file of the warehouse rewritten without an erasure's subject.

Runs in the erasure's worker threads, so it touches nothing but the file
and its temporary copy beside it, and returns what the journal needs: the
new file's SHA-256, the rows deleted and redacted, the values only the
subject's rows held (traces verification looks for afterwards), and whom
those rows named (their index entries change too). Which rows are the
subject's own is decided in `queries/erasure_plan.py`.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from queries import sql
from queries.backend import Backend
from queries.directory import Employee
from queries.discovery import FoundIdentifier, TableFinding
from queries.erasure_check import CHUNK
from queries.erasure_plan import owned_predicate, projection
from queries.subject_rows import subject_match, subject_params

TEMP_PREFIX = ".daylight-erasure-"
DISTINCTIVE_MIN_LENGTH = 16
DISTINCTIVE_PER_FILE = 20
DEFAULT_ROW_GROUP = 8192


def temp_path(file: Path) -> Path:
    """Beside the original, so the rename is atomic; hidden, so no reader
    (nor discovery) takes it for data."""
    return file.with_name(TEMP_PREFIX + file.name)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as source:
        for block in iter(lambda: source.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def _compression(metadata: pq.FileMetaData) -> str:
    if not metadata.num_row_groups or not metadata.num_columns:
        return "zstd"
    codec = metadata.row_group(0).column(0).compression.lower()
    return "none" if codec == "uncompressed" else codec


def _row_group_size(metadata: pq.FileMetaData) -> int:
    """The original's, so readers prune the new file as they did the old."""
    return max(metadata.row_group(0).num_rows, 1) if metadata.num_row_groups else DEFAULT_ROW_GROUP


def _text_values(table: pa.Table, skip: set[str]) -> set[str]:
    values: set[str] = set()
    for name in table.column_names:
        if name not in skip and pa.types.is_string(table.schema.field(name).type):
            values |= set(pc.unique(table[name]).to_pylist())
    return values


def _distinctive(owned: pa.Table, kept: pa.Table, finding: TableFinding) -> list[str]:
    """Long text values found only in the subject's rows of this file: traces to look for afterwards."""
    identifier_columns = {i.column for i in finding.identifiers}
    theirs = sorted(v for v in _text_values(owned, identifier_columns) if v and len(v) >= DISTINCTIVE_MIN_LENGTH)
    if not theirs:
        return []
    candidates, shared = pa.array(theirs, pa.string()), set()
    for name in kept.column_names:
        column = kept[name]
        if pa.types.is_string(column.type):
            shared |= set(pc.unique(column.filter(pc.is_in(column, value_set=candidates))).to_pylist())
    return [v for v in theirs if v not in shared][:DISTINCTIVE_PER_FILE]


def _named(value, identifier: FoundIdentifier) -> list[str]:
    if value is None:
        return []
    if identifier.shape == "list":
        return [v for v in value if v]
    if identifier.shape == "json":
        try:
            node = json.loads(value)
        except (json.JSONDecodeError, TypeError):
            return []
        for key in identifier.json_path.split(".")[1:]:
            node = node.get(key) if isinstance(node, dict) else None
        return [node] if isinstance(node, str) else []
    return [value]


def _others_named(owned: pa.Table, finding: TableFinding, employee: Employee) -> list[str]:
    """Everyone else the subject's own rows in a file name (the recipients of
    a message they sent), lower-cased as the subject index keys them:
    deleting those rows changes these people's index entries too."""
    subject = {employee.employee_id.lower(), employee.email.lower()}
    return sorted({named.lower() for identifier in finding.identifiers
                   for value in owned[identifier.column].to_pylist()
                   for named in _named(value, identifier)} - subject)


def _unused(name: str, taken: list[str]) -> str:
    """A name for a helper column that no column of the file already has."""
    while name in taken:
        name += "_"
    return name


def _split(backend: Backend, finding: TableFinding, file: Path, employee: Employee,
           columns: list[str]) -> tuple[pa.Table, pa.Table, int]:
    """The file read once: the rows kept (the subject's identifier removed),
    the subject's own rows, and how many kept rows had named them. The
    subject's rows come through the same projection; it only touches
    identifier columns, which neither use of them reads for the subject."""
    owned_flag = _unused("daylight_owned", columns)
    named_flag = _unused("daylight_named", columns)
    statement = sql.render("erasure/split_file", identifiers={"owned_flag": owned_flag, "named_flag": named_flag},
                           fragments={"projection": projection(finding), "owned": owned_predicate(finding),
                                      "subject_match": subject_match(finding.identifiers)})
    rows = backend.warehouse.query_arrow(statement, {"file": str(file), **subject_params(employee)})
    owned, kept = rows[owned_flag], pc.invert(rows[owned_flag])
    redacted = pc.sum(pc.and_(rows[named_flag], kept)).as_py() or 0
    rows = rows.drop_columns([owned_flag, named_flag])
    return rows.filter(kept), rows.filter(owned), redacted


@dataclass(frozen=True)
class Written:
    temp: Path
    sha256: str
    rows_deleted: int
    rows_redacted: int
    distinctive: list[str]
    others_named: list[str]


def write_new(backend: Backend, finding: TableFinding, file: Path, employee: Employee) -> Written:
    """Writes the file anew beside the original and syncs it; the caller swaps it in."""
    original = pq.ParquetFile(file)
    kept, owned, redacted = _split(backend, finding, file, employee, original.schema_arrow.names)
    kept = kept.cast(original.schema_arrow) if kept.schema != original.schema_arrow else kept
    temp = temp_path(file)
    pq.write_table(kept, temp, compression=_compression(original.metadata),
                   row_group_size=_row_group_size(original.metadata), write_statistics=True)
    with open(temp, "rb") as written:
        os.fsync(written.fileno())
    return Written(temp, sha256_of(temp), owned.num_rows, redacted, _distinctive(owned, kept, finding),
                   _others_named(owned, finding, employee))

"""A part of a benchmark warehouse copied into another format, so an
erasure through that format can be timed beside the same erasure on
Parquet folders: the tables one employee appears in (up to `PART_TABLES`
of them, smallest first), written once as Iceberg tables grown by appends
(several snapshots) and once as Parquet folders, in a fresh lake per run."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from bench.harness import Context, Subject
from queries.backend import Backend
from sample_data.lakehouse_writer import CATALOG_FILE, catalog_at, write_iceberg_table

PART_TABLES = 8


def _part(context: Context, subject: Subject) -> list:
    """The subject's tables that hold a time column, smallest first."""
    backend = context.backend
    postings = backend.index.tables_about(subject.employee_id, backend.register, context.today)
    findings = [context.catalog.get(p.table) for p in postings if p.rows]
    findings = [f for f in findings if f and f.time_column and f.erasure == "files"]
    return sorted(findings, key=lambda f: sum(Path(p).stat().st_size for p in f.files))[:PART_TABLES]


def _rows(files: tuple[str, ...]) -> pa.Table:
    return pa.concat_tables([pq.read_table(f, partitioning=None) for f in files], promote_options="permissive")


@contextmanager
def lake_copy(context: Context, subject: Subject, kind: str) -> Iterator[None]:
    """Untimed around each run: the part written as `kind` ("iceberg" or
    "parquet") into a new lake with the warehouse's register and directory,
    indexed; the context's backend is that lake's while the run lasts."""
    home = Path(tempfile.mkdtemp(prefix=f"daylight-bench-{kind}-"))
    settings = context.backend.settings
    catalog = catalog_at(home) if kind == "iceberg" else None
    for finding in _part(context, subject):
        folder = home / "warehouse" / f"{finding.table.database}.db" / finding.table.name
        rows = _rows(finding.files)
        if catalog is not None:
            write_iceberg_table(catalog, folder.resolve().as_uri(), finding.table.database, finding.table.name, rows,
                                finding.time_column, partitioned=False)
        else:
            folder.mkdir(parents=True)
            pq.write_table(rows, folder / "part-00000.parquet", compression="zstd", row_group_size=8192)
    config = home / "portal.toml"
    config.write_text("\n".join([
        "[warehouse]", 'path = "warehouse"', f'register = "{settings.warehouse.register}"', "refresh_seconds = 86400",
        "[directory]", f'path = "{settings.directory.path}"', "[state]", 'path = "state"',
        "[ledger]", 'signing_key = "keys/ledger.pem"',
        *(["[iceberg]", f'catalog = "{CATALOG_FILE}"'] if catalog is not None else []), ""]))
    original, context.backend = context.backend, Backend.open(config)
    context.backend.refresh()
    try:
        yield
    finally:
        context.backend.close()
        context.backend = original
        shutil.rmtree(home, ignore_errors=True)

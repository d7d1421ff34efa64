"""Writes tables as a lakehouse holds them: Apache Iceberg tables in a SQL
catalog (a SQLite file) and Delta Lake tables, each grown by appends over
the days, so it has several snapshots or versions, some partitioned by day.

Iceberg records absolute locations, so its tables are written where the
sample ends up, after the rest of it is in place.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
from deltalake import write_deltalake
from pyiceberg.catalog.sql import SqlCatalog

CATALOG_FILE = "iceberg_catalog.db"
APPENDS = 4  # commits per table: each adds a few days of rows


def catalog_at(sample: Path) -> SqlCatalog:
    return SqlCatalog("daylight", uri=f"sqlite:///{(Path(sample) / CATALOG_FILE).resolve()}",
                      warehouse=(Path(sample) / "warehouse").resolve().as_uri())


def write_iceberg_table(catalog: SqlCatalog, location: str, database: str, name: str, rows: pa.Table,
                        time_column: str, partitioned: bool) -> int:
    """Creates the table at `location` (a URI: `file:`, `s3:`) and appends
    its rows in day order, `APPENDS` commits; returns the number of snapshots."""
    catalog.create_namespace_if_not_exists(database)
    if partitioned:
        rows = rows.append_column("dt", pc.cast(rows[time_column], pa.date32()))
    table = catalog.create_table((database, name), schema=rows.schema, location=location)
    if partitioned:
        with table.update_spec() as spec:
            spec.add_identity("dt")
    rows = rows.sort_by(time_column)
    step = -(-rows.num_rows // APPENDS)
    for offset in range(0, rows.num_rows, step):
        table.append(rows.slice(offset, step))
    return len(table.refresh().metadata.snapshots)


def write_delta_table(location: Path | str, rows: pa.Table, time_column: str, partitioned: bool,
                      storage_options: dict[str, str] | None = None) -> int:
    """Writes the table at `location` (a folder, or an `s3://` URI reached
    with delta-rs's `storage_options`) in `APPENDS` commits, in day order;
    returns the number of versions."""
    if partitioned:
        rows = rows.append_column("dt", pc.cast(pc.cast(rows[time_column], pa.date32()), pa.string()))
    rows = rows.sort_by(time_column)
    step = -(-rows.num_rows // APPENDS)
    for version, offset in enumerate(range(0, rows.num_rows, step)):
        write_deltalake(str(location), rows.slice(offset, step), mode="append",
                        partition_by=["dt"] if partitioned else None, storage_options=storage_options)
    return version + 1

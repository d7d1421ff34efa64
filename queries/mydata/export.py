"""A copy of my data: one zip, built in memory and handed to the browser.

Nothing is written to disk, so nothing of the export is left on the server
once it has been downloaded. The zip is made to be browsed: `index.html`
groups my tables by kind of data, and each table has a folder
(`data/<kind>/<table>/`) with a page saying what it is, and my rows as CSV
for spreadsheets, JSON, and Parquet for data tools (colleagues
pseudonymized, as on screen) — JSON beside CSV, as people asking for their
data ask. `manifest.json` holds the register's metadata and the SHA-256 of
every file. CSV cells that a spreadsheet would run as formulas are
neutralized (`csv_safe`), and the manifest says which. The pages are
offline and escape all text (`export_pages`).
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from auth.policy import EXPORT_OWN_DATA
from auth.principal import Principal
from queries.access.reads import personal_read
from queries.backend import Backend
from queries.mydata.csv_safe import WHY as CSV_NEUTRALIZATION
from queries.mydata.csv_safe import csv_bytes
from queries.mydata.export_pages import folder_name, index_page, kind_of, table_page
from queries.mydata.inventory import Inventory, InventoryEntry


@dataclass(frozen=True)
class Export:
    filename: str
    data: bytes
    tables: int
    rows: int


def _parquet_bytes(rows: pa.Table) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(rows, buffer, compression="zstd")
    return buffer.getvalue()


def _register_metadata(entry: InventoryEntry) -> dict | None:
    if not entry.register:
        return None
    r = entry.register
    return {"description": r.description, "category": r.category, "purposes": list(r.purposes),
            "legal_basis": r.legal_basis, "retention_days": r.retention_days, "source_system": r.source_system,
            "works_agreement_clause": r.works_agreement_clause}


def _span(rows: pa.Table, column: str | None) -> tuple[str | None, str | None]:
    if not column or column not in rows.column_names or not rows.num_rows:
        return None, None
    bounds = pc.min_max(rows[column]).as_py()
    return tuple(None if bounds[end] is None else str(bounds[end]) for end in ("min", "max"))


def _json_bytes(rows: pa.Table) -> bytes:
    """A JSON array with one row per line, readable in an editor. Each row
    goes through json's C encoder: an indented dump falls back to its
    Python one (the whole export of the heaviest demo employee took 7%
    longer with it)."""
    if not rows.num_rows:
        return b"[]\n"
    lines = ",\n".join(json.dumps(row, default=str, ensure_ascii=False) for row in rows.to_pylist())
    return f"[\n{lines}\n]\n".encode("utf-8")


def _folder(table: dict, taken: set[str]) -> str:
    """The table's folder in the zip, `data/<kind>/<table>`, never one already `taken`."""
    folder = f"data/{folder_name(kind_of(table))}/{folder_name(table['table'])}"
    while folder in taken:
        folder += "_"
    taken.add(folder)
    return folder


def build_export(backend: Backend, principal: Principal, inventory: Inventory,
                 progress: Callable[[int, int], None] = lambda done, total: None) -> Export:
    generated_at = datetime.now(UTC).isoformat(timespec="seconds")
    buffer = io.BytesIO()
    tables, checksums = [], {}
    entries = list(inventory.entries)
    order = {entry.name: position for position, entry in enumerate(entries)}
    with (personal_read(backend.ledger, principal, EXPORT_OWN_DATA, [principal.employee_id]) as read,
          zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive):

        def add(name: str, data: bytes) -> None:
            archive.writestr(name, data)
            checksums[name] = hashlib.sha256(data).hexdigest()

        folders: dict[str, str] = {}
        results = (result for batch in backend.rows.by_batch(read, principal.employee_id, entries)
                   for result in batch)
        for done, result in enumerate(results, start=1):
            entry, rows = result.entry, result.rows
            record = {"table": entry.name, "registered": entry.registered, "register": _register_metadata(entry),
                      "rows": 0, "first_seen": None, "last_seen": None, "files": [], "error": result.error}
            base = folders[entry.name] = _folder(record, set(folders.values()))
            if rows is not None:
                as_csv, neutralized = csv_bytes(rows)
                add(f"{base}/rows.csv", as_csv)
                add(f"{base}/rows.json", _json_bytes(rows))
                add(f"{base}/rows.parquet", _parquet_bytes(rows))
                first, last = _span(rows, entry.finding.time_column)
                record.update(rows=rows.num_rows, first_seen=first, last_seen=last,
                              files=[f"{base}/rows.csv", f"{base}/rows.json", f"{base}/rows.parquet"],
                              csv_cells_neutralized=neutralized)
            add(f"{base}/index.html", table_page(record, rows))
            tables.append(record)
            progress(done, len(entries))
        tables.sort(key=lambda table: order[table["table"]])
        add("index.html", index_page(inventory.name, inventory.employee_id, generated_at, tables, folders))
        manifest = {"employee_id": inventory.employee_id, "generated_at": generated_at,
                    "pseudonymization": "Identifiers of other people are replaced by keyed pseudonyms, "
                                        "stable within your exports.",
                    "csv_neutralization": CSV_NEUTRALIZATION, "tables": tables, "sha256": checksums}
        archive.writestr("manifest.json", json.dumps(manifest, indent=2))
    return Export(f"daylight-export-{inventory.employee_id}-{generated_at[:10]}.zip", buffer.getvalue(),
                  len(tables), sum(t["rows"] for t in tables))

"""A copy of my data: one zip, built in memory and handed to the browser.

Nothing is written to disk, so nothing of the export is left on the server
once it has been downloaded. The zip holds, per table, my rows as Parquet
and as CSV (colleagues pseudonymized, as on screen), a JSON manifest with
the register's metadata and the SHA-256 of every file, and a readable HTML
summary. CSV cells that a spreadsheet would run as formulas are
neutralized (`csv_safe`), and the manifest says which. All text in the
summary is escaped: telemetry is attacker-controlled text (a chat message,
an OCR'd screen).
"""

from __future__ import annotations

import hashlib
import html
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
    return (None if bounds["min"] is None else str(bounds["min"]), None if bounds["max"] is None else str(bounds["max"]))


def _summary_html(inventory: Inventory, tables: list[dict], generated_at: str) -> bytes:
    e = html.escape
    items = []
    for table in tables:
        meta = table["register"]
        described = (f"<p>{e(meta['description'])}</p><dl><dt>Category</dt><dd>{e(meta['category'])}</dd>"
                     f"<dt>Purposes</dt><dd>{e(', '.join(meta['purposes']))}</dd>"
                     f"<dt>Legal basis</dt><dd>{e(meta['legal_basis'])}</dd>"
                     f"<dt>Retention</dt><dd>{meta['retention_days']} days</dd>"
                     f"<dt>Source</dt><dd>{e(meta['source_system'])}</dd></dl>"
                     if meta else "<p><strong>Not in the data register:</strong> nobody has declared what this "
                                  "table is for.</p>")
        problem = f"<p><strong>Could not be read:</strong> {e(table['error'])}</p>" if table["error"] else ""
        items.append(f"<section><h2>{e(table['table'])}</h2>{described}{problem}"
                     f"<p>{table['rows']:,} rows about you"
                     + (f", captured from {e(table['first_seen'])} to {e(table['last_seen'])}" if table["first_seen"] else "")
                     + "</p></section>")
    page = (f"<!doctype html><html lang='en'><meta charset='utf-8'><title>Your data — Daylight export</title>"
            f"<body><h1>Your data, as held in the company warehouse</h1>"
            f"<p>Prepared for {e(inventory.name)} ({e(inventory.employee_id)}) on {e(generated_at)}. "
            f"{len(tables)} tables hold {sum(t['rows'] for t in tables):,} rows about you. Colleagues named in "
            f"your rows appear as pseudonyms (<code>colleague-…</code>), the same colleague always under the same "
            f"one.</p>{''.join(items)}</body></html>")
    return page.encode("utf-8")


def build_export(backend: Backend, principal: Principal, inventory: Inventory,
                 progress: Callable[[int, int], None] = lambda done, total: None) -> Export:
    generated_at = datetime.now(UTC).isoformat(timespec="seconds")
    buffer = io.BytesIO()
    tables, checksums = [], {}
    entries = list(inventory.entries)
    with (personal_read(backend.ledger, principal, EXPORT_OWN_DATA, [principal.employee_id]) as read,
          zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive):

        def add(name: str, data: bytes) -> None:
            archive.writestr(name, data)
            checksums[name] = hashlib.sha256(data).hexdigest()

        for done, entry in enumerate(entries, start=1):
            [result] = backend.rows.within(read, principal.employee_id, [entry])
            entry, rows = result.entry, result.rows
            record = {"table": entry.name, "registered": entry.registered, "register": _register_metadata(entry),
                      "rows": 0, "first_seen": None, "last_seen": None, "files": [], "error": result.error}
            if rows is not None:
                base = f"tables/{entry.name}"
                add(f"{base}.parquet", _parquet_bytes(rows))
                as_csv, neutralized = csv_bytes(rows)
                add(f"{base}.csv", as_csv)
                first, last = _span(rows, entry.finding.time_column)
                record.update(rows=rows.num_rows, first_seen=first, last_seen=last,
                              files=[f"{base}.parquet", f"{base}.csv"], csv_cells_neutralized=neutralized)
            tables.append(record)
            progress(done, len(entries))
        add("summary.html", _summary_html(inventory, tables, generated_at))
        manifest = {"employee_id": inventory.employee_id, "generated_at": generated_at,
                    "pseudonymization": "Identifiers of other people are replaced by keyed pseudonyms, "
                                        "stable within your exports.",
                    "csv_neutralization": CSV_NEUTRALIZATION, "tables": tables, "sha256": checksums}
        archive.writestr("manifest.json", json.dumps(manifest, indent=2))
    return Export(f"daylight-export-{inventory.employee_id}-{generated_at[:10]}.zip", buffer.getvalue(),
                  len(tables), sum(t["rows"] for t in tables))

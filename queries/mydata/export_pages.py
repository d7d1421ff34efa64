"""The pages of an export a person can browse: `index.html` at the top,
grouped by kind of data, and one page per table beside its files.

Self-contained and offline: one inline style sheet, no script, no font,
no image, every link relative. All text is escaped — telemetry is text
someone else typed (a chat message, an OCR'd screen) and the register's
words come from whoever filled it in.
"""

from __future__ import annotations

import html
import re

import pyarrow as pa

NOT_REGISTERED = "Not in the data register"
PREVIEW_ROWS = 100
STYLE = """
body { font-family: system-ui, sans-serif; max-width: 64rem; margin: 2rem auto; padding: 0 1rem; color: #1d1d1f;
       line-height: 1.5; }
h1 { font-size: 1.8rem; } h2 { margin-top: 2rem; border-bottom: 1px solid #ddd; }
.table { border: 1px solid #ddd; border-radius: .5rem; padding: .75rem 1rem; margin: .75rem 0; }
.files a { margin-right: 1rem; } .note { background: #fff4e5; padding: .5rem .75rem; border-radius: .5rem; }
table.rows { border-collapse: collapse; font-size: .85rem; display: block; overflow-x: auto; }
table.rows th, table.rows td { border: 1px solid #ddd; padding: .25rem .5rem; text-align: left; vertical-align: top; }
dt { font-weight: 600; } dd { margin: 0 0 .5rem 0; }
"""


def folder_name(text: str) -> str:
    """A name safe as one folder of a zip on every system."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", text).strip(".")
    return safe or "_"


def kind_of(table: dict) -> str:
    return table["register"]["category"] if table["register"] else NOT_REGISTERED


def _page(title: str, body: str) -> bytes:
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{STYLE}</style></head><body>{body}</body></html>").encode("utf-8")


def _described(table: dict) -> str:
    e, meta = html.escape, table["register"]
    if not meta:
        return ("<p class='note'><strong>Not in the data register:</strong> nobody has declared what this table is "
                "for, on what legal basis, or for how long it is kept.</p>")
    return (f"<p>{e(meta['description'])}</p><dl><dt>Kind of data</dt><dd>{e(meta['category'])}</dd>"
            f"<dt>Why it is kept</dt><dd>{e(', '.join(meta['purposes']))}</dd>"
            f"<dt>Legal basis</dt><dd>{e(meta['legal_basis'])}</dd>"
            f"<dt>Kept for</dt><dd>{e(str(meta['retention_days']))} days</dd>"
            f"<dt>Where it comes from</dt><dd>{e(meta['source_system'])}</dd></dl>")


def _counted(table: dict) -> str:
    said = f"{table['rows']:,} row{'' if table['rows'] == 1 else 's'} about you"
    if table["first_seen"]:
        said += f", captured from {html.escape(table['first_seen'])} to {html.escape(table['last_seen'])}"
    return said


def _file_links(table: dict, prefix: str) -> str:
    return "".join(f"<a href='{html.escape(prefix + name.rsplit('/', 1)[1])}'>{html.escape(label)}</a>"
                   for name, label in zip(table["files"], ("CSV (spreadsheets)", "JSON", "Parquet (data tools)")))


def index_page(name: str, employee_id: str, generated_at: str, tables: list[dict], folders: dict[str, str]) -> bytes:
    """The export's front page: every table, grouped by kind of data."""
    e = html.escape
    kinds: dict[str, list[dict]] = {}
    for table in tables:
        kinds.setdefault(kind_of(table), []).append(table)
    sections = []
    for kind in sorted(kinds, key=lambda k: (k == NOT_REGISTERED, k)):
        cards = []
        for table in kinds[kind]:
            folder = folders[table["table"]]
            problem = f"<p class='note'>Could not be read: {e(table['error'])}</p>" if table["error"] else ""
            files = f"<p class='files'>{_file_links(table, folder + '/')}</p>" if table["files"] else ""
            cards.append(f"<div class='table'><h3><a href='{e(folder)}/index.html'>{e(table['table'])}</a></h3>"
                         f"<p>{_counted(table)}</p>{problem}{files}</div>")
        sections.append(f"<h2>{e(kind)}</h2>{''.join(cards)}")
    body = (f"<h1>Your data, as held in the company warehouse</h1>"
            f"<p>Prepared for {e(name)} ({e(employee_id)}) on {e(generated_at)}. {len(tables)} tables hold "
            f"{sum(t['rows'] for t in tables):,} rows about you, grouped below by kind of data. Each table has a page "
            f"with what it is for and your rows, and its files: CSV for spreadsheets, JSON, and Parquet for data "
            f"tools. Colleagues named in your rows appear as pseudonyms (<code>colleague-…</code>), the same "
            f"colleague always under the same one. <code>manifest.json</code> lists every file with its SHA-256.</p>"
            + "".join(sections))
    return _page("Your data — Daylight export", body)


def table_page(table: dict, rows: pa.Table | None) -> bytes:
    """One table's page, beside its files: what it is, and the first rows."""
    e = html.escape
    preview = ""
    if rows is not None and rows.num_rows:
        shown = rows.slice(0, PREVIEW_ROWS).to_pylist()
        head = "".join(f"<th>{e(column)}</th>" for column in rows.column_names)
        body = "".join("<tr>" + "".join(f"<td>{'—' if v is None else e(str(v))}</td>" for v in row.values()) + "</tr>"
                       for row in shown)
        more = f" (the first {PREVIEW_ROWS}; every row is in the files)" if rows.num_rows > PREVIEW_ROWS else ""
        preview = f"<h2>Your rows{more}</h2><table class='rows'><tr>{head}</tr>{body}</table>"
    problem = f"<p class='note'>Could not be read: {e(table['error'])}</p>" if table["error"] else ""
    files = f"<p class='files'>{_file_links(table, '')}</p>" if table["files"] else ""
    body = (f"<p><a href='../../../index.html'>← All your data</a></p><h1>{e(table['table'])}</h1>"
            f"{_described(table)}<p>{_counted(table)}</p>{problem}{files}{preview}")
    return _page(f"{table['table']} — Daylight export", body)

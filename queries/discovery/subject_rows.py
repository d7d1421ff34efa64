"""Finding one employee's rows in a table, wherever their identifiers sit.

`rows_naming_subject` is how every reader of one person's rows finds them:
any value of the row, in any scanned column, holds one of the person's keys
as a token, cut exactly as the subject index cuts them (`subject_keys`,
`queries/sql/tokens/`). The keys are bound, never written into the
statement. The inventory uses the subject index; the scan here is the benchmark
baseline and the tests' independent check.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from queries import sql
from queries.discovery.catalog import TableFinding
from queries.discovery.directory import Directory, Employee
from queries.discovery.subject_keys import WHOLE_VALUE, keys_of, subject_prefilter, token_params
from queries.warehouse.engine import TableRef, Warehouse


@dataclass(frozen=True)
class TableScan:
    table: TableRef
    rows: int
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    error: str | None = None


def _column_text(column: str, nested: bool) -> sql.Fragment:
    return sql.render(f"tokens/{'nested' if nested else 'scalar'}_value", identifiers={"column": column})


def row_texts(finding: TableFinding) -> sql.Fragment:
    """The texts of a row worth cutting into tokens, one per scanned column."""
    texts = []
    for number, (column, nested) in enumerate(finding.scanned):
        text = sql.render(f"tokens/{'nested' if nested else 'scalar'}_text",
                          fragments={"value": _column_text(column, nested)}, param_suffix=f"_{number}")
        texts.append(sql.Fragment(text.text, {**text.params, f"column_number_{number}": number}))
    return sql.render("tokens/row_texts", fragments={"texts": sql.Fragment.listed(texts)})


def token_fragments() -> dict[str, sql.Fragment]:
    """The two steps of cutting a text into keys, shared by every statement
    that looks for people: `raw_tokens` (a list, from `daylight_value`) and
    `key_of_token` (from one `daylight_token`)."""
    return {"raw_tokens": sql.render("tokens/raw_tokens", fragments={"is_document": sql.render("tokens/is_document")}),
            "key_of_token": sql.render("tokens/key_of_token")}


def rows_naming_subject(finding: TableFinding, rows: sql.Fragment) -> sql.Fragment:
    """The rows of `rows` (the table's, or some of them) that name the subject."""
    passes = sql.Fragment.join([sql.render("tokens/passes_subject_prefilter", fragments={"value": _column_text(*c)})
                                for c in finding.scanned], "OR")
    return sql.render("tokens/rows_naming_subject", fragments={
        "rows": rows, "row_texts": row_texts(finding), "any_text_passes": passes, **token_fragments()})


def token_bindings(directory: Directory, plus_tags: bool, employee: Employee | None = None) -> dict:
    """The parameters of the token fragments, and the subject's keys when reading one person's rows."""
    bound = {**token_params(directory, plus_tags), "whole_value": WHOLE_VALUE}
    if employee is not None:
        keys = keys_of(employee)
        bound |= {"subject_keys": [k.key for k in keys], "subject_prefilter": subject_prefilter(keys)}
    return bound


def event_time_fragment(finding: TableFinding) -> sql.Fragment:
    """The row's capture time, or NULL for tables that do not say."""
    if finding.time_column:
        return sql.render("event_time/column", identifiers={"column": finding.time_column})
    return sql.render("event_time/none")


def scan_rows_about(warehouse: Warehouse, finding: TableFinding, directory: Directory, employee: Employee,
                    plus_tags: bool = True) -> TableScan:
    if finding.error:
        return TableScan(finding.table, 0, error=finding.error)
    if not finding.scanned:
        return TableScan(finding.table, 0)
    rows = warehouse.rows([(finding.table, finding.files)])
    statement = sql.render("scan_subject_rows", fragments={
        "rows_naming_subject": rows_naming_subject(finding, rows.plain), "event_time": event_time_fragment(finding)})
    [(count, first, last)] = warehouse.query(statement, token_bindings(directory, plus_tags, employee),
                                             rows.relations)
    return TableScan(finding.table, int(count), first, last)

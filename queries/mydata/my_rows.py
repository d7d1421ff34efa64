"""An employee's own rows, for viewing: one `personal_read` (the policy
asked on entry, one ledger entry before the rows are handed over) around
the row reader (`row_reader.py`)."""

from __future__ import annotations

from auth.policy import Action
from auth.principal import Principal
from queries.access.reads import personal_read
from queries.backend import Backend
from queries.discovery.subject_keys import keys_of, paths_naming
from queries.mydata.inventory import InventoryEntry
from queries.mydata.row_reader import ALL_ROWS, MyRows


def my_rows(backend: Backend, principal: Principal, action: Action, entries: list[InventoryEntry],
            limit: int = ALL_ROWS) -> list[MyRows]:
    """The principal's rows in each of `entries` (from their own inventory),
    for `action`: viewing one's own data. One ledger entry, appended before
    the rows are handed over."""
    with personal_read(backend.ledger, principal, action, [principal.employee_id]) as read:
        return backend.rows.within(read, principal.employee_id, entries, limit)


def where_named(backend: Backend, principal: Principal, mine: MyRows) -> list[str]:
    """Where in rows already handed to the principal their own identifiers
    sit (`column`, `column.field`, `column $.a.b`…), so they can see why a
    row counts as theirs."""
    if mine.rows is None:
        return []
    keys = {k.key for k in keys_of(backend.directory.by_id(principal.employee_id))}
    return paths_naming(mine.rows.to_pylist(), keys, backend.settings.discovery.plus_tags)

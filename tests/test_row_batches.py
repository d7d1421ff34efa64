"""Reading one person's rows a batch of tables at a time, the next ones
read while the caller writes out this one (the export)."""

from __future__ import annotations

import threading
import time

from auth.policy import EXPORT_OWN_DATA
from queries.access.reads import personal_read
from queries.mydata.inventory import inventory_for
from queries.mydata.row_reader import READ_AHEAD, RowReader, reading_batches
from tests.test_my_data import median, principal_for  # noqa: F401


def test_batches_come_in_order_each_recorded_as_handed_over_with_at_most_two_read_at_once(
        backend, median, monkeypatch):  # noqa: F811
    """The export writes each batch as it comes while the next ones are
    read: the batches arrive in the order `reading_batches` gives, the read
    holds exactly the tables handed over so far, and no more than
    `READ_AHEAD` statements read at once."""
    principal = principal_for(median)
    entries = list(inventory_for(backend, principal).entries)
    batches = reading_batches(entries)
    assert len(batches) > READ_AHEAD
    reading, most, lock = 0, 0, threading.Lock()
    fetch = RowReader._fetch_batch

    def counted(self, employee_id, batch):
        nonlocal reading, most
        with lock:
            reading += 1
            most = max(most, reading)
        try:
            time.sleep(0.05)
            return fetch(self, employee_id, batch)
        finally:
            with lock:
                reading -= 1

    monkeypatch.setattr(RowReader, "_fetch_batch", counted)
    handed = []
    with personal_read(backend.ledger, principal, EXPORT_OWN_DATA, [median.employee_id]) as read:
        for batch in backend.rows.by_batch(read, median.employee_id, entries):
            handed.append([result.entry.name for result in batch])
            assert read.tables == [name for names in handed for name in names]
    assert handed == [[entry.name for entry in batch] for batch in batches]
    assert most == READ_AHEAD

"""The benchmark cases. Each is the work a page does for one employee,
with, where one exists, the straightforward way of doing it as baseline."""

from __future__ import annotations

from bench.harness import Context, Subject, case
from queries.inventory import inventory_for
from queries.subject_rows import scan_rows_about


def scan_every_table(context: Context, subject: Subject) -> list:
    """Baseline: every table with people in it, scanned with a filter on its
    identifier columns (no subject index)."""
    employee = context.backend.directory.by_id(subject.employee_id)
    return [scan_rows_about(context.backend.warehouse, finding, employee) for finding in context.catalog.with_people()]


@case("inventory", baseline=scan_every_table, baseline_name="scan of every table", baseline_subjects=6)
def inventory(context: Context, subject: Subject):
    return inventory_for(context.backend, subject.principal, context.today)

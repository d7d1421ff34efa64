"""The benchmark cases. Each is the work a page does for one employee,
with, where one exists, the straightforward way of doing it as baseline."""

from __future__ import annotations

from dataclasses import replace

from bench.harness import Context, Subject, case
from queries.console import ConsoleLimits, run_statement
from queries.activity import daily_activity, insights, weekday_hour_activity
from queries.export import build_export
from queries.inventory import inventory_for
from queries.subject_rows import scan_rows_about

CONSOLE_QUERY = "SELECT CAST(ts AS DATE) AS day, count(*) AS keystrokes FROM telemetry_raw.keystrokes GROUP BY day"


def scan_every_table(context: Context, subject: Subject) -> list:
    """Baseline: every table with people in it, scanned with a filter on its
    identifier columns (no subject index)."""
    employee = context.backend.directory.by_id(subject.employee_id)
    return [scan_rows_about(context.backend.warehouse, finding, employee) for finding in context.catalog.with_people()]


@case("inventory", baseline=scan_every_table, baseline_name="scan of every table", baseline_subjects=6)
def inventory(context: Context, subject: Subject):
    return inventory_for(context.backend, subject.principal, context.today)


def export_reading_every_file(context: Context, subject: Subject):
    """Baseline: the same export, reading every file of those tables rather
    than only the files the subject index names."""
    inventory = inventory_for(context.backend, subject.principal, context.today)
    unpruned = replace(inventory, entries=tuple(
        replace(e, postings=replace(e.postings, files=e.finding.files)) for e in inventory.entries))
    return build_export(context.backend, subject.principal, unpruned)


@case("export", baseline=export_reading_every_file, baseline_name="export reading every file", baseline_subjects=6)
def export(context: Context, subject: Subject):
    return build_export(context.backend, subject.principal, inventory_for(context.backend, subject.principal,
                                                                          context.today))


@case("charts")
def charts(context: Context, subject: Subject):
    inventory = inventory_for(context.backend, subject.principal, context.today)
    return (daily_activity(context.backend, subject.principal, inventory),
            weekday_hour_activity(context.backend, subject.principal, inventory),
            insights(context.backend, subject.principal, inventory))


def aggregate_in_process(context: Context, subject: Subject):
    """Baseline: the same employee's keystroke count, scanned directly by the
    trusted process (no worker, no slice)."""
    employee = context.backend.directory.by_id(subject.employee_id)
    return scan_rows_about(context.backend.warehouse, context.catalog.get("telemetry_raw.keystrokes"), employee)


@case("console first result", baseline=aggregate_in_process, baseline_name="same aggregate, no sandbox")
def console_first_result(context: Context, subject: Subject):
    result = run_statement(context.backend, subject.principal, CONSOLE_QUERY, ConsoleLimits())
    if not result.ok:
        raise RuntimeError(result.error)
    return result

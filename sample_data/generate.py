"""Generates a complete sample: warehouse, register, directory, audit log,
grants and demo logins, deterministically from a seed.

The sample is written to a temporary sibling folder and renamed into place
at the end, so an interrupted run never leaves a half warehouse that would
later pass for a complete one.
"""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from sample_data import audit, people
from sample_data.draw import Draw
from sample_data.lakehouse_writer import catalog_at, write_delta_table, write_iceberg_table
from sample_data.plan import PlannedTable, plan_tables
from sample_data.templates import GLOSSARY
from sample_data.writer import write_table

FORMAT_VERSION = 1


@dataclass(frozen=True)
class Options:
    seed: int = 7
    employees: int = 300
    days: int = 21
    tables: int = 64
    rows: int = 400_000
    audit_events: int = 3_000
    end_date: date = date(2026, 10, 31)
    lakehouse: bool = True  # the `iceberg` and `delta` tables in those formats; else as Parquet folders

    @property
    def start_date(self) -> date:
        return self.end_date - timedelta(days=self.days)


PRESETS: dict[str, Options] = {
    "demo": Options(),
    # The benchmark sizes keep every table in Hive folders (bench/lakehouse.py copies a part into Iceberg).
    "S": Options(employees=1_000, days=30, tables=200, rows=10_000_000, audit_events=40_000, lakehouse=False),
    "L": Options(employees=10_000, days=30, tables=1_000, rows=100_000_000, audit_events=200_000, lakehouse=False),
}

Progress = Callable[[str, int, int], None]


def _quiet(step: str, done: int, total: int) -> None:
    """Default progress callback: says nothing."""


def _register_entry(table: PlannedTable) -> dict:
    info = table.template.register
    return {
        "table": table.qualified_name,
        "description": info.description,
        "category": info.category,
        "purposes": list(info.purposes),
        "legal_basis": info.legal_basis,
        "retention_days": info.retention_days,
        "source_system": info.source_system,
        "works_agreement_clause": info.works_agreement_clause,
        "identifier_columns": [i.as_register() for i in table.template.identifiers],
    }


def _sort_key(table: PlannedTable, workforce: people.Workforce, subject: np.ndarray) -> np.ndarray:
    """Files are sorted by the value readers filter on: the email in an
    email-keyed table, the id otherwise."""
    holds_email = table.template.identifiers[0].holds == "email"
    return (workforce.emails if holds_email else workforce.ids)[subject]


def _write_warehouse(options: Options, workforce: people.Workforce, tables: list[PlannedTable],
                     root: Path, rng: np.random.Generator, progress: Progress) -> tuple[np.ndarray, list]:
    """Writes the Hive folder tables; returns the rows per employee and the
    Iceberg tables' rows, written once the sample is in its place."""
    draw = Draw(rng, workforce, options.start_date, options.days)
    rows_per_employee = np.zeros(len(workforce.ids), dtype=np.int64)
    lakehouse = []
    for done, table in enumerate(tables):
        built = table.template.build(draw, table.rows)
        storage = table.template.storage
        folder = root / f"{table.database}.db" / table.name
        if storage == "iceberg" and options.lakehouse:
            lakehouse.append((table, built.table))
        elif storage == "delta" and options.lakehouse:
            write_delta_table(folder, built.table, "ts", table.template.partitioned)
        else:
            write_table(built.table, _sort_key(table, workforce, built.subject), folder, table.template.partitioned,
                        "parquet" if storage in ("iceberg", "delta") else storage)
        rows_per_employee += np.bincount(built.subject, minlength=len(rows_per_employee))
        progress("tables", done + 1, len(tables))
    return rows_per_employee, lakehouse


def _write_directory(workforce: people.Workforce, path: Path) -> None:
    columns = workforce.directory.column_names
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(columns)
        for row in zip(*(workforce.column(c) for c in columns)):
            writer.writerow(["" if v is None else v for v in row])


def _write_json(value, path: Path) -> None:
    path.write_text(json.dumps(value, indent=2, default=str) + "\n", encoding="utf-8")


def _write_grants(rows: list[dict], path: Path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def generate(options: Options, out: Path, progress: Progress = _quiet) -> dict:
    """Writes the sample to `out` (which must not exist) and returns its manifest."""
    out = Path(out)
    if out.exists() and (out / "directory.csv").exists() and not (out / "manifest.json").exists():
        shutil.rmtree(out)  # a run interrupted while writing its Iceberg tables: the manifest comes last
    if out.exists():
        raise FileExistsError(f"{out} already exists; remove it or choose another folder")
    staging = out.with_name(out.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    rng = np.random.default_rng(options.seed)
    workforce = people.generate_workforce(options.employees, options.end_date, rng)
    tables = plan_tables(options.tables, options.rows, options.end_date)
    rows_per_employee, lakehouse = _write_warehouse(options, workforce, tables, staging / "warehouse", rng, progress)

    _write_directory(workforce, staging / "directory.csv")
    _write_json({"format_version": FORMAT_VERSION, "glossary": GLOSSARY,
                 "tables": [_register_entry(t) for t in tables if t.registered]}, staging / "register.json")
    groups = audit.access_groups(workforce, rng)
    _write_json(groups, staging / "access_groups.json")
    _write_grants(audit.grants_history(options.start_date, options.days), staging / "grants.csv")
    (staging / "audit").mkdir()
    events = audit.AuditLog(rng, workforce, tables, groups, options.start_date, options.days).events(options.audit_events)
    audit.write_jsonl(events, staging / "audit" / "ranger_audit.jsonl")
    demo_users = people.pick_demo_users(workforce, rows_per_employee)
    _write_json([asdict(u) | {"claims": u.claims()} for u in demo_users], staging / "demo_users.json")

    manifest = {
        "format_version": FORMAT_VERSION,
        "generator_version": generator_version(),
        "options": asdict(options),
        "tables": len(tables),
        "databases": len({t.database for t in tables}),
        "unregistered_tables": sum(not t.registered for t in tables),
        "rows": int(sum(t.rows for t in tables)),
        "audit_events": len(events),
    }
    staging.rename(out)
    catalog = catalog_at(out) if lakehouse else None
    for table, rows in lakehouse:
        location = (out / "warehouse" / f"{table.database}.db" / table.name).resolve().as_uri()
        write_iceberg_table(catalog, location, table.database, table.name, rows, "ts", table.template.partitioned)
    _write_json(manifest, out / "manifest.json")
    return manifest


# The modules that decide what a sample contains (not the CLI or progress output).
_DATA_MODULES = ("audit", "draw", "generate", "lakehouse_writer", "people", "plan", "streams", "templates", "vocab",
                 "writer")


def generator_version() -> str:
    """A digest of the code that decides the data: a sample made by other code is not current."""
    digest = hashlib.sha256()
    for module in _DATA_MODULES:
        digest.update((Path(__file__).resolve().parent / f"{module}.py").read_bytes())
    return digest.hexdigest()[:16]


def options_for(preset: str, **overrides) -> Options:
    return replace(PRESETS[preset], **{k: v for k, v in overrides.items() if v is not None})

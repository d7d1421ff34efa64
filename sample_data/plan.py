"""Which tables a warehouse of a given size holds, and how many rows each.

Real warehouses grow by copies: weekly training snapshots, per-region
derived tables, scratch copies of raw data. The plan multiplies the
templates that way until the requested table count is reached, and forgets
to register a few of the copies, as people do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from sample_data import vocab
from sample_data.templates import TEMPLATES, Template

MIN_ROWS_PER_TABLE = 50
# One in this many copies of a registered table never makes it into the register.
FORGOTTEN_COPY_EVERY = 7


@dataclass(frozen=True)
class PlannedTable:
    template: Template
    name: str
    rows: int
    registered: bool

    @property
    def database(self) -> str:
        return self.template.database

    @property
    def qualified_name(self) -> str:
        return f"{self.database}.{self.name}"


def _variant_name(template: Template, ordinal: int, end: date) -> str:
    if template.variants == "snapshot":
        return f"{template.name}_snapshot_{(end - timedelta(weeks=ordinal)):%Y%m%d}"
    if template.variants == "region":
        region = vocab.REGIONS[ordinal % len(vocab.REGIONS)]
        generation = ordinal // len(vocab.REGIONS)
        return f"{template.name}_{region}" + (f"_v{generation + 1}" if generation else "")
    return f"{template.name}_{ordinal + 1:03d}"


def plan_tables(table_count: int, total_rows: int, end: date) -> list[PlannedTable]:
    if table_count < len(TEMPLATES):
        raise ValueError(f"a sample warehouse holds at least {len(TEMPLATES)} tables")
    multiplying = [t for t in TEMPLATES if t.variants]
    named: list[tuple[Template, str, bool]] = [(t, t.name, t.register is not None) for t in TEMPLATES]
    ordinals = dict.fromkeys((t.name for t in multiplying), 0)
    copies = 0
    while len(named) < table_count:
        template = multiplying[copies % len(multiplying)]
        ordinal = ordinals[template.name]
        ordinals[template.name] += 1
        copies += 1
        registered = template.register is not None and copies % FORGOTTEN_COPY_EVERY != 0
        named.append((template, _variant_name(template, ordinal, end), registered))
    weights = np.array([template.row_weight for template, _, _ in named])
    rows = np.maximum(MIN_ROWS_PER_TABLE, np.round(total_rows * weights / weights.sum())).astype(int)
    return [PlannedTable(template, name, int(count), registered)
            for (template, name, registered), count in zip(named, rows)]

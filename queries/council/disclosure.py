"""Releasing aggregate figures without describing anyone.

The works council sees monitoring in aggregate only. The rules, applied
to every figure before it leaves the service:

1. **Primary suppression.** A figure describing 1 to k−1 employees is
   withheld (k = `council.min_group_size`).
2. **Complementary suppression.** Figures come in tables whose cells add
   up to a released total (the accesses of one month, split by group). If
   a table withholds any cell, it withholds at least two, together
   describing at least k employees, so that the total minus the released
   cells gives only a sum of several, never one; when the table cannot
   manage that, its total is withheld too.
3. **Filters select, never recompute.** The tables are fixed (calendar
   months, groups, categories); a filter picks cells, and a figure shown
   for a selection is the sum of its released cells. Two overlapping
   filters therefore differ by a sum of released cells, and nothing
   withheld can be recovered by subtracting them.

A yes/no split of a known group (exempt from collection or not) describes
both sides: "49 of 50 are exempt" names the one who is not. Such a cell
describes the smaller side (`split_people`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

WITHHELD = "fewer than the minimum group size"
COMPLEMENT = "withheld so that another withheld figure cannot be worked out from the total"


@dataclass(frozen=True)
class Cell:
    """One raw figure: never shown as it is, only through `release`."""

    key: tuple[str, ...]
    value: float
    people: int  # how many employees the figure describes


@dataclass(frozen=True)
class Figure:
    key: tuple[str, ...]
    value: float | None  # None: withheld
    why: str | None = None


@dataclass(frozen=True)
class Table:
    figures: tuple[Figure, ...]
    total: float | None

    @property
    def withheld(self) -> int:
        return sum(f.value is None for f in self.figures)


def split_people(yes: int, group: int) -> int:
    """How many people a "yes of group" figure describes: the smaller side,
    or the whole group when everyone is on one side."""
    return group if yes in (0, group) else min(yes, group - yes)


def release(cells: Iterable[Cell], k: int, total_people: int | None = None) -> Table:
    """Applies rules 1 and 2 to one table. `total_people` is how many
    employees the table's total describes (default: the cells' sum)."""
    cells = sorted(cells, key=lambda c: c.key)
    people = total_people if total_people is not None else sum(c.people for c in cells)
    primary = {c.key for c in cells if 0 < c.people < k}
    withheld = set(primary)
    total_withheld = 0 < people < k
    if withheld and not total_withheld:
        candidates = sorted((c for c in cells if c.key not in withheld and c.people > 0),
                            key=lambda c: (c.people, c.key))
        while len(withheld) < 2 or sum(c.people for c in cells if c.key in withheld) < k:
            if not candidates:
                total_withheld = True
                break
            withheld.add(candidates.pop(0).key)
    figures = tuple(Figure(c.key, None, WITHHELD if c.key in primary else COMPLEMENT) if c.key in withheld
                    else Figure(c.key, c.value) for c in cells)
    total = None if total_withheld else sum(c.value for c in cells)
    return Table(figures, total)


def one(value: float, people: int, k: int) -> float | None:
    """A figure that stands alone (no table, no total): rule 1 only."""
    return None if 0 < people < k else value

"""Releasing aggregate figures without describing anyone.

The works council sees monitoring in aggregate only. The rules, applied
to every figure before it leaves the service:

1. **Both sides counted.** A figure describing 1 to k−1 people — people
   whose data it counts, or people who read (k = `council.min_group_size`)
   — is withheld.
2. **Audited against everything released.** All the figures of one
   release (every view, every total) are suppressed together and audited
   by linear programming (`queries/council/suppression.py`): no withheld
   figure can be pinned, or pinned below k, from all the released ones.
3. **Filters select, never recompute.** A figure shown for a selection is
   the sum of released figures, so filters release nothing new.
4. **People counts of a whole population are rounded** to the nearest
   multiple of k (employees covered, people who could read): two of them
   then differ by 0 or by k or more, so no small group appears as the
   difference of two of them.

A withheld figure says only "withheld": whether it described too few
people itself or was withheld to protect another is not told, since that
too would narrow it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from queries.council.suppression import Candidate, suppress

WITHHELD = "withheld"
TOTAL = ("total",)


@dataclass(frozen=True)
class Cell:
    """One raw figure of a table whose cells describe disjoint people."""

    key: tuple[str, ...]
    value: float
    people: int  # how many people the figure describes


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


@dataclass(frozen=True)
class View:
    """One table of a release before suppression: its cells and its total,
    each a `Candidate` over the release's shared atoms."""

    cells: list[Candidate] = field(default_factory=list)
    total: Candidate | None = None


def release_views(views: dict[str, View], k: int) -> dict[str, Table]:
    """Every view of one release, suppressed and audited together."""
    order = [(name, c) for name, view in views.items() for c in [*view.cells, *([view.total] if view.total else [])]]
    withheld = suppress([c for _, c in order], k)
    shown = {(name, id(c)): index not in withheld for index, (name, c) in enumerate(order)}
    tables = {}
    for name, view in views.items():
        figures = tuple(Figure(c.key, c.value, None) if shown[(name, id(c))] else Figure(c.key, None, WITHHELD)
                        for c in sorted(view.cells, key=lambda c: c.key))
        total = view.total.value if view.total and shown[(name, id(view.total))] else None
        tables[name] = Table(figures, total)
    return tables


def release(cells: Iterable[Cell], k: int, total_people: int | None = None) -> Table:
    """One table of cells about disjoint people, with its total
    (`total_people`: how many people the total describes, default the sum)."""
    cells = list(cells)
    candidates = [Candidate(c.key, int(c.value), frozenset({n}) if c.value else frozenset(), c.people)
                  for n, c in enumerate(cells)]
    people = total_people if total_people is not None else sum(c.people for c in cells)
    total = Candidate(TOTAL, sum(c.value for c in candidates), frozenset().union(*(c.atoms for c in candidates)),
                      people)
    return release_views({"table": View(candidates, total)}, k)["table"]


def one(value: float, people: int, k: int) -> float | None:
    """A figure that stands alone (no table, no total): rule 1 only."""
    return None if 0 < people < k else value


def rounded(people: int, k: int) -> int | None:
    """A count of people of a whole population, rounded to the nearest
    multiple of k (rule 4); withheld under k like any other."""
    return None if 0 < people < k else int(people / k + 0.5) * k

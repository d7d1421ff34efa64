"""Cases, timing and the report.

A case is a function of (context, subject) registered with `case()`,
optionally with a baseline function that does the same job the
straightforward way; both are timed in the same run on the same subjects,
each after one warm-up. Adding a case is a decorated function in
`bench/cases.py`.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from auth.principal import Principal, Role
from queries.backend import Backend
from queries.discovery import Catalog

TIERS = ("light", "median", "heavy")


@dataclass(frozen=True)
class Subject:
    employee_id: str
    tier: str
    rows: int
    principal: Principal


@dataclass
class Context:
    size: str
    backend: Backend
    catalog: Catalog
    subjects: list[Subject]
    today: date = field(default_factory=date.today)


@dataclass(frozen=True)
class Case:
    name: str
    run: Callable[[Context, Subject], object]
    baseline_name: str | None = None
    baseline: Callable[[Context, Subject], object] | None = None
    baseline_subjects: int | None = None  # a slow baseline may be timed on fewer subjects


CASES: list[Case] = []


def case(name: str, baseline: Callable[[Context, Subject], object] | None = None, baseline_name: str | None = None,
         baseline_subjects: int | None = None):
    def register(run: Callable[[Context, Subject], object]):
        CASES.append(Case(name, run, baseline_name, baseline, baseline_subjects))
        return run
    return register


def pick_subjects(backend: Backend, count: int, seed: int) -> list[Subject]:
    """`count` employees spread over the distribution of data volume: the
    people with data, sorted by rows, cut into `count` strata of equal size,
    one drawn from each by seed; the lower, middle and upper thirds of the
    strata are the light, median and heavy tiers."""
    volumes = sorted((rows, employee) for employee, rows in backend.index.volumes().items() if rows)
    rng = np.random.default_rng(seed)
    bounds = np.linspace(0, len(volumes), count + 1).astype(int)
    subjects = []
    for stratum, (low, high) in enumerate(zip(bounds[:-1], bounds[1:])):
        rows, employee_id = volumes[int(rng.integers(low, max(high, low + 1)))]
        person = backend.directory.by_id(employee_id)
        tier = TIERS[min(len(TIERS) - 1, int((stratum + 0.5) / count * len(TIERS)))]
        subjects.append(Subject(employee_id, tier, rows, Principal(
            person.employee_id, person.name, person.email, person.department, frozenset({Role.EMPLOYEE}))))
    return subjects


def timed(run: Callable[[], object]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


@dataclass
class Samples:
    """Seconds per subject, by tier."""

    by_tier: dict[str, list[float]] = field(default_factory=lambda: {tier: [] for tier in TIERS})

    def add(self, tier: str, seconds: float) -> None:
        self.by_tier[tier].append(seconds)

    @property
    def all(self) -> list[float]:
        return [s for tier in TIERS for s in self.by_tier[tier]]

    def median(self, tier: str | None = None) -> float | None:
        values = self.by_tier[tier] if tier else self.all
        return statistics.median(values) if values else None

    def p95(self) -> float | None:
        return float(np.percentile(self.all, 95)) if self.all else None


def measure(run: Callable[[Context, Subject], object], context: Context, subjects: list[Subject],
            progress: Callable[[int, int], None], warm_each: bool = True) -> Samples:
    samples = Samples()
    if not warm_each and subjects:
        run(context, subjects[0])
    for done, subject in enumerate(subjects, start=1):
        if warm_each:
            run(context, subject)
        samples.add(subject.tier, timed(lambda: run(context, subject)))
        progress(done, len(subjects))
    return samples


def spread(subjects: list[Subject], count: int | None) -> list[Subject]:
    """`count` of the subjects, evenly over the volume distribution."""
    if count is None or count >= len(subjects):
        return subjects
    return [subjects[int(i)] for i in np.linspace(0, len(subjects) - 1, count).round()]

"""Cases, timing and the report.

A case is a function of (context, subject) registered with `case()`,
optionally with a baseline function that does the same job the
straightforward way; both are timed in the same run on the same subjects,
each after one warm-up. A run of a few milliseconds moves with whatever
else the machine does in that instant, so a run shorter than `QUICK_S` is
timed `REPEATS` times and the subject's figure is their median. A case
that changes the warehouse (an erasure) brings a fixture instead: a
context manager entered around each timed run that sets up and restores,
untimed; such a case is not warmed up, and may be limited to one subject
of some tiers. A case may return `Work` to say how much it did, so the
report can show the cost per unit. Adding a case is a decorated function
in `bench/cases.py`.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from auth.principal import Principal, Role
from queries.backend import Backend
from queries.discovery.catalog import Catalog

TIERS = ("light", "median", "heavy")
QUICK_S = 0.05  # a run shorter than this is timed REPEATS times
REPEATS = 15


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


Fixture = Callable[[Context, Subject], AbstractContextManager]


@dataclass(frozen=True)
class Case:
    name: str
    run: Callable[[Context, Subject], object]
    baseline_name: str | None = None
    baseline: Callable[[Context, Subject], object] | None = None
    baseline_subjects: int | None = None  # a slow baseline may be timed on fewer subjects
    fixture: Fixture | None = None
    tiers: tuple[str, ...] | None = None  # only the first subject of each of these tiers


@dataclass(frozen=True)
class Work:
    """What one run did, for cost per unit: files and megabytes handled."""

    files: int
    megabytes: float


CASES: list[Case] = []


def case(name: str, baseline: Callable[[Context, Subject], object] | None = None, baseline_name: str | None = None,
         baseline_subjects: int | None = None, fixture: Fixture | None = None, tiers: tuple[str, ...] | None = None):
    def register(run: Callable[[Context, Subject], object]):
        CASES.append(Case(name, run, baseline_name, baseline, baseline_subjects, fixture, tiers))
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


def timed(run: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    result = run()
    return time.perf_counter() - started, result


def timed_steadily(run: Callable[[], object]) -> tuple[float, object]:
    """The seconds of one run, or for a quick run the median of `REPEATS`:
    the inventory (about 10 ms) timed once per subject moved its tiers' L/S
    ratios by up to 0.7 between runs of the same code."""
    seconds, result = timed(run)
    if seconds >= QUICK_S:
        return seconds, result
    return statistics.median([seconds, *(timed(run)[0] for _ in range(REPEATS - 1))]), result


@dataclass
class Samples:
    """Seconds per subject, by tier, and the work done where a case says."""

    by_tier: dict[str, list[float]] = field(default_factory=lambda: {tier: [] for tier in TIERS})
    work: list[dict] = field(default_factory=list)

    def add(self, subject: Subject, seconds: float, result: object = None) -> None:
        self.by_tier[subject.tier].append(seconds)
        if isinstance(result, Work):
            self.work.append({"employee_id": subject.employee_id, "tier": subject.tier, "files": result.files,
                              "megabytes": round(result.megabytes, 1), "ms": round(seconds * 1000, 1),
                              "ms_per_mb": round(seconds * 1000 / result.megabytes, 1) if result.megabytes else None})

    @property
    def all(self) -> list[float]:
        return [s for tier in TIERS for s in self.by_tier[tier]]

    def median(self, tier: str | None = None) -> float | None:
        values = self.by_tier[tier] if tier else self.all
        return statistics.median(values) if values else None

    def p95(self) -> float | None:
        return float(np.percentile(self.all, 95)) if self.all else None


def measure(run: Callable[[Context, Subject], object], context: Context, subjects: list[Subject],
            progress: Callable[[int, int], None], warm_each: bool = True, fixture: Fixture | None = None) -> Samples:
    samples = Samples()
    if fixture:
        for done, subject in enumerate(subjects, start=1):
            with fixture(context, subject):
                samples.add(subject, *timed(lambda: run(context, subject)))
            progress(done, len(subjects))
        return samples
    if not warm_each and subjects:
        run(context, subjects[0])
    for done, subject in enumerate(subjects, start=1):
        if warm_each:
            run(context, subject)
        samples.add(subject, *timed_steadily(lambda: run(context, subject)))
        progress(done, len(subjects))
    return samples


def first_of_tiers(subjects: list[Subject], tiers: tuple[str, ...] | None) -> list[Subject]:
    if tiers is None:
        return subjects
    return [next(s for s in subjects if s.tier == tier) for tier in tiers if any(s.tier == tier for s in subjects)]


def spread(subjects: list[Subject], count: int | None) -> list[Subject]:
    """`count` of the subjects, evenly over the volume distribution."""
    if count is None or count >= len(subjects):
        return subjects
    return [subjects[int(i)] for i in np.linspace(0, len(subjects) - 1, count).round()]

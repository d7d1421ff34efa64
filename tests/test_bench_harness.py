"""The benchmark harness's own logic: who is picked, and how figures are
summarised (the timings themselves are `make bench`'s business)."""

from __future__ import annotations

from contextlib import contextmanager

import pytest

from bench.__main__ import scaling
from bench.harness import Samples, Subject, Work, first_of_tiers, measure, pick_subjects, spread


def test_subjects_span_the_volume_distribution_by_seed(backend):
    backend.refresh()
    subjects = pick_subjects(backend, 20, seed=1)
    volumes = [s.rows for s in subjects]
    assert len({s.employee_id for s in subjects}) == 20
    assert volumes == sorted(volumes)
    assert [s.tier for s in subjects] == ["light"] * 7 + ["median"] * 6 + ["heavy"] * 7
    assert [s.employee_id for s in pick_subjects(backend, 20, seed=1)] == [s.employee_id for s in subjects]
    assert [s.employee_id for s in pick_subjects(backend, 20, seed=2)] != [s.employee_id for s in subjects]


def test_every_subject_is_warmed_up_then_timed_once(backend):
    backend.refresh()
    subjects = pick_subjects(backend, 6, seed=1)
    calls = []
    samples = measure(lambda context, subject: calls.append(subject.employee_id), None, subjects, lambda d, t: None)
    assert calls == [s.employee_id for s in subjects for _ in range(2)]
    assert len(samples.all) == 6 and all(seconds >= 0 for seconds in samples.all)


def test_a_slow_baseline_runs_on_fewer_subjects_spread_over_the_tiers(backend):
    backend.refresh()
    subjects = pick_subjects(backend, 20, seed=1)
    chosen = spread(subjects, 6)
    assert chosen[0] == subjects[0] and chosen[-1] == subjects[-1]
    assert {s.tier for s in chosen} == {"light", "median", "heavy"}


def _subject(tier: str, employee_id: str = "E1") -> Subject:
    return Subject(employee_id, tier, 1, None)


def test_medians_and_p95():
    samples = Samples()
    for seconds in range(1, 21):
        samples.add(_subject("light" if seconds <= 7 else "median" if seconds <= 13 else "heavy"), seconds / 1000)
    assert samples.median() == pytest.approx(0.0105)
    assert samples.median("light") == pytest.approx(0.004)
    assert samples.p95() == pytest.approx(0.01905)


def test_scaling_compares_the_same_tier_across_sizes():
    def size(name, light, heavy):
        return {"size": name, "results": [{"case": "inventory",
                                           "median_ms_by_tier": {"light": light, "median": None, "heavy": heavy}}]}
    rows = scaling([size("S", 2.0, 4.0), size("L", 3.0, 4.0)])
    assert [(r["tier"], r["L_over_S"]) for r in rows] == [("light", 1.5), ("heavy", 1.0)]


def test_a_case_that_changes_the_warehouse_runs_once_per_subject_inside_its_fixture():
    """No warm-up (it would delete the data the timed run needs), set-up and
    restore around each run, one subject of each asked-for tier, and the
    work it reports kept with its time."""
    subjects = [_subject("light", "E1"), _subject("median", "E2"), _subject("median", "E3"), _subject("heavy", "E4")]
    chosen = first_of_tiers(subjects, ("median", "heavy"))
    assert [s.employee_id for s in chosen] == ["E2", "E4"]
    events = []

    @contextmanager
    def fixture(context, subject):
        events.append(("set up", subject.employee_id))
        yield
        events.append(("restore", subject.employee_id))

    def run(context, subject):
        events.append(("run", subject.employee_id))
        return Work(files=3, megabytes=1.5)

    samples = measure(run, None, chosen, lambda d, t: None, fixture=fixture)
    assert events == [(step, e) for e in ("E2", "E4") for step in ("set up", "run", "restore")]
    assert [(w["employee_id"], w["files"], w["megabytes"]) for w in samples.work] == [("E2", 3, 1.5), ("E4", 3, 1.5)]

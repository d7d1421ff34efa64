"""The benchmark harness's own logic: who is picked, and how figures are
summarised (the timings themselves are `make bench`'s business)."""

from __future__ import annotations

import time
from contextlib import contextmanager

import pytest

from bench.__main__ import scaling
from bench.harness import QUICK_S, REPEATS, Samples, Subject, Work, first_of_tiers, measure, pick_subjects, spread
from bench.load import targets_met
from bench.results import README_END, README_START, merged, rewrite_readme
from bench.targets import assess, lines


def test_subjects_span_the_volume_distribution_by_seed(backend):
    backend.refresh()
    subjects = pick_subjects(backend, 20, seed=1)
    volumes = [s.rows for s in subjects]
    assert len({s.employee_id for s in subjects}) == 20
    assert volumes == sorted(volumes)
    assert [s.tier for s in subjects] == ["light"] * 7 + ["median"] * 6 + ["heavy"] * 7
    assert [s.employee_id for s in pick_subjects(backend, 20, seed=1)] == [s.employee_id for s in subjects]
    assert [s.employee_id for s in pick_subjects(backend, 20, seed=2)] != [s.employee_id for s in subjects]


def test_every_subject_is_warmed_up_then_timed_once_or_a_quick_run_as_the_median_of_several(backend):
    backend.refresh()
    subjects = pick_subjects(backend, 6, seed=1)
    slow = {subjects[0].employee_id}
    calls = []

    def run(context, subject):
        calls.append(subject.employee_id)
        if subject.employee_id in slow:
            time.sleep(QUICK_S)

    samples = measure(run, None, subjects, lambda d, t: None)
    assert calls == [s.employee_id for s in subjects for _ in range(2 if s.employee_id in slow else 1 + REPEATS)]
    assert len(samples.all) == 6
    assert samples.all[0] >= QUICK_S and all(0 <= seconds < QUICK_S for seconds in samples.all[1:])


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


def _run(case: str, size: str, median: float, date: str, commit: str) -> dict:
    row = {"case": case, "size": size, "n": 3, "median_ms": median, "p95_ms": median, "baseline": "floor",
           "baseline_median_ms": median / 2, "ratio": 0.5, "measured": {"date": date, "cores": 2, "commit": commit}}
    return {"date": date, "cores": 2, "sizes": [{"size": size, "results": [row]}], "scaling": []}


def test_a_partial_run_replaces_what_it_measured_and_keeps_every_other_figure_with_its_provenance():
    earlier = merged(_run("inventory", "S", 10.0, "2026-11-20T10:00:00+00:00", "aaaaaaa"),
                     _run("erasure", "S", 900.0, "2026-11-20T10:00:00+00:00", "aaaaaaa"))
    earlier = merged(earlier, _run("inventory", "L", 20.0, "2026-11-20T10:00:00+00:00", "aaaaaaa"))
    now = merged(earlier, _run("erasure", "S", 450.0, "2026-12-03T10:00:00+00:00", "bbbbbbb"))
    figures = {(s["size"], r["case"]): r for s in now["sizes"] for r in s["results"]}
    assert set(figures) == {("S", "inventory"), ("S", "erasure"), ("L", "inventory")}
    assert figures["S", "erasure"]["median_ms"] == 450.0 and figures["S", "erasure"]["measured"]["commit"] == "bbbbbbb"
    assert figures["S", "inventory"]["measured"]["commit"] == "aaaaaaa", "a figure not measured again keeps its origin"
    assert [s["size"] for s in now["sizes"]] == ["S", "L"]


def test_the_readme_table_is_written_from_the_results_between_its_markers(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"# Title\n\n{README_START}\nold figures\n{README_END}\n\nAfter.\n")
    rewrite_readme(readme, _run("erasure", "S", 45565.2, "2026-12-03T06:17:04+00:00", "90fafce"))
    text = readme.read_text()
    assert "old figures" not in text and text.startswith("# Title") and text.endswith("After.\n")
    assert "| erasure | S | 3 | 45,565.2 | 45,565.2 | floor | 22,782.6 | 0.5× | 2026-12-03, 2 cores, `90fafce` |" in text
    readme.write_text("no markers")
    with pytest.raises(ValueError, match="no section"):
        rewrite_readme(readme, _run("erasure", "S", 1.0, "2026-12-03T06:17:04+00:00", "x"))


def _load(appended: int, expected: int, errors: list) -> dict:
    return {"people": 8, "rounds": 3, "seconds": 90.0, "errors": errors, "peak_memory_mb": 900.0,
            "cores": {"portal": 0.9, "console workers": 0.2, "browsers": 0.8, "whole machine": 1.95},
            "pages": [{"page": "Home", "browser_n": 24, "browser_p50_s": 1.0, "browser_p95_s": 2.5, "server_n": 24,
                       "server_p50_s": 0.4, "server_p95_s": 1.1}],
            "ledger": {"expected": expected, "appended": appended, "intact": True},
            "refresh": {"generation_before": [1, 3], "generation_after": [2, 4], "live_after_s": 12.0},
            "alone": {"first_sign_in": {"label": "employee, median data", "seconds": 2.1},
                      "pages": {"My data": [{"label": "employee, heavy data", "seconds": 1.3},
                                            {"label": "employee, median data", "seconds": 0.6}]}}}


def test_the_load_case_misses_its_ledger_target_on_one_entry_too_many_or_too_few():
    assert all(targets_met(_load(120, 120, [])).values())
    assert not targets_met(_load(121, 120, []))["ledger exact and intact"]
    assert not targets_met(_load(119, 120, []))["ledger exact and intact"]
    assert not targets_met(_load(120, 120, [{"error": "timed out"}]))["no errors"]
    stalled = _load(120, 120, [])
    stalled["refresh"]["generation_after"] = [2, 3]
    assert not targets_met(stalled)["the refresh landed during the run"], "it must land in every portal"
    stalled["refresh"]["generation_after"] = [2]
    assert not targets_met(stalled)["the refresh landed during the run"]


def test_the_load_case_holds_each_first_visit_alone_to_its_target():
    slow = _load(120, 120, [])
    slow["alone"]["pages"]["My data"].insert(0, {"label": "employee, heavy data", "seconds": 1.6})
    assert not targets_met(slow)["alone: My data's first visit ≤ 1.5 s for every person"]
    slow = _load(120, 120, [])
    slow["alone"]["first_sign_in"]["seconds"] = 3.2
    assert not targets_met(slow)["alone: the first sign-in after the portal is ready ≤ 3 s"]


def test_a_run_without_the_load_case_keeps_the_earlier_load_figures_and_the_readme_shows_them(tmp_path):
    earlier = _run("inventory", "S", 10.0, "2026-11-20T10:00:00+00:00", "aaaaaaa")
    earlier["sizes"][0]["load"] = load = _load(120, 120, [])
    load["measured"] = {"date": "2026-11-20T10:00:00+00:00", "cores": 2, "commit": "aaaaaaa"}
    load["targets"] = targets_met(load)
    now = merged(earlier, _run("erasure", "S", 450.0, "2026-12-03T10:00:00+00:00", "bbbbbbb"))
    assert now["sizes"][0]["load"] == load
    readme = tmp_path / "README.md"
    readme.write_text(f"{README_START}\n{README_END}\n")
    rewrite_readme(readme, now)
    text = readme.read_text()
    assert "**Load at S**: 8 people at once, 3 rounds" in text and "`aaaaaaa`" in text
    assert "| Home | 1.00 | 2.50 | 24 | 0.40 | 1.10 | 24 |" in text
    assert "ledger exact and intact: met" in text
    assert "Cores used on average during the run: portal 0.9, console workers 0.2, browsers 0.8, whole machine 1.95." \
        in text
    assert "the first sign-in took 2.10 s (employee, median data); each page's slowest first visit: My data 1.30 s " \
           "(employee, heavy data)." in text


def _assessed(report: dict, earlier: dict | None) -> dict:
    report["targets"] = assess(report, earlier)
    return report


def _target(report: dict, name: str) -> dict:
    return next(t for t in report["targets"] if t["target"] == name)


EXPORT = "export of one employee, L median"


def test_a_target_shows_the_figure_it_replaced_and_keeps_both_until_measured_again():
    first = _assessed(_run("export", "L", 6000.0, "2026-12-05T10:00:00+00:00", "aaaaaaa"), None)
    assert _target(first, EXPORT)["before"] is None and not _target(first, EXPORT)["met"]
    second = _assessed(merged(first, _run("export", "L", 2900.0, "2026-12-06T10:00:00+00:00", "bbbbbbb")), first)
    export = _target(second, EXPORT)
    assert (export["before"], export["now"], export["met"]) == (6000.0, 2900.0, True)
    assert (export["before_measured"]["commit"], export["now_measured"]["commit"]) == ("aaaaaaa", "bbbbbbb")
    third = _assessed(merged(second, _run("charts", "L", 100.0, "2026-12-07T10:00:00+00:00", "ccccccc")), second)
    assert _target(third, EXPORT) == export, "a figure not measured again keeps its before and after"
    assert "MISSED" not in next(line for line in lines(third["targets"]) if EXPORT in line)
    never = _target(third, "erasure over its floor, L")
    assert never["now"] is None and not never["met"], "a figure never measured is not met"


def test_the_erasure_is_held_to_its_floor_measured_in_the_same_run():
    twice = _assessed(_run("erasure", "S", 4000.0, "2026-12-05T10:00:00+00:00", "aaaaaaa"), None)
    assert (_target(twice, "erasure over its floor, S")["now"], _target(twice, "erasure over its floor, S")["met"]) \
        == (2.0, False)


def test_the_inventory_is_held_to_l_over_s_in_each_tier():
    report = {"sizes": []}
    for size, light, heavy in (("S", 10.0, 10.0), ("L", 14.0, 16.0)):
        row = {"case": "inventory", "median_ms": light, "median_ms_by_tier": {"light": light, "heavy": heavy},
               "measured": {"date": f"2026-12-0{5 if size == 'S' else 6}T10:00:00+00:00", "cores": 2,
                            "commit": size}}
        report["sizes"].append({"size": size, "results": [row]})
    _assessed(report, None)
    light = _target(report, "inventory, L over S, light tier")
    heavy = _target(report, "inventory, L over S, heavy tier")
    assert (light["now"], light["met"], heavy["now"], heavy["met"]) == (1.4, True, 1.6, False)
    assert light["now_measured"]["commit"] == "L", "a ratio was measured when the later of its figures was"


def test_the_load_targets_read_the_load_case():
    report = _run("inventory", "S", 10.0, "2026-11-20T10:00:00+00:00", "aaaaaaa")
    report["sizes"][0]["load"] = _load(119, 120, [])
    report["sizes"][0]["load"]["measured"] = {"date": "2026-11-20T10:00:00+00:00", "cores": 2, "commit": "aaaaaaa"}
    _assessed(report, None)
    assert _target(report, "8 people at once, S: ledger entries off the expected count")["now"] == 1
    assert not _target(report, "8 people at once, S: ledger entries off the expected count")["met"]
    assert _target(report, "8 people at once, S: server p95, slowest page")["now"] == 1.1
    assert _target(report, "My data's first visit, alone, slowest person, S")["now"] == 1.3


def test_the_readme_shows_each_target_before_and_now(tmp_path):
    first = _assessed(_run("export", "L", 6000.0, "2026-12-05T10:00:00+00:00", "aaaaaaa"), None)
    second = _assessed(merged(first, _run("export", "L", 2900.0, "2026-12-06T10:00:00+00:00", "bbbbbbb")), first)
    readme = tmp_path / "README.md"
    readme.write_text(f"{README_START}\n{README_END}\n")
    rewrite_readme(readme, second)
    assert "| export of one employee, L median | ≤ 3,000 ms | 8,283 ms | 6,000 ms | 2026-12-05, `aaaaaaa` | " \
           "2,900 ms | 2026-12-06, `bbbbbbb` | met |" in readme.read_text()

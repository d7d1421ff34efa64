"""`python -m bench` (or `make bench`): generates or reuses the S and L
warehouses, times every case on 20 employees per size against its
baseline, then runs the load case (`bench/load.py`: 8 people at once in
real browsers), prints the tables and writes `bench/results.json`."""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import bench.cases  # noqa: F401  (registers the cases)
from bench.harness import CASES, TIERS, Context, first_of_tiers, measure, pick_subjects, spread
from bench.load import LOAD_ROUNDS, load_case, print_load
from bench.results import RESULTS, commit, load, merged, rewrite_readme
from bench.targets import assess, lines
from bench.warehouses import BENCH_DATA, SIZES, ensure_sample, open_backend
from sample_data.progress import progress_bar

ROOT = RESULTS.parent.parent


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 2)


def ratio(baseline_ms: float | None, median_ms: float | None) -> float | None:
    """How many times faster than its baseline a case is (below 1: slower)."""
    if not baseline_ms or not median_ms:
        return None
    value = baseline_ms / median_ms
    return round(value, 1) if value >= 10 else round(value, 3)


LOAD = "load"


def run_size(size: str, count: int, seed: int, wanted: set[str] | None, people: int) -> dict:
    started = time.perf_counter()
    sample, generated = ensure_sample(size, lambda step, done, total: progress_bar(f"generate {size} {step}", done, total))
    generation_s = time.perf_counter() - started if generated else None
    backend = open_backend(size)
    started = time.perf_counter()
    report = backend.refresh()
    index_s = time.perf_counter() - started
    context = Context(size, backend, backend.catalog(), pick_subjects(backend, count, seed))
    manifest = json.loads((sample / "manifest.json").read_text())
    rows = []
    for spec in CASES:
        if wanted and spec.name not in wanted:
            continue
        samples = measure(spec.run, context, first_of_tiers(context.subjects, spec.tiers),
                          lambda d, t: progress_bar(f"{spec.name} {size}", d, t), fixture=spec.fixture)
        baseline = None
        if spec.baseline:
            subjects = first_of_tiers(context.subjects, spec.tiers)
            baseline = measure(spec.baseline, context, spread(subjects, spec.baseline_subjects),
                               lambda d, t: progress_bar(f"{spec.name} baseline {size}", d, t), warm_each=False)
        base_median = baseline.median() if baseline else None
        rows.append({
            "case": spec.name, "size": size, "n": len(samples.all),
            "median_ms": _ms(samples.median()), "p95_ms": _ms(samples.p95()),
            "median_ms_by_tier": {tier: _ms(samples.median(tier)) for tier in TIERS},
            "baseline": spec.baseline_name, "baseline_n": len(baseline.all) if baseline else 0,
            "baseline_median_ms": _ms(base_median),
            "ratio": ratio(_ms(base_median), _ms(samples.median())),
            "work": samples.work,
        })
    context.backend.close()
    load = None
    if wanted is None or LOAD in wanted:
        print(f"load {size}: {people} people at once in Chromium…", flush=True)
        load = load_case(BENCH_DATA / size, people, LOAD_ROUNDS)
    return {"size": size, "load": load, "tables": manifest["tables"], "rows": manifest["rows"],
            "employees": manifest["options"]["employees"],
            "generation_s": None if generation_s is None else round(generation_s, 1),
            "index_refresh_s": round(index_s, 1), "tables_indexed": len(report.indexed),
            "subjects": [{"employee_id": s.employee_id, "tier": s.tier, "rows": s.rows} for s in context.subjects],
            "results": rows}


def scaling(sizes: list[dict]) -> list[dict]:
    """Per case and tier, the L median over the S median."""
    by_size = {s["size"]: {r["case"]: r for r in s["results"]} for s in sizes}
    if not {"S", "L"} <= set(by_size):
        return []
    found = []
    for name, small in by_size["S"].items():
        large = by_size["L"].get(name)
        for tier in TIERS:
            s_ms, l_ms = small["median_ms_by_tier"][tier], large and large["median_ms_by_tier"][tier]
            if s_ms and l_ms:
                found.append({"case": name, "tier": tier, "S_ms": s_ms, "L_ms": l_ms, "L_over_S": round(l_ms / s_ms, 2)})
    return found


def _cell(value) -> str:
    return "-" if value is None else (f"{value:,.1f}" if isinstance(value, float) else str(value))


def print_report(report: dict) -> None:
    print(f"\nDaylight benchmarks — {report['date']}, {report['cores']} cores, {report['python']}")
    for size in report["sizes"]:
        made = f"generated in {size['generation_s']} s, " if size["generation_s"] else "reused, "
        print(f"  {size['size']}: {size['tables']:,} tables, {size['rows']:,} rows, {size['employees']:,} employees "
              f"({made}index refresh {size['index_refresh_s']} s for {size['tables_indexed']} tables)")
    header = ("case", "size", "n", "median ms", "p95 ms", "baseline", "baseline n", "baseline median ms", "ratio")
    lines = [header] + [(r["case"], r["size"], r["n"], r["median_ms"], r["p95_ms"], r["baseline"] or "-",
                         r["baseline_n"], r["baseline_median_ms"], r["ratio"] and f"{r['ratio']}x")
                        for size in report["sizes"] for r in size["results"]]
    widths = [max(len(_cell(line[i])) for line in lines) for i in range(len(header))]
    print()
    for number, line in enumerate(lines):
        print("  ".join(_cell(v).rjust(w) if i >= 2 else _cell(v).ljust(w) for i, (v, w) in enumerate(zip(line, widths))))
        if number == 0:
            print("  ".join("-" * w for w in widths))
    for size in report["sizes"]:
        if size.get("load"):
            print_load(size["load"], size["size"])
    work = [(size["size"], r["case"], w) for size in report["sizes"] for r in size["results"] for w in r.get("work", [])]
    if work:
        print("\nWork done per run:")
        for size, name, w in work:
            print(f"  {name:<22} {size} {w['tier']:<7} {w['employee_id']}: {w['files']:,} files, {w['megabytes']:,.1f} MB "
                  f"in {w['ms'] / 1000:,.1f} s ({w['ms_per_mb']} ms per MB)")
    if report["scaling"]:
        print("\nScaling, median per volume tier (L over S):")
        for row in report["scaling"]:
            print(f"  {row['case']:<22} {row['tier']:<7} S {row['S_ms']:>8.1f} ms   L {row['L_ms']:>8.1f} ms   "
                  f"L/S {row['L_over_S']}")
    if report.get("targets"):
        print_targets(report["targets"])


def print_targets(assessed: list[dict]) -> None:
    print("\nTargets, each figure next to the one it replaced:")
    print("\n".join(lines(assessed)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--sizes", default=",".join(SIZES), help="comma-separated: S, L")
    parser.add_argument("--subjects", type=int, default=20, help="employees per size")
    parser.add_argument("--seed", type=int, default=1, help="seed for picking the employees")
    parser.add_argument("--cases", help=f"comma-separated case names, {LOAD!r} for the load case (default: all)")
    parser.add_argument("--people", type=int, default=8, help="people at once in the load case")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--report", type=Path, metavar="FILE", help="print the table of an earlier run and exit")
    parser.add_argument("--readme", type=Path, metavar="FILE",
                        help="write the figures of --out into FILE's bench results section and exit")
    args = parser.parse_args(argv)
    if args.report or args.readme:
        try:
            if args.report:
                print_report(json.loads(args.report.read_text()))
            else:
                rewrite_readme(args.readme, json.loads(args.out.read_text()))
        except (OSError, json.JSONDecodeError, KeyError, ValueError) as problem:
            print(f"error: {problem}", file=sys.stderr)
            return 2
        return 0
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    unknown = set(sizes) - set(SIZES)
    if unknown:
        print(f"error: unknown size(s) {sorted(unknown)}; choose from {', '.join(SIZES)}", file=sys.stderr)
        return 2
    wanted = set(args.cases.split(",")) if args.cases else None
    if wanted and wanted - {c.name for c in CASES} - {LOAD}:
        print(f"error: unknown case(s) {sorted(wanted - {c.name for c in CASES} - {LOAD})}", file=sys.stderr)
        return 2
    measured = {"date": datetime.now(UTC).isoformat(timespec="seconds"), "cores": os.cpu_count(),
                "commit": commit(ROOT)}
    results = [run_size(size, args.subjects, args.seed, wanted, args.people) for size in sizes]
    for size in results:
        for row in size["results"]:
            row["measured"] = measured
        if size["load"]:
            size["load"]["measured"] = measured
    run = {"date": measured["date"], "cores": measured["cores"], "python": platform.python_version(),
           "machine": platform.machine(), "sizes": results, "scaling": scaling(results)}
    print_report(run)
    try:
        earlier = load(args.out)
    except (OSError, json.JSONDecodeError) as problem:
        print(f"note: {args.out} could not be read ({problem}); it now holds this run only", file=sys.stderr)
        earlier = None
    report = merged(earlier, run)
    report["scaling"] = scaling(report["sizes"])
    report["targets"] = assess(report, earlier)
    print_targets(report["targets"])
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nWrote {args.out}: this run's figures, and the latest earlier figure of every case it did not run")
    return 0


if __name__ == "__main__":
    sys.exit(main())

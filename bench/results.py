"""`bench/results.json`, kept in git: the latest figure of every case at
every size, each saying when, on how many cores and at which commit it was
measured, so a partial run updates what it measured and keeps the rest.
The README's table of figures is written from it, never by hand."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from bench import targets

README_START = "<!-- bench results: written by `python -m bench --readme README.md` -->"
README_END = "<!-- end of bench results -->"


RESULTS = Path(__file__).resolve().parent / "results.json"


def commit(root: Path) -> str:
    """The commit measured, marked `-dirty` when the working tree differs
    from it (the results file itself aside: a run before this one may have
    rewritten it); "unknown" outside a git checkout."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", ".",
                                f":!{RESULTS.relative_to(RESULTS.parents[1])}"], cwd=root,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("-dirty" if dirty else "")


def merged(earlier: dict | None, run: dict) -> dict:
    """`run`'s figures over `earlier`'s: a case measured now replaces its
    earlier figure at that size; every other figure stays, with its own
    date, cores and commit."""
    if not earlier:
        return run
    sizes = {size["size"]: size for size in earlier.get("sizes", [])}
    for size in run["sizes"]:
        before = sizes.get(size["size"], {})
        kept = [r for r in before.get("results", []) if r["case"] not in {new["case"] for new in size["results"]}]
        sizes[size["size"]] = {**size, "results": kept + size["results"],
                               "load": size.get("load") or before.get("load")}
    return {**run, "sizes": list(sizes.values())}


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:,.1f}"


def markdown(report: dict) -> str:
    """One row per case and size, with where the figure comes from."""
    lines = ["| case | size | n | median ms | p95 ms | baseline | baseline median ms | baseline ÷ case | measured |",
             "| --- | --- | ---: | ---: | ---: | --- | ---: | ---: | --- |"]
    for size in report["sizes"]:
        for r in size["results"]:
            measured = r.get("measured", {})
            when = (f"{measured['date'][:10]}, {measured['cores']} cores, `{measured['commit']}`" if measured
                    else "before figures named their commit")
            lines.append(f"| {r['case']} | {size['size']} | {r['n']} | {_number(r['median_ms'])} | "
                         f"{_number(r['p95_ms'])} | {r['baseline'] or '—'} | {_number(r['baseline_median_ms'])} | "
                         f"{'—' if r['ratio'] is None else str(r['ratio']) + '×'} | {when} |")
    return "\n".join(lines)


def _seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:,.2f}"


def cores_used(cores: dict[str, float]) -> str:
    """Where the machine's cores went during a load run, part by part."""
    return ", ".join(f"{part} {used}" for part, used in cores.items())


def _cores_sentence(load: dict) -> str:
    """Older runs kept the portal's cores alone."""
    if "cores" in load:
        return f"Cores used on average during the run: {cores_used(load['cores'])}."
    return f"Its CPU: {load.get('portal_cores', '—')} cores on average during the run."


def load_markdown(report: dict) -> str:
    """The load case's figures per page, and its targets, for each size that has them."""
    parts = []
    for size in report["sizes"]:
        load = size.get("load")
        if not load:
            continue
        measured = load.get("measured") or {}
        ledger, refresh = load["ledger"], load["refresh"]
        parts += [f"**Load at {size['size']}**: {load['people']} people at once, {load['rounds']} rounds, "
                  f"{load['seconds']:,.0f} s ({measured.get('date', '?')[:10]}, {measured.get('cores', '?')} cores, "
                  f"`{measured.get('commit', '?')}`). Errors: {len(load['errors'])}. Portal peak memory: "
                  f"{load['peak_memory_mb']:,.0f} MB. {_cores_sentence(load)} Ledger: {ledger['appended']} new "
                  f"entries, {ledger['expected']} expected, {'intact' if ledger['intact'] else 'not intact'}. "
                  f"A file landed during round 2; the new data was live {refresh.get('live_after_s', '—')} s later.",
                  "",
                  "| page | browser p50 s | browser p95 s | n | server p50 s | server p95 s | n |",
                  "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
        parts += [f"| {p['page']} | {_seconds(p['browser_p50_s'])} | {_seconds(p['browser_p95_s'])} | "
                  f"{p['browser_n']} | {_seconds(p['server_p50_s'])} | {_seconds(p['server_p95_s'])} | {p['server_n']} |"
                  for p in load["pages"]]
        alone = load.get("alone")
        if alone and alone["first_sign_in"]:
            slowest = "; ".join(f"{page} {firsts[0]['seconds']:.2f} s ({firsts[0]['label']})"
                                for page, firsts in alone["pages"].items())
            parts += ["", f"Alone, before the run (each person by themselves on the portal that has just said it is "
                          f"ready): the first sign-in took {alone['first_sign_in']['seconds']:.2f} s "
                          f"({alone['first_sign_in']['label']}); each page's slowest first visit: {slowest}."]
        parts += ["", "Targets: " + "; ".join(f"{name}: {'met' if met else '**missed**'}"
                                               for name, met in load["targets"].items()) + ".", ""]
    return "\n".join(parts).strip()


def rewrite_readme(readme: Path, report: dict) -> None:
    """Replaces what stands between the README's two markers."""
    text = readme.read_text()
    pattern = re.compile(re.escape(README_START) + r".*?" + re.escape(README_END), re.DOTALL)
    if not pattern.search(text):
        raise ValueError(f"{readme} has no section between {README_START!r} and {README_END!r}")
    load = load_markdown(report)
    figures = markdown(report) + (f"\n\n{load}" if load else "")
    if report.get("targets"):
        figures = (f"Targets, each figure next to the one it replaced:\n\n{targets.markdown(report['targets'])}"
                   f"\n\n{figures}")
    readme.write_text(pattern.sub(lambda _: f"{README_START}\n\n{figures}\n\n{README_END}", text))


def load(path: Path) -> dict | None:
    return json.loads(path.read_text()) if path.exists() else None

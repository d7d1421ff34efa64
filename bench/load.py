"""The load case: many people at once, in real browsers.

K people (by default 8: the median, heavy and light employees, the exempt
executive, a works-council member, both HR privacy officers, then more
employees) sign in through the development identity provider, each in a
browser context of one Debian Chromium, and all at once visit every page
their role offers (and the charts of My data, a tab that runs only when
opened), running a query on the SQL console, for a fixed number of
rounds. As the second round starts a file lands in a table of the
warehouse; the portal refreshes in the background while the pages go on,
and the last round starts once the new data is live.

Reported: per page, the median and 95th percentile of the browser's wait
(click to the end of the page's script run) and of the server's own script
runs (`portal/timing.py`'s log); the errors; the portal's peak memory
(VmHWM); and the access ledger's new entries against the expected count.
The expected count comes from a calibration before the run, in which each
person alone visits every page twice: F entries for the first pass, P for
the second. A session records a read once per data generation, and the
generation moves exactly once during the run, so every person must add
exactly 2F + (rounds - 2)P entries, plus one for each console query the
portal refused as busy (the browser sees the message, waits a second and
runs it again, as a person would): concurrency loses or duplicates none.

The calibration's first pass is also what a person meets alone on a portal
that has just said it is ready: the report keeps the first sign-in of all
and each person's first visit of every page, held to the targets of a first
visit (sign-in ≤ 3 s, My data ≤ 1.5 s).

`python -m bench.load --size S` runs it on a copy of the benchmark
warehouse (`--size demo`: the default sample `make run` serves); `python -m
bench` runs it after the other cases.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import shutil
import sys
import tempfile
import time
from collections import Counter
from contextlib import nullcontext
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from playwright.async_api import Browser, async_playwright

from bench.browsing import PAGES, QUERY, SIGNING_IN, TABS, Browsing, Person, Visit, people
from bench.placement import pin_process_tree, split_cores, started_on
from bench.results import cores_used
from bench.targets import LOAD_LIMITS
from bench.usage import cpu_seconds, peak_memory_mb
from devtools.run import warm_portal
from devtools.stack import CHROMIUM, CHROMIUM_ARGS, Portal, running_stack
from queries.access.ledger import LEDGER_FILE, load_public_key, public_key_path, verify
from queries.backend import Backend
from settings import load_settings

LOAD_ROUNDS = 3
REFRESH_SECONDS = 10  # how often the portal looks for changed files during the run

SERVER_PROBLEM = re.compile(r"^(?:[\w.]+(?:Error|Exception): |\S+ \S+ ERROR )")
SCRIPT_RUN = re.compile(r"script run page='(?P<page>.+?)' session=\w+ generation=(?P<generation>\d+|None) "
                        r"seconds=(?P<seconds>[\d.]+)")


def change_a_table(warehouse: Path) -> str:
    """A new file lands in a table: a copy of one of its Parquet files."""
    source = sorted(warehouse.glob("*.db/*/**/*.parquet"))[0]
    landed = source.with_name(f"part-landed-{time.time_ns()}.parquet")
    shutil.copyfile(source, landed)
    return str(landed.relative_to(warehouse))


def _ledger_entries(config: Path) -> tuple[int, bool]:
    settings = load_settings(config)
    found = verify(settings.state.path / LEDGER_FILE,
                   load_public_key(public_key_path(settings.ledger.signing_key).read_bytes()))
    return found.entries, found.intact


def _server_runs(log: Path, start: int) -> list[tuple[str, int | None, float]]:
    with open(log, encoding="utf-8", errors="replace") as text:
        text.seek(start)
        return [(m["page"], None if m["generation"] == "None" else int(m["generation"]), float(m["seconds"]))
                for m in map(SCRIPT_RUN.search, text) if m]


def _server_problems(log: Path, start: int) -> list[str]:
    """The exceptions the portal logged (a traceback's last line), and its ERROR lines."""
    with open(log, encoding="utf-8", errors="replace") as text:
        text.seek(start)
        return [line.strip() for line in text if SERVER_PROBLEM.match(line)]


def _generations(portals: tuple[Portal, ...]) -> list[int]:
    """Each portal's data generation, as its last script runs logged it."""
    return [max((g for _, g, _ in _server_runs(p.log, 0) if g is not None), default=0) for p in portals]


def _percentiles(values: list[float]) -> tuple[float | None, float | None]:
    if not values:
        return None, None
    return round(float(np.percentile(values, 50)), 3), round(float(np.percentile(values, 95)), 3)


@dataclass(frozen=True)
class Calibration:
    """One person alone on the warm portal: the ledger entries a first and
    a second pass over their pages add (signing in counts in the first),
    and the visits of each pass."""

    first: int
    repeat: int
    first_pass: list[Visit]
    second_pass: list[Visit]


async def _calibrate(browser: Browser, app_url: str, config: Path, person: Person) -> Calibration:
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        start, _ = _ledger_entries(config)
        browsing = Browsing(context, app_url, person)
        first_pass = [await browsing.sign_in(0)] + await browsing.round(0)
        first, _ = _ledger_entries(config)
        second_pass = await browsing.round(0)
        second, _ = _ledger_entries(config)
        return Calibration(first - start, second - first, first_pass, second_pass)
    finally:
        await context.close()


async def _browse(app_url: str, portals: tuple[Portal, ...], config: Path, warehouse: Path, chosen: list[Person],
                  rounds: int) -> dict:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        calibration = [await _calibrate(browser, app_url, config, person) for person in chosen]
        expected = sum(2 * c.first + (rounds - 2) * c.repeat for c in calibration)
        before, _ = _ledger_entries(config)
        log_start, cpu_start = [p.log.stat().st_size for p in portals], cpu_seconds(portals)
        started = time.perf_counter()
        contexts = [await browser.new_context(viewport={"width": 1400, "height": 1000}) for _ in chosen]
        browsing = [Browsing(context, app_url, person) for context, person in zip(contexts, chosen, strict=True)]
        visits = list(await asyncio.gather(*(b.sign_in(1) for b in browsing)))
        refresh: dict = {}
        for number in range(1, rounds + 1):
            if number == 2:
                refresh = {"generation_before": _generations(portals), "table_changed": change_a_table(warehouse)}
                changed_at = time.perf_counter()
            if number == 3:
                refresh |= await _until_generation_moves(portals, refresh["generation_before"])
                refresh["live_after_s"] = round(time.perf_counter() - changed_at, 1)
            for found in await asyncio.gather(*(b.round(number) for b in browsing)):
                visits += found
        seconds = time.perf_counter() - started
        cpu = cpu_seconds(portals)
        for context in contexts:
            await context.close()
        await browser.close()
    after, intact = _ledger_entries(config)
    busy = sum(b.busy for b in browsing)
    return {"visits": visits, "calibration": [v for c in calibration for v in (*c.first_pass, *c.second_pass)],
            "alone": [v for c in calibration for v in c.first_pass],
            "expected": expected + busy, "busy": busy, "appended": after - before, "intact": intact,
            "refresh": refresh,
            "log_start": log_start, "seconds": round(seconds, 1),
            "cores": {part: round((cpu[part] - cpu_start[part]) / seconds, 2) for part in cpu}}


async def _until_generation_moves(portals: tuple[Portal, ...], before: list[int], timeout: float = 600) -> dict:
    """Waits, without holding up any page, until a script run in every
    portal sees newer data; a run by a visitor who has not signed in asks
    each portal for one each second."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if landed(before, now := _generations(portals)):
            return {"generation_after": now}
        for portal, then, seen in zip(portals, before, now, strict=True):
            if seen <= then:
                await asyncio.to_thread(warm_portal, portal.url, 30)
        await asyncio.sleep(1)
    return {"generation_after": _generations(portals),
            "problem": f"the refresh did not land in every portal within {timeout:.0f} s"}


def landed(before: list[int], after: list[int] | None) -> bool:
    """Whether every portal's data moved on."""
    return after is not None and len(after) == len(before) and all(a > b for a, b in zip(after, before, strict=True))


def _build_index(config: Path) -> None:
    """What `make run` does before it starts the portal (`daylight refresh`):
    a copied warehouse has new inodes and change times, so its files'
    fingerprints no longer match the index, and the first person to sign in
    would wait for a whole rebuild."""
    backend = Backend.open(config)
    try:
        backend.refresh()
    finally:
        backend.close()


def run_load(folder: Path, config: Path, sample: Path, count: int, rounds: int, portals: int = 1,
             portal_cores: int | None = None) -> dict:
    """The load case over the portal configured by `config`, whose warehouse
    (`sample`'s) may be changed: give it a copy. With several `portals`, one
    writes the subject index and the others read its copies, behind
    HAProxy (`devtools/stack.py`). With `portal_cores`, the portals run on
    that many cores of their own and the browsers on the others
    (`bench/placement.py`)."""
    if rounds < 3:
        raise ValueError("the load case needs 3 rounds or more: before, during and after a refresh")
    cores = None if portal_cores is None else split_cores(portal_cores)
    chosen = people(sample, count)
    users = folder / "users"
    users.mkdir(parents=True, exist_ok=True)
    (users / "demo_users.json").write_text(json.dumps([{"label": p.label, "claims": p.claims} for p in chosen]))
    _build_index(config)
    with running_stack(folder, config, users, token_max_age=3600, portals=portals) as stack:
        for portal in stack.portals:
            if cores:
                pin_process_tree(portal.process.pid, cores[0])
            warm_portal(portal.url)
        with started_on(cores[1]) if cores else nullcontext():
            found = asyncio.run(_browse(stack.app_url, stack.portals, config, sample / "warehouse", chosen, rounds))
        peaks = [peak_memory_mb(p.process.pid) for p in stack.portals]
    logs = list(zip((p.log for p in stack.portals), found["log_start"], strict=True))
    found["server_problems"] = [line for log, start in logs for line in _server_problems(log, start)]
    by_portal = [_server_runs(log, start) for log, start in logs]
    found["server_runs_by_portal"] = [dict(Counter(page for page, _, _ in runs)) for runs in by_portal]
    found["cores_apart"] = cores and {"portals": sorted(cores[0]), "browsers": sorted(cores[1])}
    return _report(found, [run for runs in by_portal for run in runs], chosen, rounds, peaks)


def _report(found: dict, runs: list[tuple[str, int | None, float]], chosen: list[Person], rounds: int,
            peaks: list[float | None]) -> dict:
    """`peaks`: each portal's peak memory; the report's is their sum, what
    the machine must hold if each peaked at once."""
    visits: list[Visit] = found["visits"]
    pages = []
    named = [SIGNING_IN, *(n for title in PAGES for n in (title, *(f"{title} › {tab}" for tab in TABS.get(title, ())))),
             QUERY]
    for name in named:
        browser = [v.seconds for v in visits if v.page == name and v.seconds is not None]
        server = [s for page, _, s in runs if page == name]
        if not browser and not server:
            continue
        (b50, b95), (s50, s95) = _percentiles(browser), _percentiles(server)
        pages.append({"page": name, "browser_n": len(browser), "browser_p50_s": b50, "browser_p95_s": b95,
                      "server_n": len(server), "server_p50_s": s50, "server_p95_s": s95})
    errors = [asdict(v) for v in [*found["calibration"], *visits] if v.error]
    errors += [{"label": None, "page": None, "round": None, "seconds": None, "error": f"the portal logged: {line}"}
               for line in found["server_problems"]]
    if "problem" in found["refresh"]:
        errors.append({"label": None, "page": None, "round": 3, "seconds": None, "error": found["refresh"]["problem"]})
    report = {"people": len(chosen), "labels": [p.label for p in chosen], "rounds": rounds,
              "seconds": found["seconds"], "pages": pages, "alone": _first_visits(found["alone"]),
              "errors": errors, "portals": len(peaks), "server_runs_by_portal": found["server_runs_by_portal"],
              "peak_memory_mb": None if None in peaks else round(sum(peaks), 1), "peak_memory_by_portal_mb": peaks,
              "cores": found["cores"], "cores_apart": found["cores_apart"],
              "ledger": {"expected": found["expected"], "appended": found["appended"], "intact": found["intact"],
                         "console_busy_refusals": found["busy"]},
              "refresh": found["refresh"]}
    report["targets"] = targets_met(report)
    return report


def _first_visits(visits: list[Visit]) -> dict:
    """Each person alone, on a portal that has just said it is ready: the
    first sign-in of all (the first person's) and every person's first visit
    of each page, slowest first."""
    timed = [v for v in visits if v.seconds is not None]
    first = next((v for v in timed if v.page == SIGNING_IN), None)
    pages = {}
    for visit in sorted(timed, key=lambda v: -v.seconds):
        pages.setdefault(visit.page, []).append({"label": visit.label, "seconds": round(visit.seconds, 3)})
    return {"first_sign_in": first and {"label": first.label, "seconds": round(first.seconds, 3)}, "pages": pages}


def targets_met(report: dict) -> dict:
    """Each target of the load case, and whether this run met it."""
    server = max((p["server_p95_s"] for p in report["pages"] if p["server_p95_s"] is not None), default=None)
    browser = max((p["browser_p95_s"] for p in report["pages"] if p["browser_p95_s"] is not None), default=None)
    ledger, alone = report["ledger"], report["alone"]
    my_data = [v["seconds"] for v in alone["pages"].get("My data", [])]
    return {
        "alone: the first sign-in after the portal is ready ≤ 3 s": alone["first_sign_in"] is not None
        and alone["first_sign_in"]["seconds"] <= LOAD_LIMITS["first_sign_in_s"],
        "alone: My data's first visit ≤ 1.5 s for every person": bool(my_data)
        and max(my_data) <= LOAD_LIMITS["my_data_first_s"],
        "server p95 ≤ 2 s on every page": server is not None and server <= LOAD_LIMITS["server_p95_s"],
        "browser p95 ≤ 5 s on every page": browser is not None and browser <= LOAD_LIMITS["browser_p95_s"],
        "no errors": not report["errors"],
        "peak memory ≤ 2 GB": report["peak_memory_mb"] is not None
        and report["peak_memory_mb"] <= LOAD_LIMITS["peak_memory_mb"],
        "ledger exact and intact": ledger["intact"] and ledger["expected"] == ledger["appended"],
        "the refresh landed during the run": landed(report["refresh"].get("generation_before", []),
                                                    report["refresh"].get("generation_after")),
    }


def print_load(report: dict, size: str) -> None:
    print(f"\nLoad at {size}: {report['people']} people at once, {report['rounds']} rounds, {report['seconds']} s, "
          f"{report['portals']} portal process(es)")
    if report.get("cores_apart"):
        print(f"  the portals on core(s) {report['cores_apart']['portals']} of their own, the browsers on "
              f"{report['cores_apart']['browsers']} (the targets are set for cores shared, as `make bench` runs)")
    print(f"  {'page':<26} {'browser p50':>11} {'p95':>7} {'n':>4}   {'server p50':>10} {'p95':>7} {'n':>4}")
    for p in report["pages"]:
        cells = [p["browser_p50_s"], p["browser_p95_s"], p["browser_n"], p["server_p50_s"], p["server_p95_s"],
                 p["server_n"]]
        b50, b95, bn, s50, s95, sn = ("-" if c is None else str(c) for c in cells)
        print(f"  {p['page']:<26} {b50:>11} {b95:>7} {bn:>4}   {s50:>10} {s95:>7} {sn:>4}")
    ledger, refresh = report["ledger"], report["refresh"]
    print(f"  errors: {len(report['errors'])}; portal peak memory: {report['peak_memory_mb']} MB "
          f"({' + '.join(str(m) for m in report['peak_memory_by_portal_mb'])}), "
          f"cores used on average: {cores_used(report['cores'])}; ledger: "
          f"{ledger['appended']} new entries, {ledger['expected']} expected, "
          f"{'intact' if ledger['intact'] else 'NOT intact'}; refresh: generation {refresh.get('generation_before')} "
          f"→ {refresh.get('generation_after')}, live after {refresh.get('live_after_s')} s")
    alone = report["alone"]
    if alone["first_sign_in"]:
        print(f"  alone on the warm portal: the first sign-in took {alone['first_sign_in']['seconds']} s "
              f"({alone['first_sign_in']['label']}); each page's slowest first visit:")
    for page, firsts in alone["pages"].items():
        print(f"    {page:<26} {firsts[0]['seconds']:>7} s  {firsts[0]['label']}")
    for error in report["errors"][:10]:
        print(f"    error: {error['label']} on {error['page']} (round {error['round']}): {error['error']}")
    for target, met in report["targets"].items():
        print(f"  {'met   ' if met else 'MISSED'} {target}")


def load_config(folder: Path, sample: Path, state: Path, keys: Path) -> Path:
    """A portal.toml over a copy of a sample, refreshing every few seconds."""
    config = folder / "portal.toml"
    config.write_text("\n".join([
        "[warehouse]", f'path = "{sample / "warehouse"}"', f'register = "{sample / "register.json"}"',
        f"refresh_seconds = {REFRESH_SECONDS}",
        "[directory]", f'path = "{sample / "directory.csv"}"',
        "[state]", f'path = "{state}"',
        "[ledger]", f'signing_key = "{keys / "ledger.pem"}"',
        "[audit]", f'log = "{sample / "audit" / "ranger_audit.jsonl"}"', f'grants = "{sample / "grants.csv"}"',
        f'groups = "{sample / "access_groups.json"}"', "",
    ]))
    return config


def load_case(home: Path, count: int, rounds: int, portals: int = 1, portal_cores: int | None = None) -> dict:
    """The load case on a copy of a benchmark size's folder (`home`: its
    `data`, `state` and `keys`, the subject index already built)."""
    folder = Path(tempfile.mkdtemp(prefix="daylight-load-"))
    try:
        for part in ("data", "state", "keys"):
            shutil.copytree(home / part, folder / part)
        config = load_config(folder, folder / "data", folder / "state", folder / "keys")
        return run_load(folder, config, folder / "data", count, rounds, portals, portal_cores)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    from bench.warehouses import BENCH_DATA, SIZES, ensure_sample, open_backend

    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="S", choices=("demo", *SIZES),
                        help="a benchmark size, or demo: the default sample, as `make run` serves it")
    parser.add_argument("--people", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=LOAD_ROUNDS)
    parser.add_argument("--portals", type=int, default=1,
                        help="portal processes behind HAProxy, sharing one state folder (one writes the index)")
    parser.add_argument("--portal-cores", type=int, metavar="K",
                        help="run the portals on K cores of their own and the browsers on the others, as a "
                             "deployment's visitors render pages on their own machines")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    if args.portal_cores is not None:
        try:
            split_cores(args.portal_cores)
        except ValueError as problem:
            parser.error(str(problem))
    ensure_sample(args.size, lambda step, done, total: None)
    backend = open_backend(args.size)
    backend.refresh()
    backend.close()
    report = load_case(BENCH_DATA / args.size, args.people, args.rounds, args.portals, args.portal_cores)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_load(report, args.size)
    return 0 if all(report["targets"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())

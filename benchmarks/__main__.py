"""`make bench`: the benchmarks, printed as a table, written to JSON, with a scaling chart.

Times are ratios against baselines run in the same process, one after the other, on the same input:
the naive path (what the seed did) and a plain byte copy (the floor). Each group's cases run in
``--rounds`` rounds, each round starting one case later (no case always runs first, on the coldest
caches), and each case's time is its median: on a shared 2-core machine one run of a case moves by
a third between runs. Peak memory cannot be reset
inside a process, so each case under test runs again in a fresh subprocess of its own, which
reports how far the case raised its peak RSS above the interpreter's after imports.

    python -m benchmarks                  # the full sizes, the JSON file and the chart
    python -m benchmarks --requests 5000 --output-lines 5000 --no-scaling  # quicker
    python -m benchmarks --only ingest --ingest-rows 30000  # a smaller scrape day
    python -m benchmarks --only cost     # what a night costs: default night against analyze-all

The cost benchmark (benchmarks/cost.py) measures dollars, not seconds: it runs last, on the sample
nights whatever the sizes asked for.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from benchmarks import cost, ingest, output_load, parse, scaling, sensor, shard_build

Case = Callable[[int, Path], int]
COST = "cost"
RESULTS_FILE = Path("docs/bench.json")


@dataclass(frozen=True)
class Target:
    """What the subject case must reach (issue 13's targets); None where no bound is set."""

    min_x_naive: float | None = None
    max_x_copy: float | None = None
    max_peak_mb: float | None = None


@dataclass(frozen=True)
class Group:
    """Cases that do the same work on the same input; ``prepare`` makes that input, untimed.

    ``size`` names the command-line option giving the input's size; ``targets`` bound the cases
    under test (the others are baselines).
    """

    prepare: Callable[[int, Path], None]
    cases: dict[str, Case]
    size: str
    targets: dict[str, Target]


BASELINES = ("naive", "warehouse floor", "byte copy")
SHARD_TARGET = Target(min_x_naive=3, max_x_copy=5, max_peak_mb=150)
GROUPS: dict[str, Group] = {
    "shard build": Group(
        shard_build.prepare,
        {
            "engine": shard_build.engine_build,
            "verb": shard_build.verb_build,
            "naive": shard_build.naive_build,
            "byte copy": shard_build.byte_copy,
        },
        "requests",
        {"engine": SHARD_TARGET, "verb": SHARD_TARGET},
    ),
    "parse results": Group(
        parse.prepare,
        {
            "verb": parse.verb_parse,
            "naive": parse.naive_parse,
            "byte copy": parse.byte_copy,
        },
        "requests",
        {"verb": Target(min_x_naive=2)},
    ),
    "output load": Group(
        output_load.prepare,
        {
            "warehouse": output_load.warehouse_load,
            "naive": output_load.naive_load,
            "byte copy": output_load.byte_copy,
        },
        "output_lines",
        {"warehouse": Target(min_x_naive=20, max_x_copy=15, max_peak_mb=300)},
    ),
    "ingest": Group(
        ingest.prepare,
        {
            "pipeline": ingest.pipeline_ingest,
            "naive": ingest.naive_load,
            "warehouse floor": ingest.warehouse_floor,
            "byte copy": ingest.byte_copy,
        },
        "ingest_rows",
        {"pipeline": Target(min_x_naive=1, max_peak_mb=600)},
    ),
}


@dataclass
class Measure:
    group: str
    case: str
    size: int
    seconds: float
    nbytes: int
    # every round's seconds; ``seconds`` is their median
    runs: list[float] = field(default_factory=list)
    peak_mb: float | None = None
    x_naive: float | None = None
    x_copy: float | None = None
    target: str = ""
    met: bool | None = None


def run_case(group: str, case: str, size: int, work: Path) -> Measure:
    started = time.perf_counter()
    nbytes = GROUPS[group].cases[case](size, work)
    return Measure(group, case, size, time.perf_counter() - started, nbytes)


def run_rounds(group: str, size: int, work: Path, rounds: int) -> list[Measure]:
    """Every case of the group, ``rounds`` times over, round r starting at case r; one Measure per
    case (in the group's order) whose seconds are the median of its runs."""
    cases = list(GROUPS[group].cases)
    runs: dict[str, list[Measure]] = {case: [] for case in cases}
    for r in range(rounds):
        for case in cases[r % len(cases) :] + cases[: r % len(cases)]:
            runs[case].append(run_case(group, case, size, work))
    measures = []
    for case in cases:
        seconds = [m.seconds for m in runs[case]]
        measures.append(
            Measure(group, case, size, statistics.median(seconds), runs[case][0].nbytes, seconds)
        )
    return measures


# VmHWM, not getrusage's ru_maxrss: Linux carries ru_maxrss over from the parent across fork and
# exec, so a child of a large benchmark process would report the parent's peak.
_PEAK_CODE = """
import pathlib, re, sys, time
from benchmarks.__main__ import GROUPS
def hwm_kb():
    with open("/proc/self/status") as status:
        return int(re.search(r"VmHWM:\\s+(\\d+)", status.read()).group(1))
group, case, n, work = sys.argv[1], sys.argv[2], int(sys.argv[3]), pathlib.Path(sys.argv[4])
before = hwm_kb()
started = time.perf_counter()
GROUPS[group].cases[case](n, work)
print(time.perf_counter() - started, hwm_kb() - before)
"""


def isolated_run(group: str, case: str, size: int, work: Path) -> tuple[float, float]:
    """Run one case again in a fresh interpreter, on the prepared input: its seconds, and how far
    its peak RSS rose (MB) above the interpreter's with every module imported."""
    out = subprocess.run(
        [sys.executable, "-c", _PEAK_CODE, group, case, str(size), str(work)],
        capture_output=True,
        text=True,
        check=True,
    )
    seconds, kb = out.stdout.split()[-2:]
    return float(seconds), int(kb) / 1024


def judge(rows: list[Measure]) -> None:
    """Fill in each row's ratios, and for cases under test their target and whether it was met."""
    for row in rows:
        same = {r.case: r for r in rows if r.group == row.group}
        naive, copy = same.get("naive"), same.get("byte copy")
        row.x_naive = naive.seconds / row.seconds if naive and row.seconds else None
        row.x_copy = row.seconds / copy.seconds if copy and copy.seconds else None
        target = GROUPS[row.group].targets.get(row.case)
        if target is None:
            continue
        checks: list[tuple[str, bool | None]] = []
        if target.min_x_naive is not None and row.x_naive is not None:
            checks.append((f">= {target.min_x_naive:g}x naive", row.x_naive >= target.min_x_naive))
        if target.max_x_copy is not None and row.x_copy is not None:
            checks.append((f"<= {target.max_x_copy:g}x copy", row.x_copy <= target.max_x_copy))
        if target.max_peak_mb is not None:
            ok = None if row.peak_mb is None else row.peak_mb < target.max_peak_mb
            checks.append((f"< {target.max_peak_mb:g} MB", ok))
        row.target = ", ".join(text for text, _ in checks)
        known = [ok for _, ok in checks if ok is not None]
        row.met = all(known) if known else None


def _positive(text: str) -> int:
    number = int(text)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {number}")
    return number


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--requests",
        type=int,
        default=36_000,
        help="postings of the shard-build and parse benchmarks (36,000 make one ~190 MB shard)",
    )
    parser.add_argument("--output-lines", type=int, default=50_000, help="lines of the output load")
    parser.add_argument(
        "--ingest-rows", type=int, default=300_000, help="rows of the ingest benchmark's day"
    )
    parser.add_argument(
        "--rehearsal", type=int, default=5000, help="postings of the cost benchmark's rehearsal"
    )
    parser.add_argument(
        "--rounds", type=_positive, default=5, help="runs of each case; its time is their median"
    )
    parser.add_argument("--no-memory", action="store_true", help="skip the peak-memory pass")
    parser.add_argument("--no-scaling", action="store_true", help="skip the scaling chart")
    parser.add_argument("--only", choices=sorted([*GROUPS, COST]), help="run one benchmark")
    parser.add_argument(
        "--scaling-sizes",
        type=lambda text: [int(n) for n in text.split(",")],
        default=list(scaling.SIZES),
        help="postings at each point of the scaling chart, comma-separated",
    )
    parser.add_argument(
        "--sensor-batches",
        type=lambda text: [int(n) for n in text.split(",")],
        default=list(sensor.SIZES),
        help="batches in flight for each sensor measurement, comma-separated",
    )
    parser.add_argument("--json", type=Path, default=RESULTS_FILE, help="where results go")
    parser.add_argument("--chart", type=Path, default=scaling.CHART, help="where the chart goes")
    args = parser.parse_args(argv)
    print(
        f"python {sys.version.split()[0]}, load average {os.getloadavg()[0]:.1f}, "
        f"median of {args.rounds} rounds",
        flush=True,
    )
    rows: list[Measure] = []
    for name, group in GROUPS.items():
        if args.only and name != args.only:
            continue
        size = getattr(args, group.size)
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            group.prepare(size, work)
            for measure in run_rounds(name, size, work, args.rounds):
                # Peak memory is measured for the cases under test only: the baselines' would
                # double the run (the naive output load alone takes a minute or more).
                if not args.no_memory and measure.case not in BASELINES:
                    measure.peak_mb = isolated_run(name, measure.case, size, work)[1]
                rows.append(measure)
                spread = f"{min(measure.runs):.2f}-{max(measure.runs):.2f}"
                print(
                    f"  {name:13} {measure.case:10} {measure.seconds:8.2f} s  (runs {spread})",
                    flush=True,
                )
    judge(rows)
    ticks = [] if args.only else sensor.run(tuple(args.sensor_batches))
    points = [] if args.no_scaling or args.only else scaling.run(isolated_run, args.scaling_sizes)
    if rows:
        print()
        print(render(rows))
    if ticks:
        print()
        print(render_sensor(ticks))
    if args.only in (None, COST):
        with tempfile.TemporaryDirectory() as tmp:
            print()
            print(cost.render(*cost.compare(Path(tmp))))
            count = args.rehearsal
            print(cost.render_rehearsal(count, *cost.rehearse(Path(tmp), count)))
    if rows:
        report = {
            "load_average": os.getloadavg()[0],
            "rounds": args.rounds,
            "rows": [asdict(row) for row in rows],
            "sensor": [asdict(tick) for tick in ticks],
            "scaling": [asdict(point) for point in points],
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
        print(f"\nresults written to {args.json}")
    if points:
        print(f"scaling chart drawn in {scaling.draw(points, args.chart)}")
    return 0


def _ratio(value: float | None, digits: int) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def render(rows: list[Measure]) -> str:
    header = "| benchmark | case | size | seconds | MB/s | x naive | x byte copy | peak RSS growth MB | target | met |"
    lines = [header, "|" + "---|" * 10]
    for row in rows:
        mb_s = row.nbytes / 1e6 / row.seconds if row.seconds else float("inf")
        met = {None: "", True: "yes", False: "**no**"}[row.met] if row.target else ""
        lines.append(
            f"| {row.group} | {row.case} | {row.size:,} | {row.seconds:.2f} | {mb_s:.0f} | "
            f"{_ratio(row.x_naive, 2)} | {_ratio(row.x_copy, 1)} | {_ratio(row.peak_mb, 0)} | "
            f"{row.target} | {met} |"
        )
    lines.append("")
    lines.append("x naive: how many times faster than the naive path (higher is better);")
    lines.append(
        "x byte copy: how many times slower than copying the same bytes (lower is better)."
    )
    return "\n".join(lines)


# Issue 13's bounds on a tick's provider work: seconds for 500 and for 5,000 batches in flight.
SENSOR_TARGET_SECONDS = {500: 10.0, 5_000: 30.0}


def render_sensor(ticks: list[sensor.SensorMeasure]) -> str:
    lines = [
        "| sensor poll | batches in flight | seconds | provider calls | x naive | target | met |",
        "|" + "---|" * 7,
    ]
    for tick in ticks:
        naive = next(t for t in ticks if t.batches == tick.batches and t.case == "naive")
        limit = min(
            SENSOR_TARGET_SECONDS.get(tick.batches, tick.budget_seconds), tick.budget_seconds
        )
        target = f"< {limit:g} s, all found" if tick.case == "tick" else ""
        ok = tick.seconds < limit and tick.found == tick.batches
        met = ("yes" if ok else "**no**") if target else ""
        lines.append(
            f"| {tick.case} | {tick.batches:,} | {tick.seconds:.2f} | {tick.provider_calls:,} | "
            f"{naive.seconds / tick.seconds:.1f} | {target} | {met} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())

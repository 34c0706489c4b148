"""`make bench`: the benchmarks, printed as a table.

Times are ratios against baselines run in the same process, one after the other, on the same input:
the naive path (what the seed did) and a plain byte copy (the floor). Peak memory cannot be reset
inside a process, so each case runs again in a fresh subprocess of its own, which reports how far
the case raised its peak RSS above the interpreter's after imports.

    python -m benchmarks                 # 50,000 requests, the Batch API's limit per batch
    python -m benchmarks --requests 5000 # quicker
    python -m benchmarks --only ingest --ingest-rows 30000  # a smaller scrape day
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from benchmarks import ingest, output_load, shard_build

Case = Callable[[int, Path], int]


@dataclass(frozen=True)
class Group:
    """Cases that do the same work on the same input; ``prepare`` makes that input, untimed."""

    prepare: Callable[[int, Path], None]
    cases: dict[str, Case]


# The first case is the subject; "naive" and "byte copy" are the baselines.
GROUPS: dict[str, Group] = {
    "shard build": Group(
        shard_build.prepare,
        {
            "engine": shard_build.engine_build,
            "naive": shard_build.naive_build,
            "byte copy": shard_build.byte_copy,
        },
    ),
    "ingest": Group(
        ingest.prepare,
        {
            "pipeline": ingest.pipeline_ingest,
            "naive": ingest.naive_load,
            "byte copy": ingest.byte_copy,
        },
    ),
    "output load": Group(
        output_load.prepare,
        {
            "warehouse": output_load.warehouse_load,
            "naive": output_load.naive_load,
            "byte copy": output_load.byte_copy,
        },
    ),
}


@dataclass
class Measure:
    group: str
    case: str
    seconds: float
    nbytes: int
    peak_mb: float | None = None


def run_case(group: str, case: str, requests: int, work: Path) -> Measure:
    started = time.perf_counter()
    nbytes = GROUPS[group].cases[case](requests, work)
    return Measure(group, case, time.perf_counter() - started, nbytes)


# VmHWM, not getrusage's ru_maxrss: Linux carries ru_maxrss over from the parent across fork and
# exec, so a child of a large benchmark process would report the parent's peak.
_PEAK_CODE = """
import pathlib, re, sys
from benchmarks.__main__ import GROUPS
def hwm_kb():
    with open("/proc/self/status") as status:
        return int(re.search(r"VmHWM:\\s+(\\d+)", status.read()).group(1))
group, case, n, work = sys.argv[1], sys.argv[2], int(sys.argv[3]), pathlib.Path(sys.argv[4])
before = hwm_kb()
GROUPS[group].cases[case](n, work)
print(hwm_kb() - before)
"""


def peak_rss_mb(group: str, case: str, requests: int, work: Path) -> float:
    """Run one case again in a fresh interpreter, on the prepared input: how far its peak RSS rose
    above the interpreter's with every module imported."""
    out = subprocess.run(
        [sys.executable, "-c", _PEAK_CODE, group, case, str(requests), str(work)],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(out.stdout.split()[-1]) / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=50_000)
    parser.add_argument(
        "--ingest-rows", type=int, default=300_000, help="rows of the ingest benchmark's day"
    )
    parser.add_argument("--no-memory", action="store_true", help="skip the peak-memory pass")
    parser.add_argument("--only", choices=sorted(GROUPS), help="run one benchmark")
    args = parser.parse_args(argv)
    print(f"{args.requests:,} requests per case; python {sys.version.split()[0]}", flush=True)
    rows: list[Measure] = []
    for name, group in GROUPS.items():
        if args.only and name != args.only:
            continue
        size = args.ingest_rows if name == "ingest" else args.requests  # rows, not requests
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            group.prepare(size, work)
            for case in group.cases:
                measure = run_case(name, case, size, work)
                if not args.no_memory:
                    measure.peak_mb = peak_rss_mb(name, case, size, work)
                rows.append(measure)
                print(f"  {name:12} {case:10} {measure.seconds:8.2f} s", flush=True)
    print()
    print(render(rows))
    return 0


def render(rows: list[Measure]) -> str:
    header = "| benchmark | case | seconds | MB/s | x naive | x byte copy | peak RSS growth MB |"
    lines = [header, "|" + "---|" * 7]
    for row in rows:
        same = {r.case: r for r in rows if r.group == row.group}
        naive, copy = same.get("naive"), same.get("byte copy")
        mb_s = row.nbytes / 1e6 / row.seconds if row.seconds else float("inf")
        x_naive = f"{naive.seconds / row.seconds:.2f}" if naive else "-"
        x_copy = f"{row.seconds / copy.seconds:.1f}" if copy else "-"
        peak = f"{row.peak_mb:.0f}" if row.peak_mb is not None else "-"
        lines.append(
            f"| {row.group} | {row.case} | {row.seconds:.2f} | {mb_s:.0f} | {x_naive} | {x_copy} | {peak} |"
        )
    lines.append("")
    lines.append("x naive: how many times faster than the naive path (higher is better);")
    lines.append(
        "x byte copy: how many times slower than copying the same bytes (lower is better)."
    )
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())

"""How build, parse and load grow with the number of postings: time and peak memory, drawn as a PNG.

Each point runs its case once in a fresh interpreter (``isolated_run``), which reports both its time
and how far it raised peak RSS; a 200,000-posting build writes several full shards.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks import answers, shard_build

SIZES = (1_000, 10_000, 50_000, 200_000)
CHART = Path("docs/bench-scaling.png")
# (benchmark group, case) of each curve, under the label the chart gives it.
CURVES = {
    "build (build_shards)": ("shard build", "engine"),
    "parse (parse_results)": ("parse results", "verb"),
    "load (raw_outputs)": ("output load", "warehouse"),
}

IsolatedRun = Callable[[str, str, int, Path], tuple[float, float]]


@dataclass(frozen=True)
class Point:
    curve: str
    postings: int
    seconds: float
    peak_mb: float


def run(isolated_run: IsolatedRun, sizes: Sequence[int] = SIZES) -> list[Point]:
    points = []
    for size in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            shard_build.prepare(size, work)
            answers.write_output(work, size)
            for curve, (group, case) in CURVES.items():
                seconds, peak = isolated_run(group, case, size, work)
                points.append(Point(curve, size, seconds, peak))
                print(
                    f"  scaling {curve:22} {size:>8,} {seconds:8.2f} s {peak:6.0f} MB", flush=True
                )
    return points


def draw(points: Sequence[Point], path: Path = CHART) -> Path:
    import matplotlib

    matplotlib.use("Agg")  # no display here; a PNG file is the output
    import matplotlib.pyplot as plt

    figure, (time_axis, memory_axis) = plt.subplots(1, 2, figsize=(11, 4.2))
    for curve in CURVES:
        mine = sorted((p for p in points if p.curve == curve), key=lambda p: p.postings)
        sizes = [p.postings for p in mine]
        time_axis.plot(sizes, [p.seconds for p in mine], marker="o", label=curve)
        memory_axis.plot(sizes, [p.peak_mb for p in mine], marker="o", label=curve)
    time_axis.set(xscale="log", yscale="log", xlabel="postings", ylabel="seconds", title="Time")
    memory_axis.set(xscale="log", xlabel="postings", ylabel="peak RSS growth (MB)", title="Memory")
    for axis in (time_axis, memory_axis):
        axis.grid(True, which="both", alpha=0.3)
        axis.legend()
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path

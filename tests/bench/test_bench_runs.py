"""`make bench` keeps working: a small run prints every case in the table, writes them to its JSON
file and draws the scaling chart (no timing is asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from benchmarks.cost import COST_TITLE

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SUBJECTS = {
    "shard build": ("engine", "verb"),
    "parse results": ("verb",),
    "output load": ("warehouse",),
    "ingest": ("pipeline",),
}


def test_a_small_benchmark_run_prints_writes_and_draws_every_case(tmp_path: Path) -> None:
    results, chart = tmp_path / "bench.json", tmp_path / "scaling.png"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks",
            *("--requests", "300", "--output-lines", "300", "--ingest-rows", "300"),
            *("--rehearsal", "400", "--rounds", "2"),
            # The scaling points run in subprocesses that measure peak memory, so the per-case
            # memory pass (the same mechanism) is left out to keep the suite fast.
            "--no-memory",
            *(
                "--scaling-sizes",
                "100",
                "--sensor-batches",
                "150",
                "--json",
                str(results),
                "--chart",
                str(chart),
            ),
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    timing, costs = result.stdout.split(COST_TITLE)
    expected = {
        (group, case)
        for group, subjects in SUBJECTS.items()
        for case in (*subjects, "naive", "byte copy")
    } | {("ingest", "warehouse floor")}
    # the cost benchmark: both nights per stage, the share, the leads compared, the estimate's error
    nights = {line.split("|")[1].strip() for line in costs.splitlines() if line.startswith("| ")}
    assert nights == {"night", "default", "analyze-all"}
    assert "finding the leads (qualify + analyze) = " in costs and "of analyze-all" in costs
    assert "the whole night (with parse and outreach) = " in costs
    assert "leads: default " in costs and "estimate error" in costs
    assert "rehearsal: the default night on 400 postings" in costs
    cells = [line.split("|")[1:3] for line in timing.splitlines() if line.startswith("| ")]
    rows = {(group.strip(), case.strip()) for group, case in cells if group.strip() in SUBJECTS}
    assert rows == expected
    report = json.loads(results.read_text())
    assert {(row["group"], row["case"]) for row in report["rows"]} == expected
    subjects = [row for row in report["rows"] if row["case"] in SUBJECTS[row["group"]]]
    assert all(row["x_naive"] > 0 for row in subjects)
    # each case ran once per round, and its time is the median of its runs
    assert report["rounds"] == 2 and all(len(row["runs"]) == 2 for row in report["rows"])
    assert all(row["seconds"] == sum(row["runs"]) / 2 for row in report["rows"])
    assert sorted(p["postings"] for p in report["scaling"]) == [100, 100, 100]
    assert len({p["curve"] for p in report["scaling"]}) == 3
    assert all(p["peak_mb"] >= 0 and p["seconds"] > 0 for p in report["scaling"])
    assert chart.read_bytes().startswith(b"\x89PNG")
    tick, naive = sorted(report["sensor"], key=lambda t: t["case"] != "tick")
    assert (tick["found"], naive["found"]) == (150, 150)
    assert tick["provider_calls"] < naive["provider_calls"] == 150  # list pages, not retrieves
    assert "| sensor poll |" in timing

"""`make bench` keeps working: a small run prints every case in the table (no timing is asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from benchmarks.cost import COST_TITLE

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def test_a_small_benchmark_run_prints_every_case() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks",
            "--requests",
            "300",
            "--ingest-rows",
            "300",
            "--rehearsal",
            "400",
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    timing, costs = result.stdout.split(COST_TITLE)
    rows = [line.split("|")[1:3] for line in timing.splitlines() if line.startswith("| ")]
    cases = {(group.strip(), case.strip()) for group, case in rows[1:]}
    assert cases == {
        (group, case)
        for group, subject in (
            ("shard build", "engine"),
            ("ingest", "pipeline"),
            ("output load", "warehouse"),
        )
        for case in (subject, "naive", "byte copy")
    }
    # the cost benchmark: both nights per stage, the share, the leads compared, the estimate's error
    nights = {line.split("|")[1].strip() for line in costs.splitlines() if line.startswith("| ")}
    assert nights == {"night", "default", "analyze-all"}
    assert "default night = " in costs and "of analyze-all" in costs
    assert "leads: default " in costs and "estimate error" in costs
    assert "rehearsal: the default night on 400 postings" in costs

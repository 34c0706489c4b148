"""`make bench` keeps working: a small run prints every case in the table (no timing is asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def test_a_small_benchmark_run_prints_every_case() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--requests", "300", "--ingest-rows", "300"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    rows = [line.split("|")[1:3] for line in result.stdout.splitlines() if line.startswith("| ")]
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

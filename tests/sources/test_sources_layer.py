"""The sources layer stands alone: plain Python that imports neither Dagster nor the other layers."""

from __future__ import annotations

import subprocess
import sys

FORBIDDEN = (
    "dagster",
    "openai",
    "duckdb",
    "jobbatch_dagster.defs",
    "jobbatch_dagster.batch",
    "jobbatch_dagster.warehouse",
    "jobbatch_dagster.emulator",
)


def test_importing_sources_loads_no_other_layer() -> None:
    probe = (
        "import sys, jobbatch_dagster.sources\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r} or m.startswith({FORBIDDEN!r})))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True
    )
    assert loaded.stdout.strip() == "[]"

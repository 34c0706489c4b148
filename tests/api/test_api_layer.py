"""The HTTP API sits on the engine, the warehouse and the follow-up: serving it loads neither
Dagster nor defs/ (nor the emulator); only its night worker, the process that runs a day on the
Dagster instance, does."""

from __future__ import annotations

import subprocess
import sys

PROBE = (
    "import sys, {modules}\n"
    "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dagster', 'dagster_duckdb') "
    "or m.startswith(('jobbatch_dagster.defs', 'jobbatch_dagster.emulator'))))"
)


def _loaded(*modules: str) -> str:
    probe = PROBE.format(modules=", ".join(modules))
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    return result.stdout.strip()


def test_the_app_loads_neither_dagster_nor_defs() -> None:
    assert _loaded("jobbatch_dagster.api.app") == "[]"


def test_the_night_worker_is_the_way_into_dagster() -> None:
    assert "jobbatch_dagster.defs" in _loaded("jobbatch_dagster.api.night_worker")

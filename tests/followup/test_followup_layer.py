"""The live follow-up is plain Python: the agent and the engine's live client import neither
Dagster nor defs/, nor the emulator (the other side of the wire)."""

from __future__ import annotations

import subprocess
import sys


def test_followup_imports_neither_dagster_nor_defs_nor_the_emulator() -> None:
    probe = (
        "import sys, jobbatch_dagster.followup, jobbatch_dagster.batch.live\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dagster', 'dagster_duckdb') "
        "or m.startswith(('jobbatch_dagster.defs', 'jobbatch_dagster.emulator'))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[]"

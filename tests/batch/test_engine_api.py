"""The public surface: the guide's names at package top level, cheap to import, all resolvable."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import jobbatch_dagster.batch as engine


def test_importing_the_package_loads_neither_dagster_nor_the_sdk() -> None:
    code = (
        "import sys, jobbatch_dagster, jobbatch_dagster.batch\n"
        "print(sorted(m for m in ('dagster', 'openai') if m in sys.modules))\n"
        "from jobbatch_dagster import BatchProcessor, process_jobs_batch\n"
        "print(BatchProcessor.__name__, process_jobs_batch.__name__, 'dagster' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.splitlines() == ["[]", "BatchProcessor process_jobs_batch False"]


def test_every_exported_name_resolves() -> None:
    assert all(getattr(engine, name) is not None for name in engine.__all__)
    assert {"build_shards", "submit_shard", "download_results", "classify_requests"} <= set(
        engine.__all__
    )


def test_the_engine_never_imports_dagster_defs_or_the_emulator() -> None:
    sources = Path(engine.__file__).parent.glob("*.py")
    forbidden = (
        "import dagster",
        "from dagster",
        "jobbatch_dagster.defs",
        "jobbatch_dagster.emulator",
    )
    offenders = [(p.name, f) for p in sources for f in forbidden if f in p.read_text()]
    assert offenders == []

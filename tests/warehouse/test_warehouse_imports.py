"""warehouse/ is plain Python over DuckDB: usable without Dagster, and it never pulls it in."""

from __future__ import annotations

import subprocess
import sys

MODULES = (
    "schema", "loads", "ledger", "results", "results_schema", "views", "queries", "frames", "rows",
    "reports", "conversations", "leads",
)  # fmt: skip


def test_warehouse_modules_import_neither_dagster_nor_defs() -> None:
    imports = "; ".join(f"import jobbatch_dagster.warehouse.{m}" for m in MODULES)
    probe = (
        f"import sys; {imports}; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('dagster', 'dagster_duckdb') "
        "or m.startswith('jobbatch_dagster.defs')); print(bad)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[]"

"""The persistent Dagster instance under data/, shared by `make demo`, `make dev` and the UI.

`dagster.yaml` is written once (an existing one is left alone, so a user's edits survive):
- every pool defaults to one slot. The only pool is ``duckdb``, shared by the assets that write the
  warehouse, because DuckDB allows one writing process at a time;
- telemetry is off: this tool runs unattended overnight and sends nothing anywhere;
- run monitoring is on, so a run whose worker never starts, or runs past the maximum runtime, is
  failed, and a failed run's pool slots are freed. The default run launcher cannot tell the daemon
  whether a worker killed with -9 is still alive, so such a run stays STARTED and keeps its slot;
  ``stale_run_watchdog`` (defs/watchdog.py) fails those and frees their slots.

A dagster.yaml this module wrote before run monitoring existed gets the block appended once.
"""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_DAGSTER_HOME = Path("data/dagster_home")
DUCKDB_POOL = "duckdb"

DAGSTER_YAML = """\
# Written by jobbatch-dagster (jobbatch_dagster/home.py); edit freely, it is not overwritten.
concurrency:
  pools:
    # One slot per pool. The only pool is "duckdb": DuckDB allows one writing process.
    default_limit: 1
telemetry:
  enabled: false
"""
RUN_MONITORING = """\
run_monitoring:
  # Fail runs whose worker never started or ran too long, and free the pool slots of ended runs.
  enabled: true
  start_timeout_seconds: 180
  max_runtime_seconds: 10800  # 3 h: a night's biggest run uploads or downloads a few 200 MB files
  free_slots_after_run_end_seconds: 60
  poll_interval_seconds: 30
"""


def prepare_dagster_home(path: Path | None = None) -> Path:
    """Create the instance folder with its dagster.yaml and return its absolute path.

    Uses ``path``, else ``$DAGSTER_HOME``, else ``data/dagster_home``.
    """
    home = (path or Path(os.environ.get("DAGSTER_HOME") or DEFAULT_DAGSTER_HOME)).resolve()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text(DAGSTER_YAML + RUN_MONITORING, encoding="utf-8")
    else:
        text = config.read_text(encoding="utf-8")
        if text.startswith(DAGSTER_YAML.splitlines()[0]) and "run_monitoring:" not in text:
            config.write_text(text.rstrip("\n") + "\n" + RUN_MONITORING, encoding="utf-8")
    return home

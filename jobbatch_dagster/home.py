"""The persistent Dagster instance under data/, shared by `make demo`, `make dev` and the UI.

`dagster.yaml` is written once (an existing one is left alone, so a user's edits survive):
- every pool defaults to one slot. The only pool is ``duckdb``, shared by the assets that write the
  warehouse, because DuckDB allows one writing process at a time;
- telemetry is off: this tool runs unattended overnight and sends nothing anywhere.
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


def prepare_dagster_home(path: Path | None = None) -> Path:
    """Create the instance folder with its dagster.yaml and return its absolute path.

    Uses ``path``, else ``$DAGSTER_HOME``, else ``data/dagster_home``.
    """
    home = (path or Path(os.environ.get("DAGSTER_HOME") or DEFAULT_DAGSTER_HOME)).resolve()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text(DAGSTER_YAML, encoding="utf-8")
    return home

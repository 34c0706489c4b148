"""The Dagster layer: assets, sensor, schedule, checks and resources, built from one Settings.

Everything is built by :func:`build_defs` so tests can point the same definitions at temporary
folders; ``jobbatch_dagster.definitions`` builds them from ``jobbatch.toml``.
"""

from __future__ import annotations

import dagster as dg

from jobbatch_dagster.defs.ingest.assets import build_scraped_jobs
from jobbatch_dagster.defs.partitions import scrape_date_partitions
from jobbatch_dagster.defs.resources import warehouse_resource
from jobbatch_dagster.settings import Settings, load_settings


def build_defs(settings: Settings | None = None) -> dg.Definitions:
    """The project's definitions for these settings (default: the configuration file)."""
    settings = settings or load_settings()
    partitions = scrape_date_partitions(settings)
    return dg.Definitions(
        assets=[build_scraped_jobs(settings, partitions)],
        resources={"duckdb": warehouse_resource(settings)},
    )

"""The Dagster layer: assets (each with its checks), sensor, schedule and resources, from one Settings.

Everything is built by :func:`build_defs` so tests can point the same definitions at temporary
folders; ``jobbatch_dagster.definitions`` builds them from ``jobbatch.toml``.
"""

from __future__ import annotations

import dagster as dg

from jobbatch_dagster.defs.ingest.assets import build_scraped_jobs
from jobbatch_dagster.defs.jobs import build_harvest_job, build_nightly_job, build_retry_job
from jobbatch_dagster.defs.leads.assets import build_qualified_leads
from jobbatch_dagster.defs.partitions import scrape_date_partitions
from jobbatch_dagster.defs.resources import OpenAIBatchResource, warehouse_resource
from jobbatch_dagster.defs.schedules import build_nightly_schedule
from jobbatch_dagster.defs.sensors import build_batch_status_sensor
from jobbatch_dagster.defs.stages.factory import build_stage_chain
from jobbatch_dagster.defs.watchdog import build_stale_run_watchdog
from jobbatch_dagster.settings import Settings, load_settings


def build_defs(settings: Settings | None = None) -> dg.Definitions:
    """The project's definitions for these settings (default: the configuration file)."""
    settings = settings or load_settings()
    partitions = scrape_date_partitions(settings)
    assets = [build_scraped_jobs(settings, partitions)]
    for stage in settings.stages:
        assets += build_stage_chain(settings, stage, partitions)
    assets.append(build_qualified_leads(settings, partitions))
    nightly = build_nightly_job(settings)
    harvest = build_harvest_job()
    return dg.Definitions(
        assets=assets,
        jobs=[nightly, harvest, build_retry_job(settings)],
        schedules=[build_nightly_schedule(settings, nightly)],
        sensors=[
            build_batch_status_sensor(settings, harvest),
            build_stale_run_watchdog(settings.instance.watchdog_interval_seconds),
        ],
        resources={
            "duckdb": warehouse_resource(settings),
            "openai_batch": OpenAIBatchResource(),
        },
    )

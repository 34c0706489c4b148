"""The two jobs: the nightly submission, and the harvest runs the sensor requests."""

from __future__ import annotations

import dagster as dg

from jobbatch_dagster.defs.stages.keys import SCRAPED_JOBS_KEY, batch_input_key, batch_key
from jobbatch_dagster.settings import Settings

NIGHTLY_JOB = "nightly_job"
RETRY_JOB = "retry_requests_job"
HARVEST_JOB = "batch_harvest_job"

# A launched run executes its steps in its own process: nearly every step writes the warehouse and
# waits for the one slot of the duckdb pool anyway, so a subprocess per step (the default executor)
# would add a Python start per step and no parallelism.
RUN_EXECUTOR = dg.in_process_executor

# What `dg.define_asset_job` returns: Dagster exports the function but not the class, so the type
# is named after what the public function gives (Dagster's private modules break on upgrade).
AssetJob = type(dg.define_asset_job("asset_job"))


def build_nightly_job(settings: Settings) -> AssetJob:
    """Read the day's postings and submit the first stages; launch it by hand or backfill days."""
    first = [s.task for s in settings.stages if s.after is None]
    keys = [SCRAPED_JOBS_KEY, *(k for s in first for k in (batch_input_key(s), batch_key(s)))]
    return dg.define_asset_job(
        NIGHTLY_JOB,
        executor_def=RUN_EXECUTOR,
        selection=dg.AssetSelection.assets(*keys),
        description=(
            "Reads a scrape day's postings and submits their first-stage batches. "
            "batch_status_sensor takes over from there."
        ),
    )


def build_harvest_job() -> AssetJob:
    """Everything after a submission; the sensor selects the part one finished stage unlocks."""
    return dg.define_asset_job(
        HARVEST_JOB,
        executor_def=RUN_EXECUTOR,
        selection=dg.AssetSelection.all() - dg.AssetSelection.assets(SCRAPED_JOBS_KEY),
        description="Harvest runs requested by batch_status_sensor (one per finished stage and day).",
    )


def build_retry_job(settings: Settings) -> AssetJob:
    """A person's retry of a day: launch it for the partition with, for the stage to retry,
    ``ops: {<stage>_batch: {config: {retry_requests: true}}}``."""
    return dg.define_asset_job(
        RETRY_JOB,
        executor_def=RUN_EXECUTOR,
        selection=dg.AssetSelection.assets(*(batch_key(s.task) for s in settings.stages)),
        description=(
            "Sends a day's dead-lettered and cancelled requests again, for the stages whose "
            "`<stage>_batch` config sets retry_requests: true; batch_status_sensor harvests them."
        ),
    )

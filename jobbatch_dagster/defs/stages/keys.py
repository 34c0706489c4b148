"""Asset names of a stage chain, and what runs once a stage's batches for a day are finished."""

from __future__ import annotations

import dagster as dg

from jobbatch_dagster.settings import Settings
from jobbatch_dagster.warehouse.results_schema import RESULT_TABLES

LEADS_KEY = dg.AssetKey("qualified_leads")
SCRAPED_JOBS_KEY = dg.AssetKey("scraped_jobs")


def batch_input_key(stage: str) -> dg.AssetKey:
    return dg.AssetKey(f"{stage}_batch_input")


def batch_key(stage: str) -> dg.AssetKey:
    return dg.AssetKey(f"{stage}_batch")


def raw_output_key(stage: str) -> dg.AssetKey:
    return dg.AssetKey(f"{stage}_raw_output")


def results_key(stage: str) -> dg.AssetKey:
    return dg.AssetKey(RESULT_TABLES[stage])


def next_stages(settings: Settings, stage: str) -> list[str]:
    """Stages that run on the postings this stage qualifies."""
    return [s.task for s in settings.stages if s.after == stage]


def harvest_selection(settings: Settings, stage: str) -> list[dg.AssetKey]:
    """What one run materializes when a (stage, day)'s batches are terminal: the stage's output,
    typed results and the leads, then the submission of every stage that follows it."""
    keys = [raw_output_key(stage), results_key(stage), LEADS_KEY]
    for follower in next_stages(settings, stage):
        keys += [batch_input_key(follower), batch_key(follower)]
    return keys

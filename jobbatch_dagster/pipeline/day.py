"""A whole scrape day in one call, without Dagster: every stage in config order, then the leads.

Dagster spreads these steps over runs the sensor starts hours apart; this runs them back to back,
waiting on the provider between submit and harvest, and resubmitting what a harvest left to send. The CLI, scripts and tests use it; it calls the
same step functions the assets do, so the two cannot drift.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date, datetime

import duckdb

from jobbatch_dagster.batch.client import BatchClient
from jobbatch_dagster.pipeline.harvest import Harvest, harvest_stage
from jobbatch_dagster.pipeline.inputs import StageInput, build_stage_input
from jobbatch_dagster.pipeline.leads import LeadsBuilt, build_leads
from jobbatch_dagster.pipeline.results import StageResults, load_results
from jobbatch_dagster.pipeline.submit import StageSubmission, retry_stage, submit_stage
from jobbatch_dagster.settings import Settings, StageConfig


@dataclass(frozen=True)
class Patience:
    """How long to wait on the provider: a real batch may take its whole 24 h window."""

    poll_seconds: float = 60.0
    timeout_seconds: float = 86_400.0


@dataclass(frozen=True)
class StageDay:
    """One stage's day: what was built, submitted, harvested and loaded."""

    built: StageInput
    submitted: StageSubmission
    harvested: Harvest
    results: StageResults


@dataclass
class DayRun:
    stages: dict[str, StageDay] = field(default_factory=dict)
    leads: LeadsBuilt | None = None
    # earlier days whose cancelled requests this night sent again: each settled as a day of its own
    resumed: dict[date, DayRun] = field(default_factory=dict)


def run_stage_day(
    con: duckdb.DuckDBPyConnection,
    client: BatchClient,
    settings: Settings,
    stage: StageConfig,
    day: date,
    patience: Patience = Patience(),
    *,
    night_began: datetime | None = None,
) -> StageDay:
    """Build, submit, wait for every batch to finish, harvest and load one stage's day (with
    ``night_began``, also sending earlier days' cancelled requests: see
    :func:`~jobbatch_dagster.pipeline.submit.submit_stage`)."""
    built = build_stage_input(con, settings, stage, day)
    submitted = submit_stage(con, client, settings, stage, day, night_began=night_began)
    harvested = _until_settled(con, client, settings, stage, day, submitted, patience)
    return StageDay(built, submitted, harvested, load_results(con, stage.task, day))


def _until_settled(
    con: duckdb.DuckDBPyConnection,
    client: BatchClient,
    settings: Settings,
    stage: StageConfig,
    day: date,
    submitted: StageSubmission,
    patience: Patience,
) -> Harvest:
    """Wait for the batches and harvest them; while the harvest leaves requests to send
    (follow-ups, queued shards), submit again after the ``[retries]`` backoff, as the sensor
    does. Ends when nothing is left to send or a submission creates nothing new."""
    while True:
        for batch in submitted.batches:
            client.wait(
                batch.batch_id, interval=patience.poll_seconds, timeout=patience.timeout_seconds
            )
        harvested = harvest_stage(con, client, settings, stage, day)
        if not harvested.to_send:
            return harvested
        time.sleep(settings.retries.delay_before_retry(max(harvested.attempt, 1)))
        submitted = submit_stage(con, client, settings, stage, day)
        if not submitted.created:
            return harvested


@dataclass(frozen=True)
class StageRetry:
    """A person's retry of one stage's day: how many requests were reopened, and what followed."""

    reopened: int
    submitted: StageSubmission
    harvested: Harvest
    results: StageResults


def retry_stage_day(
    con: duckdb.DuckDBPyConnection,
    client: BatchClient,
    settings: Settings,
    stage: StageConfig,
    day: date,
    patience: Patience = Patience(),
) -> StageRetry:
    """Send a (stage, day)'s dead letters and cancelled requests again, wait for the batches,
    harvest and load them (``jobbatch requests retry``); with Dagster, ``retry_requests_job``."""
    reopened, submitted = retry_stage(con, client, settings, stage, day)
    harvested = _until_settled(con, client, settings, stage, day, submitted, patience)
    return StageRetry(reopened, submitted, harvested, load_results(con, stage.task, day))


def stages_in_order(settings: Settings) -> list[StageConfig]:
    """The configured stages, each after the stage it runs on (``after``)."""
    ordered: list[StageConfig] = []
    waiting = list(settings.stages)
    while waiting:
        done = {s.task for s in ordered}
        ready = [s for s in waiting if s.after is None or s.after in done]
        if not ready:
            raise ValueError(
                "stages wait on each other or on an unknown stage: "
                + ", ".join(f"{s.task} after {s.after}" for s in waiting)
                + "; fix `after` in the [stages] tables of the config file"
            )
        ordered += ready
        waiting = [s for s in waiting if s not in ready]
    return ordered


def run_day(
    con: duckdb.DuckDBPyConnection,
    client: BatchClient,
    settings: Settings,
    day: date,
    patience: Patience = Patience(),
) -> DayRun:
    """Every stage of the day (a stage's ``after`` first), then the leads: a scheduled night.

    As the nightly schedule's run does, each stage's submission also sends what a person's cancel
    (harvested before this call) left waiting on earlier days; each such day is then run again
    (nothing answered is paid twice), which waits for those batches, harvests them and rebuilds
    that day's later stages and leads. The day's postings must already be in the warehouse
    (``scraped_jobs``).
    """
    began = datetime.now()  # local time, as the warehouse stamps its rows
    run = _stages_and_leads(con, client, settings, day, patience, night_began=began)
    earlier = sorted({d for s in run.stages.values() for d in s.submitted.resumed})
    for resumed in earlier:
        run.resumed[resumed] = _stages_and_leads(con, client, settings, resumed, patience)
    return run


def _stages_and_leads(
    con: duckdb.DuckDBPyConnection,
    client: BatchClient,
    settings: Settings,
    day: date,
    patience: Patience,
    *,
    night_began: datetime | None = None,
) -> DayRun:
    run = DayRun()
    for stage in stages_in_order(settings):
        run.stages[stage.task] = run_stage_day(
            con, client, settings, stage, day, patience, night_began=night_began
        )
    run.leads = build_leads(con, settings, day)
    return run

"""A (stage, day)'s harvest run is retried until it succeeds, a bounded number of times.

``batch_status_sensor`` keeps a submission open after it requested its harvest, and on each later
tick reads that harvest's runs from the instance (by the ``jobbatch/harvest`` tag every attempt
carries): a success closes the submission; a failure is requested again as the next attempt, with
a run key of its own, once the backoff of ``[retries]`` has passed, until ``max_attempts`` runs
have failed; a run a person cancelled is their decision and is not retried.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import dagster as dg

from jobbatch_dagster.defs.schedules import NIGHT_TAG
from jobbatch_dagster.defs.stages.keys import harvest_selection
from jobbatch_dagster.pipeline.tracking import WatchedSubmission
from jobbatch_dagster.settings import RetrySettings, Settings

HARVEST_TAG = "jobbatch/harvest"  # the submission's run key, on every attempt's run
ATTEMPT_TAG = "jobbatch/attempt"
# Dagster's documented tag for the run key of a sensor's run (the constant itself is private):
# runs made before HARVEST_TAG existed are found by it.
RUN_KEY_TAG = "dagster/run_key"
FINISHED = {
    dg.DagsterRunStatus.SUCCESS,
    dg.DagsterRunStatus.FAILURE,
    dg.DagsterRunStatus.CANCELED,
}


@dataclass(frozen=True)
class HarvestRun:
    """What the sensor needs of one attempt's run."""

    status: dg.DagsterRunStatus
    ended_at: float | None


@dataclass(frozen=True)
class NextStep:
    action: Literal["request", "wait", "close", "give_up"]
    attempt: int = 0


def harvest_runs(instance: dg.DagsterInstance, submission: WatchedSubmission) -> list[HarvestRun]:
    """Every run requested to harvest this submission, by any attempt."""
    records = instance.get_run_records(
        filters=dg.RunsFilter(tags={HARVEST_TAG: submission.run_key})
    ) or instance.get_run_records(filters=dg.RunsFilter(tags={RUN_KEY_TAG: submission.run_key}))
    return [HarvestRun(r.dagster_run.status, r.end_time) for r in records]


def next_step(runs: Sequence[HarvestRun], retries: RetrySettings, now: float) -> NextStep:
    """What to do about a submission whose batches are all terminal, given its harvest runs."""
    if not runs:
        return NextStep("request", 1)
    statuses = {r.status for r in runs}
    if dg.DagsterRunStatus.SUCCESS in statuses or dg.DagsterRunStatus.CANCELED in statuses:
        return NextStep("close")
    if not statuses <= FINISHED:
        return NextStep("wait")  # queued or running
    if len(runs) >= retries.max_attempts:
        return NextStep("give_up")
    last_end = max(r.ended_at or 0.0 for r in runs)
    if now < last_end + retries.delay_before_retry(len(runs)):
        return NextStep("wait")
    return NextStep("request", len(runs) + 1)


def harvest_request(
    settings: Settings, submission: WatchedSubmission, attempt: int
) -> dg.RunRequest:
    """The run that harvests a submission; each attempt has its own run key."""
    return dg.RunRequest(
        run_key=submission.run_key if attempt == 1 else f"{submission.run_key}:{attempt}",
        partition_key=submission.day,
        asset_selection=harvest_selection(settings, submission.stage),
        tags={
            "jobbatch/stage": submission.stage,
            HARVEST_TAG: submission.run_key,
            ATTEMPT_TAG: str(attempt),
            # the night goes on: the next stages' submissions in this run are the night's too
            **({NIGHT_TAG: submission.night} if submission.night else {}),
        },
    )

"""Provider storms and failed harvest runs heal without a person: the provider-facing steps retry
with backoff, and batch_status_sensor requests a failed harvest again on a later tick."""

from __future__ import annotations

import dataclasses

import dagster as dg
import pytest

from jobbatch_dagster.defs import build_defs
from jobbatch_dagster.defs.driver import NightReport
from jobbatch_dagster.defs.harvest_retries import ATTEMPT_TAG, HarvestRun, NextStep, next_step
from jobbatch_dagster.settings import RetrySettings
from tests.pipeline.nights import DAY1, Pipeline

# a failed run must give its `duckdb` pool slot back: the nights run on a persistent instance
pytestmark = pytest.mark.pooled_instance
FAILED, DONE = dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.SUCCESS
RETRIES = RetrySettings(max_attempts=3, backoff_seconds=10)


@pytest.fixture
def fast(pipeline: Pipeline) -> Pipeline:
    """The pipeline with a backoff of a few hundredths of a second, so retries do not wait."""
    settings = dataclasses.replace(pipeline.settings, retries=RetrySettings(3, 0.05))
    return Pipeline(settings, build_defs(settings), pipeline.instance, pipeline.emulator)


@pytest.mark.parametrize(
    ("runs", "now", "expected"),
    [
        ([], 0, NextStep("request", 1)),
        ([HarvestRun(dg.DagsterRunStatus.STARTED, None)], 0, NextStep("wait")),
        ([HarvestRun(dg.DagsterRunStatus.QUEUED, None)], 0, NextStep("wait")),
        ([HarvestRun(DONE, 5)], 6, NextStep("close")),
        ([HarvestRun(FAILED, 5), HarvestRun(DONE, 30)], 31, NextStep("close")),
        ([HarvestRun(dg.DagsterRunStatus.CANCELED, 5)], 99, NextStep("close")),  # a person's call
        ([HarvestRun(FAILED, 100)], 109, NextStep("wait")),  # backoff: 10 s before the 2nd
        ([HarvestRun(FAILED, 100)], 110, NextStep("request", 2)),
        ([HarvestRun(FAILED, 100), HarvestRun(FAILED, 200)], 229, NextStep("wait")),  # then 30 s
        ([HarvestRun(FAILED, 100), HarvestRun(FAILED, 200)], 230, NextStep("request", 3)),
        ([HarvestRun(FAILED, t) for t in (1, 2, 3)], 10_000, NextStep("give_up")),
    ],
)
def test_a_failed_harvest_is_retried_after_its_backoff_a_bounded_number_of_times(
    runs: list[HarvestRun], now: float, expected: NextStep
) -> None:
    assert next_step(runs, RETRIES, now) == expected


@pytest.mark.integration
def test_a_harvest_run_that_failed_is_requested_again_and_then_succeeds(fast: Pipeline) -> None:
    fast.drop(DAY1)
    driver = fast.driver
    report = NightReport(DAY1)
    assert driver.nightly(report)
    requests: list[dg.RunRequest] = []
    while not requests:
        requests = driver.tick(report)
    (request,) = requests
    # every call of the run fails: the SDK's 3 tries, for each of the step's 3 attempts
    fast.emulator.inject(http_errors={"status": 500, "count": 9, "retry_after_ms": 0})
    driver.execute(request, report)
    assert report.runs[-1].status == FAILED
    assert fast.one("SELECT count(*) FROM qualifications") == 0

    driver.settle(report)

    qualify = [r for r in report.runs if r.tags.get("jobbatch/stage") == "qualify"]
    assert [(r.tags[ATTEMPT_TAG], r.status) for r in qualify] == [("1", FAILED), ("2", DONE)]
    assert len({r.tags["dagster/run_key"] for r in qualify}) == 2
    assert fast.one("SELECT count(*) FROM qualifications") > 0
    assert fast.one("SELECT count(*) FROM qualified_leads") > 0
    assert report.failed_runs == [qualify[0]]


@pytest.mark.integration
def test_a_429_storm_on_create_outlasts_the_sdk_and_the_step_retry_rides_it_out(
    fast: Pipeline,
) -> None:
    fast.drop(DAY1)
    # the SDK tries each call 3 times; the 4th error lands on the step's second attempt
    fast.emulator.inject(http_errors={"status": 429, "count": 4, "retry_after_ms": 10})
    report = fast.night(DAY1)

    nightly = report.runs[0]
    retried = fast.instance.all_logs(nightly.run_id, of_type=dg.DagsterEventType.STEP_UP_FOR_RETRY)
    assert [e.step_key for e in retried] == ["qualify_batch"]
    assert [b.status for b in fast.provider_batches()].count("completed") >= 1
    assert fast.one("SELECT count(*) FROM batches WHERE stage = 'qualify'") == 1


@pytest.mark.integration
def test_an_error_a_retry_cannot_fix_fails_the_step_at_once(fast: Pipeline) -> None:
    fast.drop(DAY1)
    tight = dataclasses.replace(fast.settings, max_usd_per_submission=0.0001)
    report = Pipeline(tight, build_defs(tight), fast.instance, fast.emulator).driver.night(DAY1)

    (run,) = report.runs
    assert run.status == FAILED
    assert not fast.instance.all_logs(run.run_id, of_type=dg.DagsterEventType.STEP_UP_FOR_RETRY)

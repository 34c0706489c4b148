"""``batch_status_sensor``: watches the provider and starts each stage's harvest when it is done.

It learns which batches exist from the ``<stage>_batch`` materializations (their ``batch_ids``
metadata) and asks the provider about them, first through one walk of the batches list until every
watched batch is found (provider calls grow with list pages, not with batches), then one retrieve
per batch the list did not show. It never opens DuckDB, so it never waits on a run
that is writing the warehouse. Each tick does bounded work and stops early near its time budget;
what it did not get to, the next tick does. A scheduled night's submission that sent earlier
days' cancelled requests (``resumed_batch_ids``) is watched as one submission per day. A
submission stays open until its harvest run
succeeded: a failed harvest is requested again on a later tick (``harvest_retries.py``), and a
harvest that left requests to send is followed by another submission of the day (``resend.py``).
"""

import logging
import time

import dagster as dg
import openai

from jobbatch_dagster.batch.client import BatchClient, BatchStatus
from jobbatch_dagster.defs.harvest_retries import harvest_request, harvest_runs, next_step
from jobbatch_dagster.defs.jobs import AssetJob
from jobbatch_dagster.defs.resend import resend_after_harvest
from jobbatch_dagster.defs.resources import OpenAIBatchResource
from jobbatch_dagster.defs.schedules import NIGHT_TAG
from jobbatch_dagster.defs.stages.keys import batch_key
from jobbatch_dagster.defs.stages.metadata import BATCH_IDS_KEY, RESUMED_BATCH_IDS_KEY
from jobbatch_dagster.pipeline.tracking import (
    SensorCursor,
    WatchedSubmission,
    all_known,
    progress,
    statuses_for,
)
from jobbatch_dagster.settings import Settings

SENSOR_NAME = "batch_status_sensor"
TICK_BUDGET_SECONDS = 20.0  # Dagster stops a tick at 60 s; leave room for the cursor write
NEW_SUBMISSIONS_PER_STAGE = 50
# The list is walked (100 a page) until every watched batch is found: hundreds of batches in flight
# cost a few pages, not a retrieve each. The cap only bounds a walk for batches the list never shows.
LISTED_BATCHES = 20_000
RETRIEVES_PER_TICK = 50


def _new_submissions(
    instance: dg.DagsterInstance, stage: str, after: int | None
) -> list[WatchedSubmission]:
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=batch_key(stage), after_storage_id=after),
        limit=NEW_SUBMISSIONS_PER_STAGE,
        ascending=True,
    ).records
    submissions = []
    for record in records:
        materialization = record.asset_materialization
        if materialization is None or materialization.partition is None:
            continue
        ids = materialization.metadata.get(BATCH_IDS_KEY)
        batch_ids = tuple(ids.value) if ids is not None else ()
        run = instance.get_run_by_id(record.run_id)
        night = run.tags.get(NIGHT_TAG) if run is not None else None
        submissions.append(
            WatchedSubmission(stage, materialization.partition, record.storage_id, batch_ids, night)
        )
        # a scheduled night's resend of earlier days' cancelled requests: each day harvested as
        # its own, under its own partition
        resumed = materialization.metadata.get(RESUMED_BATCH_IDS_KEY)
        for day, day_ids in sorted((resumed.value if resumed is not None else {}).items()):
            submissions.append(
                WatchedSubmission(stage, day, record.storage_id, tuple(day_ids), night)
            )
    return submissions


def poll_statuses(
    client: BatchClient, wanted: set[str], deadline: float, log: logging.Logger
) -> dict[str, BatchStatus]:
    """The statuses of the wanted batches: one walk of the provider's list, then single retrieves
    for the rest until the tick's budget is spent. A provider error ends the walk, not the tick."""
    statuses: dict[str, BatchStatus] = {}
    if not wanted:
        return statuses
    try:
        listed = client.list(limit=LISTED_BATCHES)
        statuses = statuses_for(wanted, listed, LISTED_BATCHES, deadline)
        for batch_id in sorted(wanted - statuses.keys())[:RETRIEVES_PER_TICK]:
            if time.monotonic() > deadline:
                break
            try:
                statuses[batch_id] = client.status(batch_id)
            except openai.NotFoundError:
                log.warning(
                    f"batch {batch_id} is unknown to the provider at {client.sdk.base_url}; "
                    "its day stays open until OPENAI_BASE_URL points where it was submitted"
                )
    except openai.APIError as exc:  # the provider is down: keep what we learned, retry later
        log.warning(f"batch status unavailable this tick: {type(exc).__name__}: {exc}")
    return statuses


def build_batch_status_sensor(settings: Settings, harvest_job: AssetJob) -> dg.SensorDefinition:
    stages = [s.task for s in settings.stages]

    @dg.sensor(
        name=SENSOR_NAME,
        job=harvest_job,
        minimum_interval_seconds=settings.instance.sensor_interval_seconds,
        default_status=dg.DefaultSensorStatus.RUNNING,
    )
    def batch_status_sensor(
        context: dg.SensorEvaluationContext, openai_batch: OpenAIBatchResource
    ) -> dg.SensorResult:
        """Polls the day's batches; when a (stage, day) is all terminal, requests its harvest run
        (raw output, typed results, leads, and the next stages' submission). Progress is recorded
        as observations on `<stage>_batch`, so it can be plotted per partition."""
        deadline = time.monotonic() + TICK_BUDGET_SECONDS
        cursor = SensorCursor.parse(context.cursor)
        for stage in stages:
            for submission in _new_submissions(context.instance, stage, cursor.after.get(stage)):
                cursor.track(submission)
        harvests = {s.run_key: harvest_runs(context.instance, s) for s in cursor.open}
        unharvested = {b for s in cursor.open if not harvests[s.run_key] for b in s.batch_ids}
        statuses = poll_statuses(openai_batch.client(), unharvested, deadline, context.log)
        run_requests, observations = [], []
        for submission in sorted(cursor.open, key=lambda s: s.storage_id):
            if harvests[submission.run_key]:  # its batches were all terminal: only the run is left
                step = next_step(harvests[submission.run_key], settings.retries, time.time())
                if step.action == "request":
                    run_requests.append(harvest_request(settings, submission, step.attempt))
                elif step.action == "give_up":
                    context.log.error(
                        f"{submission.run_key}: the harvest run failed {settings.retries.max_attempts}"
                        " times ([retries] max_attempts); giving up. Fix the cause in the failed "
                        "runs' logs, then materialize the stage's raw output for the day again."
                    )
                if step.action == "close":
                    resend = resend_after_harvest(
                        context.instance,
                        settings,
                        submission,
                        harvests[submission.run_key],
                        time.time(),
                    )
                    if resend == "wait":
                        continue
                    if resend is not None:
                        run_requests.append(resend)
                if step.action in ("close", "give_up"):
                    cursor.close(submission)
                continue
            if not all_known(submission, statuses):
                continue
            mine = [statuses[b] for b in submission.batch_ids]
            observations.append(
                dg.AssetObservation(
                    asset_key=batch_key(submission.stage),
                    partition=submission.day,
                    metadata={
                        **progress(mine),
                        "statuses": dg.MetadataValue.json({s.id: s.status for s in mine}),
                    },
                )
            )
            if all(s.is_terminal for s in mine):
                run_requests.append(harvest_request(settings, submission, 1))
        return dg.SensorResult(
            run_requests=run_requests, asset_events=observations, cursor=cursor.dump()
        )

    return batch_status_sensor

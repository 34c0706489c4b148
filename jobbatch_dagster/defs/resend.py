"""Another submission for a (stage, day) whose harvest left requests to send: no person needed
between a bad night and complete leads.

When a submission's harvest run succeeded, ``batch_status_sensor`` reads that harvest's
``requests_to_send`` (requests the provider did not get to — expired, failed with a retryable
code, 429/5xx lines — and shards queued under the enqueued-token limit). If there are any, it
waits the ``[retries]`` backoff for the day's latest attempt, then requests a run of
``<stage>_batch`` for the day: its submit step builds the follow-up shards (attempt n+1, linked to
their parent) and submits them, and the sensor watches that submission like any other. Requests
at their last attempt were already dead-lettered by the harvest, so this ends; a person's cancel
is never resent here: these runs carry no ``jobbatch/night_began`` tag, so their submission leaves
cancels to the next scheduled night.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import dagster as dg

from jobbatch_dagster.defs.harvest_retries import HarvestRun
from jobbatch_dagster.defs.stages.keys import batch_key, raw_output_key
from jobbatch_dagster.defs.stages.metadata import ATTEMPT_KEY, TO_SEND_KEY
from jobbatch_dagster.pipeline.tracking import WatchedSubmission
from jobbatch_dagster.settings import Settings

RESEND_TAG = "jobbatch/resend"  # the submission whose harvest left requests to send


def _harvested(instance: dg.DagsterInstance, submission: WatchedSubmission) -> tuple[int, int]:
    """(requests to send, latest attempt) from the day's newest `<stage>_raw_output`."""
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(
            asset_key=raw_output_key(submission.stage), asset_partitions=[submission.day]
        ),
        limit=1,
    ).records
    if not records or records[0].asset_materialization is None:
        return 0, 0
    metadata = records[0].asset_materialization.metadata
    to_send, attempt = metadata.get(TO_SEND_KEY), metadata.get(ATTEMPT_KEY)
    return (
        int(to_send.value) if to_send is not None else 0,
        int(attempt.value) if attempt is not None else 1,
    )


def resend_after_harvest(
    instance: dg.DagsterInstance,
    settings: Settings,
    submission: WatchedSubmission,
    runs: Sequence[HarvestRun],
    now: float,
) -> dg.RunRequest | Literal["wait"] | None:
    """The run that submits what the submission's successful harvest left to send, ``wait`` while
    its backoff runs, or None when the day has nothing left to send."""
    to_send, attempt = _harvested(instance, submission)
    if to_send == 0:
        return None
    ended = max(
        (r.ended_at or 0.0 for r in runs if r.status == dg.DagsterRunStatus.SUCCESS), default=now
    )
    if now < ended + settings.retries.delay_before_retry(max(attempt, 1)):
        return "wait"
    return dg.RunRequest(
        run_key=f"{submission.run_key}:resend",
        partition_key=submission.day,
        asset_selection=[batch_key(submission.stage)],
        tags={"jobbatch/stage": submission.stage, RESEND_TAG: submission.run_key},
    )

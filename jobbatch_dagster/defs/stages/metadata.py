"""What each stage asset tells its reader: counts, bytes, tokens, dollars, batch ids and statuses.

The sensor reads ``batch_ids`` from a ``<stage>_batch`` materialization, so that key is part of
the contract between the asset and ``batch_status_sensor``. No key, URL with credentials or
request body ever goes into metadata.
"""

from __future__ import annotations

from datetime import date
from itertools import islice
from typing import Any

import dagster as dg

from jobbatch_dagster.batch.cost import CostBreakdown
from jobbatch_dagster.batch.estimate import estimate_shards_cost
from jobbatch_dagster.defs.jobs import RETRY_JOB
from jobbatch_dagster.defs.metadata import markdown_table, usd
from jobbatch_dagster.defs.schedules import SCHEDULE_NAME
from jobbatch_dagster.pipeline.harvest import Harvest
from jobbatch_dagster.pipeline.inputs import StageInput
from jobbatch_dagster.pipeline.submit import StageSubmission
from jobbatch_dagster.settings import Settings, StageConfig

BATCH_IDS_KEY = "batch_ids"
# On a scheduled night's `<stage>_batch`: earlier day -> every batch of that day, after this run
# sent the requests a person's cancel left waiting there. The sensor watches each such day too.
RESUMED_BATCH_IDS_KEY = "resumed_batch_ids"
# On `<stage>_raw_output`: requests the day still has to submit (follow-ups, queued shards), and
# the day's latest attempt; the sensor asks for another submission from these.
TO_SEND_KEY = "requests_to_send"
ATTEMPT_KEY = "attempt"


def _cost(prefix: str, cost: CostBreakdown | None) -> dict[str, Any]:
    if cost is None:
        return {f"{prefix}_batch_usd": usd(0.0), f"{prefix}_live_usd": usd(0.0)}
    return {
        f"{prefix}_input_tokens": cost.input_tokens,
        f"{prefix}_output_tokens": cost.output_tokens,
        f"{prefix}_batch_usd": usd(cost.batch_usd),
        f"{prefix}_live_usd": usd(cost.live_usd),
        f"{prefix}_saving_usd": usd(cost.saving_usd),
    }


def input_metadata(built: StageInput, stage: StageConfig) -> dict[str, Any]:
    shards = built.build.shards
    preview = [
        (entry.custom_id, entry.job_id, entry.fingerprint[:12])
        for shard in shards[:1]
        for entry in islice(shard.manifest(), 10)
    ]
    return {
        "requests": built.build.request_count,
        "shards": len(shards),
        "bytes": sum(s.bytes for s in shards),
        "candidates": built.candidates,
        "skipped_already_answered": built.reused,
        "skipped_in_flight": built.in_flight,
        "skipped_dead_lettered": built.dead_lettered,
        "invalid": len(built.invalid) + len(built.build.rejections),
        "truncated_descriptions": built.build.truncated,
        "model": stage.model,
        **_cost("estimated", estimate_shards_cost(shards)),
        "shard_files": dg.MetadataValue.json([s.path.name for s in shards]),
        "preview": markdown_table(["custom_id", "job_id", "fingerprint"], preview),
    }


def submission_metadata(submission: StageSubmission) -> dict[str, Any]:
    batches = submission.batches
    preview = [(b.batch_id, b.shard, b.status, b.request_total, b.backend) for b in batches]
    return {
        BATCH_IDS_KEY: dg.MetadataValue.json([b.batch_id for b in batches]),
        "input_file_ids": dg.MetadataValue.json([b.input_file_id for b in batches]),
        "backend": submission.backend or "none",
        "batches": len(batches),
        "batches_created": len(submission.created),
        "batches_reconciled": len(submission.reconciled),
        "batches_adopted": len(submission.adopted),
        "shards_queued": len(submission.queued),
        "requests": sum(b.request_total or 0 for b in batches),
        RESUMED_BATCH_IDS_KEY: dg.MetadataValue.json(
            {d.isoformat(): [b.batch_id for b in rows] for d, rows in submission.resumed.items()}
        ),
        "cancelled_dead_lettered": submission.cancelled_gave_up,
        **_cost("estimated", submission.estimate),
        "preview": markdown_table(["batch_id", "shard", "status", "requests", "backend"], preview),
    }


def cancelled_resend(settings: Settings, stage: str, day: date) -> str:
    """Who sends a (stage, day)'s cancelled requests again, and when: for the harvest's reader."""
    return (
        f"the first {SCHEDULE_NAME} run after this harvest (`{settings.schedule_cron}` "
        f"{settings.schedule_timezone}), never this night's sensor: it sends them as their next "
        f"attempt (one at its last of [retries] max_attempts = {settings.retries.max_attempts} "
        f"is dead-lettered instead). Sooner, by a person: `jobbatch requests retry --stage "
        f"{stage} --day {day.isoformat()}` or {RETRY_JOB} with retry_requests: true"
    )


def harvest_metadata(harvest: Harvest, settings: Settings, stage: str, day: date) -> dict[str, Any]:
    costs = harvest.costs
    known = [c for c in costs if c.batch_usd is not None]
    unknown_price = len(known) < len(costs)
    input_tokens = sum(c.input_tokens for c in costs)
    cached = sum(c.cached_input_tokens for c in costs)
    preview = [
        (c.batch_id, harvest.statuses.get(c.batch_id), c.requests, c.batch_usd, c.saving_usd)
        for c in costs
    ]
    return {
        "batches": len(harvest.statuses),
        "statuses": dg.MetadataValue.json(harvest.statuses),
        "not_completed": dg.MetadataValue.json(
            {b: s for b, s in harvest.statuses.items() if s != "completed"}
        ),
        "lines": harvest.lines,
        "corrupt_lines": harvest.corrupt_lines,
        "answered": harvest.states["answered"],
        "dead_lettered": harvest.states["dead_lettered"],
        "pending": harvest.states["pending"],
        "gave_up": harvest.gave_up,
        "schema_repairs": harvest.repairs,
        TO_SEND_KEY: harvest.to_send,
        "waiting_for_a_person": harvest.cancelled,
        "cancelled_resent_by": cancelled_resend(settings, stage, day) if harvest.cancelled else "-",
        ATTEMPT_KEY: harvest.attempt,
        "output_bytes": harvest.output_bytes,
        "files": dg.MetadataValue.json(harvest.files),
        "input_tokens": input_tokens,
        # the input the provider served from its prompt cache, billed at the cached rate
        "cached_input_tokens": cached,
        "cached_share": dg.MetadataValue.float(
            round(cached / input_tokens, 4) if input_tokens else 0.0
        ),
        "output_tokens": sum(c.output_tokens for c in costs),
        "batch_usd": usd(None if unknown_price else sum(c.batch_usd or 0.0 for c in known)),
        "live_usd": usd(None if unknown_price else sum(c.live_usd or 0.0 for c in known)),
        "saving_usd": usd(None if unknown_price else sum(c.saving_usd or 0.0 for c in known)),
        "preview": markdown_table(
            ["batch_id", "status", "lines", "batch_usd", "saving_usd"], preview
        ),
    }

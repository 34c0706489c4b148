"""Submitting a (stage, day)'s shards: the budget checked once for the whole submission, then one
batch per shard, each recorded with its backend and linked to its requests in the ledger.

A shard whose fingerprint is already in ``batches`` is not touched; one that reached the provider
before a crash is found again by the engine's reconcile step, so no retry ever creates a second
batch for the same requests.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import reduce

import duckdb

from jobbatch_dagster.batch.client import BatchClient
from jobbatch_dagster.batch.cost import CostBreakdown, guard_budget
from jobbatch_dagster.batch.followup import followup_metadata
from jobbatch_dagster.batch.submit import RecentSubmissions, SubmissionRecord, submit_shard
from jobbatch_dagster.pipeline.inputs import pending_shards, stage_dir
from jobbatch_dagster.pipeline.shard_files import ShardOnDisk, load_shard
from jobbatch_dagster.settings import Settings, StageConfig
from jobbatch_dagster.tasks import get_task
from jobbatch_dagster.warehouse.history import record_sent
from jobbatch_dagster.warehouse.ledger import (
    mark_submitted,
    shard_lineage,
    stage_batches,
    upsert_batches,
)
from jobbatch_dagster.warehouse.rows import BatchRow
from jobbatch_dagster.warehouse.transaction import transaction


@dataclass
class StageSubmission:
    """The (stage, day)'s batches after this run, and what this run itself created."""

    batches: list[BatchRow] = field(default_factory=list)
    created: list[SubmissionRecord] = field(default_factory=list)
    reconciled: list[SubmissionRecord] = field(default_factory=list)
    estimate: CostBreakdown | None = None

    @property
    def backend(self) -> str | None:
        """Who runs the (stage, day)'s batches: ``openai`` or ``emulator`` (None without batches)."""
        return next((b.backend for b in self.batches), None)


def utc_datetime(seconds: int | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)


def _batch_row(
    record: SubmissionRecord,
    on_disk: ShardOnDisk,
    stage: StageConfig,
    day: date,
    lineage: tuple[int, str | None],
) -> BatchRow:
    return BatchRow(
        batch_id=record.batch_id,
        stage=stage.task,
        scrape_date=day,
        shard=record.shard_index,
        model=stage.model,
        backend=record.backend,
        input_file_id=record.input_file_id,
        input_fingerprint=record.input_fingerprint,
        status=record.status,
        request_total=record.request_count,
        estimated_input_tokens=on_disk.estimate.input_tokens,
        estimated_usd=on_disk.estimate.batch_usd,
        attempt=lineage[0],
        parent_batch_id=lineage[1],
        created_at=utc_datetime(record.created_at),
    )


def submit_stage(
    con: duckdb.DuckDBPyConnection,
    client: BatchClient,
    settings: Settings,
    stage: StageConfig,
    day: date,
) -> StageSubmission:
    """Submit every shard of the (stage, day) not yet carried by a batch that could run it.

    A failed batch ran nothing (validation, enqueued-token limit), so its shard is submitted again,
    as the engine's reconcile step also assumes.
    """
    task = get_task(stage.task)
    recorded = {
        b.input_fingerprint for b in stage_batches(con, stage.task, day) if b.status != "failed"
    }
    shards = [
        load_shard(path, task, stage.model)
        for path in pending_shards(stage_dir(settings, stage.task, day) / "input")
    ]
    new: list[ShardOnDisk] = []
    for on_disk in shards:
        # A failed batch's shard file and a follow-up of all its requests hold the same bytes:
        # one batch carries them.
        if on_disk.shard.input_fingerprint not in recorded:
            recorded.add(on_disk.shard.input_fingerprint)
            new.append(on_disk)
    submission = StageSubmission()
    if new:  # the whole submission's estimate, before anything is uploaded
        submission.estimate = guard_budget(
            reduce(operator.add, (s.estimate for s in new)), settings.max_usd_per_submission
        )
    # One read of the provider's recent batches and files serves every shard's reconciliation.
    recent = RecentSubmissions.read(client) if len(new) > 1 else None
    for on_disk in new:
        custom_ids = [entry.custom_id for entry in on_disk.shard.manifest()]
        lineage = shard_lineage(con, stage.task, day, custom_ids)
        record = submit_shard(
            client,
            on_disk.shard,
            description=f"jobbatch {stage.task} {day.isoformat()} shard {on_disk.shard.index}",
            partition=day.isoformat(),
            extra_metadata=followup_metadata(lineage[1], lineage[0]) if lineage[1] else None,
            recent=recent,
        )
        (submission.reconciled if record.reused else submission.created).append(record)
        with transaction(con):
            upsert_batches(con, [_batch_row(record, on_disk, stage, day, lineage)])
            mark_submitted(con, stage.task, day, custom_ids, record.batch_id)
            record_sent(con, record.batch_id)
    submission.batches = stage_batches(con, stage.task, day)
    return submission

"""Submitting a (stage, day)'s shards: the budget checked once for the whole submission, then one
batch per shard, each recorded with its backend and linked to its requests in the ledger.

Before anything is created the provider's recent batches are read once, and three things follow:
a batch there that carries this (stage, day)'s requests but is not in ``batches`` (a run killed
after ``create``) is adopted with its requests, never sent again; what the day's terminal batches
left unrun goes into follow-up shards (attempt n+1, linked to their parent); and a shard whose
(input fingerprint, attempt) is already in ``batches`` is not touched, whatever that batch's
status (a failed batch's requests go out as its follow-up, never twice). Shards wait, ``queued``,
while the model's enqueued-token limit is used up; the sensor asks again once batches finish.
The scheduled night's submission also sends, in batches of their own day, what a person's cancel
left waiting on earlier days; the sensor's resend never does.
"""

from __future__ import annotations

import json
import operator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import reduce
from pathlib import Path

import duckdb

from jobbatch_dagster.batch.client import BatchClient, BatchStatus
from jobbatch_dagster.batch.cost import CostBreakdown, guard_budget
from jobbatch_dagster.batch.followup import followup_metadata
from jobbatch_dagster.batch.shards import ManifestEntry, Shard, ShardWriter
from jobbatch_dagster.batch.submit import (
    RecentSubmissions,
    SubmissionRecord,
    submission_key,
    submit_shard,
)
from jobbatch_dagster.pipeline.inputs import (
    build_stage_input,
    pending_shards,
    queue_followups,
    shard_prefix,
    stage_dir,
)
from jobbatch_dagster.pipeline.shard_files import ShardOnDisk, load_shard
from jobbatch_dagster.settings import Settings, StageConfig
from jobbatch_dagster.tasks import get_task
from jobbatch_dagster.warehouse.history import record_sent
from jobbatch_dagster.warehouse.ledger import (
    batch_requests_of,
    enqueued_tokens,
    known_batch_ids,
    mark_submitted,
    reopen_requests,
    resume_cancelled,
    shard_lineage,
    stage_batches,
    upsert_batches,
)
from jobbatch_dagster.warehouse.rows import BatchRow, LedgerRequest
from jobbatch_dagster.warehouse.transaction import transaction


@dataclass
class StageSubmission:
    """The (stage, day)'s batches after this run, and what this run itself created."""

    batches: list[BatchRow] = field(default_factory=list)
    created: list[SubmissionRecord] = field(default_factory=list)
    reconciled: list[SubmissionRecord] = field(default_factory=list)
    adopted: list[str] = field(default_factory=list)  # provider batches the ledger did not know
    queued: list[ShardOnDisk] = field(default_factory=list)  # over the enqueued-token limit
    estimate: CostBreakdown | None = None
    # earlier days whose cancelled requests this (scheduled) submission sent again -> every
    # batch of that day, for the sensor to watch and harvest under the day's own partition
    resumed: dict[date, list[BatchRow]] = field(default_factory=dict)
    cancelled_gave_up: int = 0  # cancelled requests at their last attempt: dead-lettered instead

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


def adopt_unrecorded(
    con: duckdb.DuckDBPyConnection,
    client: BatchClient,
    settings: Settings,
    stage: StageConfig,
    day: date,
    recent: RecentSubmissions,
) -> list[str]:
    """Record the provider's batches of this (stage, day) that ``batches`` lacks, and attach the
    requests their input files carry, so nothing they hold is sent again and their cost is
    harvested. Each input file is put back in the day's folder as a shard, for the follow-up of
    whatever the batch leaves unrun. A failed one ran nothing: it is recorded alone."""
    ours = [
        s
        for s in recent.listed
        if submission_key(s.metadata) is not None
        and s.metadata.get("task") == stage.task
        and s.metadata.get("partition") == day.isoformat()
    ]
    known = known_batch_ids(con, [s.id for s in ours])
    directory = stage_dir(settings, stage.task, day)
    adopted = []
    for status in (s for s in ours if s.id not in known):
        downloaded = (
            client.download(status.input_file_id, directory / "adopted" / f"{status.id}.jsonl")
            if status.input_file_id and status.status != "failed"
            else None
        )
        with transaction(con):
            upsert_batches(con, [_adopted_row(status, client, stage, day)])
            if downloaded is not None:
                carried = [json.loads(line)["custom_id"] for line in _lines(downloaded)]
                mark_submitted(con, stage.task, day, carried, status.id)
                record_sent(con, status.id)  # the audit's provider-total link counts these sends
        if downloaded is not None:
            restored = _restore_shard(
                downloaded,
                status,
                batch_requests_of(con, status.id),
                directory / "input",
                shard_prefix(stage.task, day),
            )
            settings.batch_store.publish(restored.path, restored.manifest_path)
        adopted.append(status.id)
    return adopted


def _lines(path: Path) -> list[bytes]:
    with open(path, "rb") as lines:
        return [line for line in lines if line.strip()]


def _restore_shard(
    downloaded: Path,
    status: BatchStatus,
    carried: list[LedgerRequest],
    directory: Path,
    prefix: str,
) -> Shard:
    """An adopted batch's input file as a shard of the day's folder, its manifest from the ledger:
    the same bytes, so the same input fingerprint and the name a follow-up looks for."""
    attempt = (submission_key(status.metadata) or ("", 1))[1]
    if attempt > 1:
        prefix += f"-a{attempt}"
    by_id = {r.custom_id: r for r in carried}
    by_line: dict[str, list[LedgerRequest]] = {}
    for request in carried:
        if request.request_id:
            by_line.setdefault(request.request_id, []).append(request)
    directory.mkdir(parents=True, exist_ok=True)
    shard = status.metadata.get("shard", "0")
    writer = ShardWriter(directory, prefix, int(shard) if shard.isdigit() else 0)
    for n, line in enumerate(_lines(downloaded)):
        custom_id = json.loads(line)["custom_id"]
        if custom_id in by_line:  # a line that judges several postings: one entry each
            members = by_line[custom_id]
            writer.add_group(
                line,
                [
                    ManifestEntry(
                        r.custom_id,
                        r.job_id,
                        n,
                        r.request_fingerprint,
                        0,
                        request_id=custom_id,
                        key=r.request_key or "",
                    )
                    for r in members
                ],
            )
            continue
        request = by_id.get(custom_id)
        job_id, fingerprint = (
            (request.job_id, request.request_fingerprint) if request else (None, "")
        )
        writer.add(line, ManifestEntry(custom_id, job_id, n, fingerprint, 0))
    return writer.close(prefix, status.metadata.get("task", ""), status.metadata.get("model", ""))


def _adopted_row(
    status: BatchStatus, client: BatchClient, stage: StageConfig, day: date
) -> BatchRow:
    key = submission_key(status.metadata)
    shard = status.metadata.get("shard", "0")
    return BatchRow(
        batch_id=status.id,
        stage=stage.task,
        scrape_date=day,
        shard=int(shard) if shard.isdigit() else 0,
        model=status.metadata.get("model", stage.model),
        backend=client.backend,
        input_file_id=status.input_file_id,
        input_fingerprint=key[0] if key else None,
        status=status.status,
        request_total=status.total,
        estimated_input_tokens=None,
        estimated_usd=None,
        attempt=key[1] if key else 1,
        parent_batch_id=status.metadata.get("parent_batch_id"),
        created_at=utc_datetime(status.created_at),
    )


def within_quota(
    con: duckdb.DuckDBPyConnection, settings: Settings, model: str, shards: list[ShardOnDisk]
) -> tuple[list[ShardOnDisk], list[ShardOnDisk]]:
    """(to submit, queued): shards in order while the model's estimated in-flight prompt tokens
    stay under its enqueued-token limit. With nothing in flight one shard always goes, so a shard
    larger than the limit is tried (and queued again by the provider's ``token_limit_exceeded``)
    rather than waiting forever."""
    limit = settings.enqueued_token_limit(model)
    if limit is None:
        return shards, []
    used = enqueued_tokens(con, model)
    send: list[ShardOnDisk] = []
    queued: list[ShardOnDisk] = []
    for on_disk in shards:
        tokens = on_disk.estimate.input_tokens
        if not queued and (used == 0 or used + tokens <= limit):
            send.append(on_disk)
            used += tokens
        else:
            queued.append(on_disk)
    return send, queued


def _unsent_shards(
    con: duckdb.DuckDBPyConnection,
    client: BatchClient,
    settings: Settings,
    stage: StageConfig,
    day: date,
    recent: RecentSubmissions,
    submission: StageSubmission,
) -> list[ShardOnDisk]:
    """The (stage, day)'s shards no batch carries yet, after adopting the provider's batches the
    ledger lacks and building the follow-ups of what terminal batches left unrun."""
    adopted = adopt_unrecorded(con, client, settings, stage, day, recent)
    submission.adopted += adopted
    if adopted:  # their requests are in flight now: the day is cut again without them
        build_stage_input(con, settings, stage, day)
    queue_followups(con, settings, stage, day)
    task = get_task(stage.task)
    recorded = {(b.input_fingerprint, b.attempt) for b in stage_batches(con, stage.task, day)}
    unsent: list[ShardOnDisk] = []
    for path in pending_shards(stage_dir(settings, stage.task, day) / "input"):
        on_disk = load_shard(path, task, stage.model)
        key = (on_disk.shard.input_fingerprint, on_disk.shard.attempt)
        if key not in recorded:
            recorded.add(key)
            unsent.append(on_disk)
    return unsent


def submit_stage(
    con: duckdb.DuckDBPyConnection,
    client: BatchClient,
    settings: Settings,
    stage: StageConfig,
    day: date,
    *,
    night_began: datetime | None = None,
) -> StageSubmission:
    """Submit every shard of the (stage, day) not yet carried by a batch, within the quota.

    ``night_began`` (local time) makes this a scheduled night's submission (never the sensor's
    resend): the stage's requests of earlier days that a person's cancel left waiting, harvested
    before then, go out with it, as their next attempt in batches of their own day
    (:func:`~jobbatch_dagster.warehouse.ledger.resume_cancelled`), under the same quota and
    budget guard.
    """
    submission = StageSubmission()
    days = [day]
    if night_began is not None:
        with transaction(con):
            earlier, submission.cancelled_gave_up = resume_cancelled(
                con, stage.task, day, night_began, settings.retries.max_attempts
            )
        days = [*earlier, day]
    # One read of the provider's recent batches and files serves adoption and every shard.
    recent = RecentSubmissions.read(client)
    day_of: dict[Path, date] = {}
    new: list[ShardOnDisk] = []
    for each in days:
        for on_disk in _unsent_shards(con, client, settings, stage, each, recent, submission):
            day_of[on_disk.shard.path] = each
            new.append(on_disk)
    new, submission.queued = within_quota(con, settings, stage.model, new)
    if new:  # the whole submission's estimate, before anything is uploaded
        submission.estimate = guard_budget(
            reduce(operator.add, (s.estimate for s in new)), settings.max_usd_per_submission
        )
    for on_disk in new:
        shard_day = day_of[on_disk.shard.path]
        custom_ids = [entry.custom_id for entry in on_disk.shard.manifest()]
        lineage = shard_lineage(con, stage.task, shard_day, custom_ids)
        record = submit_shard(
            client,
            on_disk.shard,
            description=f"jobbatch {stage.task} {shard_day} shard {on_disk.shard.index}",
            partition=shard_day.isoformat(),
            extra_metadata=followup_metadata(lineage[1], lineage[0]) if lineage[1] else None,
            recent=recent,
        )
        (submission.reconciled if record.reused else submission.created).append(record)
        with transaction(con):
            upsert_batches(con, [_batch_row(record, on_disk, stage, shard_day, lineage)])
            mark_submitted(con, stage.task, shard_day, custom_ids, record.batch_id)
            record_sent(con, record.batch_id)
    submission.batches = stage_batches(con, stage.task, day)
    submission.resumed = {d: stage_batches(con, stage.task, d) for d in days[:-1]}
    return submission


def retry_stage(
    con: duckdb.DuckDBPyConnection,
    client: BatchClient,
    settings: Settings,
    stage: StageConfig,
    day: date,
) -> tuple[int, StageSubmission]:
    """A person's retry of a (stage, day): its dead letters and the requests a cancel left waiting
    are sent again as their next attempt (with whatever else the day has to send). Returns how
    many were reopened and the submission."""
    with transaction(con):
        reopened = reopen_requests(con, stage.task, day)
    return reopened, submit_stage(con, client, settings, stage, day)

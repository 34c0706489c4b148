"""Submitting one shard so that a retry after any crash never pays twice.

Order matters: (1) reconcile — a batch whose metadata carries this shard's input fingerprint and
attempt and that did not fail already holds these answers, so it is returned as is (a follow-up
of every request of an expired batch has the parent's bytes but not its attempt, so it is sent); (2) the budget guard, before
anything is uploaded; (3) upload, unless a file with the shard's name (which embeds the fingerprint)
and size is already there; (4) create, with the fingerprint in the metadata so step 1 finds it next
time. A crash between create and whatever records the batch id is therefore harmless.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from openai.types import FileObject

from jobbatch_dagster.batch.client import Backend, BatchClient, BatchStatus
from jobbatch_dagster.batch.shards import Shard
from jobbatch_dagster.contract import (
    MAX_METADATA_KEY_CHARS,
    MAX_METADATA_PAIRS,
    MAX_METADATA_VALUE_CHARS,
)

FINGERPRINT_KEY = "input_fingerprint"
# What marks a batch as ours at the provider, and which (task, scrape day) it belongs to.
SOURCE_KEY, SOURCE = "source", "jobbatch"
TASK_KEY = "task"
PARTITION_KEY = "partition"
ATTEMPT_KEY = "attempt"  # absent on a first attempt


def submission_key(metadata: Mapping[str, str]) -> tuple[str, int] | None:
    """(input fingerprint, attempt) of a batch we created, from its metadata (None if not ours)."""
    fingerprint = metadata.get(FINGERPRINT_KEY)
    if fingerprint is None:
        return None
    attempt = metadata.get(ATTEMPT_KEY, "1")
    return fingerprint, int(attempt) if attempt.isdigit() else 1


@dataclass(frozen=True)
class SubmissionRecord:
    """What to record about a submitted shard (the batch may have been created earlier)."""

    batch_id: str
    input_file_id: str
    backend: Backend
    input_fingerprint: str
    status: str
    reused: bool  # the batch existed already: nothing new was created or paid for
    file_reused: bool
    shard_index: int
    request_count: int
    created_at: int


@dataclass(frozen=True)
class RecentSubmissions:
    """One reading of the provider's recent batches and files, to reconcile several shards against:
    without it each ``submit_shard`` pages through both lists again. It holds what
    ``BatchClient.find_batch`` and ``find_file`` would return, for every fingerprint and file at once.
    """

    batches: Mapping[tuple[str, int], BatchStatus]  # by (fingerprint, attempt): newest not failed
    files: Mapping[tuple[str, int], FileObject]  # by (name, size): the newest not in error
    listed: tuple[BatchStatus, ...] = ()  # every recent batch, newest first, failed ones too

    @classmethod
    def read(cls, client: BatchClient) -> RecentSubmissions:
        listed = tuple(client.recent_batches())
        batches: dict[tuple[str, int], BatchStatus] = {}
        for status in listed:
            key = submission_key(status.metadata)
            if key is not None and status.status != "failed":
                batches.setdefault(key, status)
        files: dict[tuple[str, int], FileObject] = {}
        for file in client.recent_files():
            if file.status != "error":
                files.setdefault((file.filename, file.bytes), file)
        return cls(batches, files, listed)


def batch_metadata(
    *,
    input_fingerprint: str,
    task: str | None,
    model: str | None,
    shard_index: int,
    request_count: int,
    description: str | None = None,
    partition: str | None = None,
    **extra: str,
) -> dict[str, str]:
    """Metadata within the contract's limits: the fingerprint first, long values shortened."""
    pairs: dict[str, str] = {
        FINGERPRINT_KEY: input_fingerprint,
        "shard": str(shard_index),
        "requests": str(request_count),
        SOURCE_KEY: SOURCE,
    }
    if task:
        pairs[TASK_KEY] = task
    if model:
        pairs["model"] = model
    if description:
        pairs["description"] = description
    if partition:
        pairs[PARTITION_KEY] = partition
    pairs.update(extra)
    if len(pairs) > MAX_METADATA_PAIRS:
        raise ValueError(
            f"at most {MAX_METADATA_PAIRS} metadata pairs are allowed, got {len(pairs)}"
        )
    for key in pairs:
        if len(key) > MAX_METADATA_KEY_CHARS:
            raise ValueError(
                f"metadata key {key[:20]!r}... is over {MAX_METADATA_KEY_CHARS} characters"
            )
    return {k: _shorten(str(v), MAX_METADATA_VALUE_CHARS) for k, v in pairs.items()}


def _shorten(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def submit_shard(
    client: BatchClient,
    shard: Shard,
    *,
    description: str | None = None,
    partition: str | None = None,
    extra_metadata: Mapping[str, str] | None = None,
    recent: RecentSubmissions | None = None,
) -> SubmissionRecord:
    """Reconcile, upload and create: one batch per shard, however often called.

    The budget is the caller's to guard, once for the whole submission and before the first
    shard: :func:`~jobbatch_dagster.batch.cost.guard_budget`.
    ``recent``, read once before several shards of one build, replaces the provider lookups.
    """
    key = (shard.input_fingerprint, shard.attempt)
    if recent is None:
        existing = next(
            (
                s
                for s in client.recent_batches()
                if submission_key(s.metadata) == key and s.status != "failed"
            ),
            None,
        )
    else:
        existing = recent.batches.get(key)
    if existing is not None:
        return _record(
            client,
            shard,
            existing.id,
            existing.input_file_id or "",
            existing.status,
            existing.created_at,
            reused=True,
            file_reused=True,
        )
    if recent is None:
        file = client.find_file(shard.path.name, shard.bytes)
    else:
        file = recent.files.get((shard.path.name, shard.bytes))
    file_reused = file is not None
    if file is None:
        file = client.upload(shard.path)
    metadata = batch_metadata(
        input_fingerprint=shard.input_fingerprint,
        task=shard.task,
        model=shard.model,
        shard_index=shard.index,
        request_count=shard.request_count,
        description=description,
        partition=partition,
        **dict(extra_metadata or {}),
    )
    created = client.create(file.id, metadata)
    return _record(
        client,
        shard,
        created.id,
        file.id,
        created.status,
        created.created_at,
        reused=False,
        file_reused=file_reused,
    )


def _record(
    client: BatchClient,
    shard: Shard,
    batch_id: str,
    file_id: str,
    status: str,
    created_at: int,
    *,
    reused: bool,
    file_reused: bool,
) -> SubmissionRecord:
    return SubmissionRecord(
        batch_id=batch_id,
        input_file_id=file_id,
        backend=client.backend,
        input_fingerprint=shard.input_fingerprint,
        status=status,
        reused=reused,
        file_reused=file_reused,
        shard_index=shard.index,
        request_count=shard.request_count,
        created_at=created_at,
    )

"""Building a (stage, day)'s request shards, sending nothing that already has or awaits an answer.

Every posting the stage covers that day gets a ``stage_postings`` row saying how it is covered:
``sent`` (one request per distinct fingerprint), ``reused`` (an answer exists, from any day) or
``in_flight`` (a request with this fingerprint is already built or running). Only ``sent``
postings become request lines, so a repost never costs a second request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from jobbatch_dagster.batch.followup import build_followup_shard
from jobbatch_dagster.batch.requests import posting_fingerprint
from jobbatch_dagster.batch.shards import (
    MANIFEST_SUFFIX,
    BuildResult,
    Shard,
    build_shards,
    read_shard,
)
from jobbatch_dagster.batch.storage import BatchStore
from jobbatch_dagster.settings import Settings, StageConfig
from jobbatch_dagster.tasks import Task, get_task
from jobbatch_dagster.warehouse.history import record_coverage
from jobbatch_dagster.warehouse.leads import top_lead_jobs
from jobbatch_dagster.warehouse.ledger import (
    blocked_fingerprints,
    record_requests,
    replace_stage_postings,
    replace_unsubmitted_requests,
    resolve_answered_elsewhere,
    submitted_fingerprints,
    unrun_requests,
)
from jobbatch_dagster.warehouse.loads import day_jobs, qualified_day_jobs
from jobbatch_dagster.warehouse.results_schema import RESULT_TABLES
from jobbatch_dagster.warehouse.rows import NewRequestRow, StagePostingRow, UnrunRequest
from jobbatch_dagster.warehouse.transaction import transaction


@dataclass
class StageInput:
    """What one build produced and why the rest was not sent."""

    candidates: int = 0
    reused: int = 0
    in_flight: int = 0
    dead_lettered: int = 0  # postings whose request is a dead letter: sent again only on request
    invalid: list[str] = field(default_factory=list)  # "job_id: reason"
    build: BuildResult = field(default_factory=BuildResult)


def stage_dir(settings: Settings, stage: str, day: date) -> Path:
    """Where a (stage, day)'s shards and downloaded files live (with an ``s3://`` setting: their
    local copies, which ``settings.batch_store`` moves to and from the bucket)."""
    return settings.batches_dir / stage / day.isoformat()


def shard_prefix(stage: str, day: date) -> str:
    """How a (stage, day)'s shard files are named: ``<prefix>-<index>-<hash>.jsonl``."""
    return f"{stage}-{day.isoformat()}"


def candidate_jobs(
    con: duckdb.DuckDBPyConnection, settings: Settings, stage: StageConfig, day: date
) -> list[dict[str, Any]]:
    """The postings a stage runs on: all of the day's, those the previous stage qualified, or for a
    lead stage (outreach) the day's best ``top`` leads scoring at least its ``threshold``."""
    if get_task(stage.task).context_fields:
        return top_lead_jobs(con, day, stage.threshold, stage.top)
    if stage.after is None:
        return day_jobs(con, day)
    threshold = settings.stage(stage.after).threshold
    return qualified_day_jobs(con, day, stage.after, RESULT_TABLES[stage.after], threshold)


def _clear_unsubmitted_shards(store: BatchStore, directory: Path, submitted: set[str]) -> None:
    """Remove shard files of an earlier build that never became a batch (they are rebuilt)."""
    for path in pending_shards(directory):
        if not any(fp[:16] in path.name for fp in submitted):
            store.remove(path)
            store.remove(Path(str(path) + MANIFEST_SUFFIX))


def publish_shards(settings: Settings, shards: list[Shard]) -> None:
    """Make freshly written shards and their manifests readable where the batches live."""
    settings.batch_store.publish(*(p for s in shards for p in (s.path, s.manifest_path)))


def build_stage_input(
    con: duckdb.DuckDBPyConnection, settings: Settings, stage: StageConfig, day: date
) -> StageInput:
    """Write the day's new requests as shards and record them as ``pending`` in the ledger."""
    task = get_task(stage.task)
    profile = settings.lead_profile
    summary = StageInput()
    jobs = candidate_jobs(con, settings, stage, day)
    summary.candidates = len(jobs)
    fingerprints: dict[str, str] = {}
    for job in jobs:
        try:
            fingerprints[job["id"]] = posting_fingerprint(
                job,
                task,
                stage.model,
                profile,
                settings.max_description_chars,
                stage.description_chars,
                stage.postings_per_request,
            )
        except (TypeError, ValueError) as exc:
            summary.invalid.append(f"{job.get('id')}: {exc}")
    resolve_answered_elsewhere(con, stage.task, day)
    blocked = blocked_fingerprints(con, stage.task, day, set(fingerprints.values()))
    postings, to_send = _cover(jobs, fingerprints, blocked)
    summary.reused = sum(p.disposition == "reused" for p in postings)
    summary.in_flight = sum(p.disposition == "in_flight" for p in postings)
    summary.dead_lettered = sum(p.disposition == "dead_lettered" for p in postings)
    sending = {fingerprints[job["id"]] for job in to_send}
    directory = stage_dir(settings, stage.task, day) / "input"
    store = settings.batch_store
    store.fetch(directory)
    _clear_unsubmitted_shards(store, directory, submitted_fingerprints(con, stage.task, day))
    unrun = [r for r in unrun_requests(con, stage.task, day) if r.request_fingerprint in sending]
    retried = {r.request_fingerprint for r in unrun}
    summary.build = build_shards(
        [job for job in to_send if fingerprints[job["id"]] not in retried],
        task,
        stage.model,
        directory,
        profile=profile,
        max_requests=settings.max_requests_per_batch,
        max_bytes=settings.max_bytes_per_batch,
        max_description_chars=settings.max_description_chars,
        description_chars=stage.description_chars,
        prefix=shard_prefix(stage.task, day),
        postings_per_request=stage.postings_per_request,
    )
    summary.build.shards += followup_shards(directory, unrun, task, stage.model)
    publish_shards(settings, summary.build.shards)
    with transaction(con):
        replace_stage_postings(con, stage.task, day, postings)
        record_coverage(con, stage.task, day, postings)
        replace_unsubmitted_requests(
            con, stage.task, day, _request_rows(summary.build.shards, stage)
        )
    return summary


def _cover(
    jobs: list[dict[str, Any]], fingerprints: dict[str, str], blocked: dict[str, str]
) -> tuple[list[StagePostingRow], list[dict[str, Any]]]:
    """How each posting is covered (sent, reused, in flight), and the postings to send."""
    blocked = dict(blocked)
    postings: list[StagePostingRow] = []
    to_send: list[dict[str, Any]] = []
    for job in jobs:
        fp = fingerprints.get(job["id"])
        if fp is None:
            continue
        if fp in blocked:
            disposition = "reused" if blocked[fp] == "answered" else blocked[fp]
        else:
            disposition = "sent"
            blocked[fp] = "in_flight"  # a same-day repost waits on this request
            to_send.append(job)
        postings.append(StagePostingRow(job["id"], fp, disposition))
    return postings, to_send


def queue_followups(
    con: duckdb.DuckDBPyConnection, settings: Settings, stage: StageConfig, day: date
) -> list[Shard]:
    """Follow-up shards for what the (stage, day)'s terminal batches left unrun, without a rebuild
    of the day: the automatic resend the sensor asks for. A request answered since by another
    request with its fingerprint is resolved as reused instead; a person's cancel waits."""
    task = get_task(stage.task)
    with transaction(con):
        resolve_answered_elsewhere(con, stage.task, day)
        unrun = unrun_requests(con, stage.task, day)
        directory = stage_dir(settings, stage.task, day) / "input"
        settings.batch_store.fetch(directory)
        shards = followup_shards(directory, unrun, task, stage.model)
        publish_shards(settings, shards)
        record_requests(con, stage.task, day, _request_rows(shards, stage))
    return shards


def followup_shards(
    directory: Path, unrun: list[UnrunRequest], task: Task, model: str
) -> list[Shard]:
    """One follow-up shard per batch that left requests unrun: the engine's
    :func:`~jobbatch_dagster.batch.followup.build_followup_shard`, which copies their lines byte
    for byte from that batch's shard file, so custom ids and fingerprints stay the same."""
    by_parent: dict[str, list[UnrunRequest]] = {}
    for request in unrun:
        by_parent.setdefault(request.parent_batch_id, []).append(request)
    shards = []
    for parent_id, requests in sorted(by_parent.items()):
        parent = _shard_file(directory, parent_id, requests[0].parent_fingerprint)
        followup = build_followup_shard(
            read_shard(parent, task, model)[0],
            [r.custom_id for r in requests],
            directory,
            attempt=requests[0].attempt,
            repairs={r.custom_id: r.repair for r in requests if r.repair is not None},
        )
        if followup is not None:
            shards.append(followup)
    return shards


def _shard_file(directory: Path, batch_id: str, fingerprint: str | None) -> Path:
    """The shard file a batch was created from, found by its input fingerprint."""
    found = (
        [p for p in pending_shards(directory) if p.name.endswith(f"-{fingerprint[:16]}.jsonl")]
        if fingerprint
        else []
    )
    if not found:
        raise FileNotFoundError(
            f"the shard file of batch {batch_id} (input fingerprint {fingerprint}) is not in "
            f"{directory}; its unrun requests are sent again from that file. Restore the folder "
            "from a backup, or delete the batch's rows from `batches` and `batch_requests` to "
            "rebuild the day from its postings"
        )
    return found[0]


def _request_rows(shards: list[Shard], stage: StageConfig) -> list[NewRequestRow]:
    return [
        NewRequestRow(
            entry.custom_id,
            entry.job_id,
            entry.fingerprint,
            stage.model,
            shard.index,
            request_id=entry.request_id or None,
            request_key=entry.key or None,
        )
        for shard in shards
        for entry in shard.manifest()
    ]


def pending_shards(directory: Path) -> list[Path]:
    """The shard files a build left in a (stage, day)'s input folder, in index order."""
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.glob("*.jsonl") if not p.name.endswith(MANIFEST_SUFFIX))

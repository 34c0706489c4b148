"""The plain-dict shapes the guide's verbs return, and the one-call ``process_jobs_batch`` flow.

Kept apart from :mod:`~jobbatch_dagster.batch.processor` so the class stays a list of small verbs;
the dict shapes are the seed's (``id``, ``status``, ``request_counts``, ``created_at``, ...), with
extra keys only added, never renamed, so existing dashboards keep reading them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jobbatch_dagster.batch.client import BatchStatus
from jobbatch_dagster.batch.cost import CostBreakdown
from jobbatch_dagster.batch.estimate import guard_budget
from jobbatch_dagster.batch.harvest import DownloadedResults, download_results
from jobbatch_dagster.batch.origins import find_shard, request_origins
from jobbatch_dagster.batch.results import CorruptLine
from jobbatch_dagster.batch.submit import RecentSubmissions, submit_shard
from jobbatch_dagster.tasks.base import Task

if TYPE_CHECKING:
    from jobbatch_dagster.batch.processor import BatchProcessor


def status_dict(status: BatchStatus) -> dict[str, Any]:
    return {
        "id": status.id,
        "status": status.status,
        "request_counts": status.request_counts,
        "progress": status.progress,
        "created_at": status.created_at,
        "completed_at": status.completed_at,
        "output_file_id": status.output_file_id,
        "error_file_id": status.error_file_id,
        "errors": status.errors,
        "metadata": status.metadata,
    }


def summary_dict(status: BatchStatus) -> dict[str, Any]:
    """The seed's list item (id, status, created_at, request_counts) plus what the batch is for."""
    full = status_dict(status)
    summary = {key: full[key] for key in ("id", "status", "created_at", "request_counts")}
    return summary | {key: status.metadata.get(key) for key in ("description", "task")}


def cost_dict(estimate: CostBreakdown | None) -> dict[str, Any]:
    """The estimate as the verbs report it: batch dollars, what live calls would cost, tokens."""
    if estimate is None:
        return {"estimated_cost": None}
    return {
        "estimated_cost": estimate.batch_usd,
        "estimated_live_cost": estimate.live_usd,
        "estimated_savings": estimate.saving_usd,
        "estimated_tokens": {"input": estimate.input_tokens, "output": estimate.output_tokens},
        "estimate_tolerance": estimate.tolerance,
    }


def corrupt_dict(corrupt: CorruptLine) -> dict[str, Any]:
    """An unreadable results line, shaped like a failed result so it is counted, not lost."""
    message = f"{corrupt.path}:{corrupt.line}: {corrupt.reason}"
    return {
        "custom_id": None,
        "success": False,
        "content": None,
        "parsed": None,
        "error": {"code": "corrupt_line", "message": message},
        "line": corrupt.line,
    }


def result_dicts(
    downloaded: DownloadedResults, task: Task | None, inputs_dir: Path
) -> list[dict[str, Any]]:
    """The guide's result dicts: the seed's keys, plus what lets a script use them directly.

    Each answered result also carries its answer's fields at the top level (``r["qualified"]``,
    ``r["score"]``, ``r["confidence"]``), its ``task``, and, when the batch was built in this work
    directory, the posting it answered: ``job_id``, ``job`` and the posting's fields at the top level
    too, so ``[r for r in results if r["qualified"]]`` is a list of jobs for the next stage. The
    seed's own keys always win over an answer's or a posting's field of the same name.
    """
    task = task or downloaded.task
    shard = find_shard(downloaded.status, inputs_dir)
    origins = request_origins(shard) if shard is not None else {}
    rows = []
    for result in downloaded.results(task):
        row = result.as_dict()
        origin = origins.get(result.custom_id)
        job = origin.job() if origin is not None else {}
        extra = {"task": task.name if task else None, "job_id": job.get("id"), "job": job or None}
        rows.append({**job, **(result.parsed or {}), **extra, **row})
    return rows + [corrupt_dict(c) for c in downloaded.corrupt]


def jobs_for(
    results: Iterable[Mapping[str, Any]], original_jobs: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """The original jobs these results answered, in the results' order, each with the result's
    answer fields added (a qualify score, an analysis...), ready for the next stage.

    Results are matched to jobs by job id (``job_id``, recorded when the batch was built in the
    processor's work directory); a result that matches no job raises, naming its custom_id.
    """
    by_id = {str(job["id"]): job for job in original_jobs if job.get("id") is not None}
    jobs = []
    for result in results:
        job_id = result.get("job_id")
        job = by_id.get(str(job_id)) if job_id is not None else None
        if job is None:
            raise ValueError(
                f"result {result.get('custom_id')!r} matches none of the {len(by_id)} original jobs"
                f" by id (job_id {job_id!r}): pass the jobs the batch was built from, with their "
                "'id', and read the results with the processor (same work_dir) that built it"
            )
        jobs.append({**job, **(result.get("parsed") or {})})
    return jobs


def process(
    processor: BatchProcessor,
    jobs: Any,
    task_type: str,
    model: str,
    wait: bool,
    *,
    description: str | None,
    check_interval: float,
    timeout: float,
) -> dict[str, Any]:
    """Build, guard the budget, submit every shard; when waiting, also read every result."""
    build = processor.build(jobs, task_type, model)
    outcome: dict[str, Any] = {
        "success": False,
        "task_type": task_type,
        "model": model,
        "job_count": build.request_count,
        "rejected": [r.as_dict() for r in build.rejections],
        "batch_id": None,
        "batch_ids": [],
        "file_id": None,
        "file_ids": [],
        "shards": len(build.shards),
    }
    if not build.shards:
        outcome["message"] = f"No batch created: all {len(build.rejections)} jobs were rejected."
        return outcome
    estimate = guard_budget(build.shards, processor.settings.max_usd_per_submission)
    outcome.update(cost_dict(estimate))
    count = len(build.shards)
    # Several shards are reconciled against one reading of the provider's lists, not one each.
    recent = RecentSubmissions.read(processor.client) if count > 1 else None
    records = [
        submit_shard(
            processor.client,
            shard,
            description=description
            or f"{task_type} {shard.request_count} jobs (shard {shard.index + 1} of {count})",
            recent=recent,
        )
        for shard in build.shards
    ]
    outcome.update(
        success=True,
        batch_id=records[0].batch_id,
        batch_ids=[r.batch_id for r in records],
        file_id=records[0].input_file_id,
        file_ids=[r.input_file_id for r in records],
        reused=[r.reused for r in records],
        backend=records[0].backend,
        message=f"Processing {build.request_count} jobs in {len(records)} batch(es). "
        "Results available within 24 hours.",
    )
    if wait:
        outcome.update(_wait_and_read(processor, outcome["batch_ids"], check_interval, timeout))
    return outcome


def _wait_and_read(
    processor: BatchProcessor, batch_ids: list[str], interval: float, timeout: float
) -> dict[str, Any]:
    statuses, results = [], []
    for batch_id in batch_ids:
        status = processor.client.wait(batch_id, interval=interval, timeout=timeout)
        statuses.append(status_dict(status))
        if status.output_file_id or status.error_file_id:
            downloaded = download_results(processor.client, status, processor.work_dir / "results")
            results.extend(result_dicts(downloaded, None, processor.inputs_dir))
    return {
        "statuses": statuses,
        "results": results,
        "successful": sum(1 for r in results if r["success"]),
        "failed": sum(1 for r in results if not r["success"]),
    }

"""The plain-dict shapes the guide's verbs (:mod:`~jobbatch_dagster.batch.processor`) return.

The dict shapes are the seed's (``id``, ``status``, ``request_counts``, ``created_at``, ...), with
extra keys only added, never renamed, so existing dashboards keep reading them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from jobbatch_dagster.batch.client import BatchStatus
from jobbatch_dagster.batch.cost import CostBreakdown
from jobbatch_dagster.batch.failures import batch_failure
from jobbatch_dagster.batch.harvest import DownloadedResults
from jobbatch_dagster.batch.origins import find_shard, request_origins
from jobbatch_dagster.batch.results import CorruptLine, full_collections_held
from jobbatch_dagster.tasks.base import Task


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
        "failure": failure.as_dict() if (failure := batch_failure(status)) else None,
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
    task_name = task.name if task else None
    shard = find_shard(downloaded.status, inputs_dir)
    origins = request_origins(shard) if shard is not None else {}
    rows = []
    with full_collections_held():
        for result in downloaded.results(task):
            origin = origins.get(result.custom_id) if origins else None
            # the posting's fields, the answer's, then the seed's keys, which win over both
            if origin is None:
                first = {**(result.parsed or {}), "task": task_name, "job_id": None, "job": None}
            else:
                job = origin.job()
                first = {**job, **(result.parsed or {})}
                first.update(task=task_name, job_id=job.get("id"), job=job or None)
            rows.append(result.as_dict(after=first))
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

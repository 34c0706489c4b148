"""The engine: job postings to Batch API requests, submissions, statuses and per-request results.

No Dagster here (``pipeline/`` calls this; so can any plain Python script). Names are
imported lazily so that ``import jobbatch_dagster.batch`` stays cheap; the map below is the public API.

A stage's night, in calls:
1. ``posting_fingerprint(job, task, model, profile, max_chars)`` per posting, to skip answered ones,
   or pass ``skip_fingerprints`` to ``build_shards(jobs, task, model, out_dir, ...)`` -> shards
   (each with a manifest: custom_id -> job id, request fingerprint, line) and rejections;
2. ``guard_budget(estimate_shards_cost(shards), max_usd)`` once for the submission, then
   ``submit_shard(BatchClient(), shard, description=..., partition=day)`` per shard: idempotent
   (for several shards, pass ``recent=RecentSubmissions.read(client)`` to list the provider once);
3. ``BatchClient.status(batch_id)`` / ``.list()`` until terminal;
4. ``download_results(client, status, dest_dir).results(task)`` -> ``RequestResult`` per line, and
   ``classify_requests(shard.manifest(), results)``: answered, failed or pending, per request;
5. for pending requests: ``build_followup_shard(shard, pending_ids, out_dir, attempt=n + 1)`` and
   submit it with ``extra_metadata=followup_metadata(parent_batch_id, n + 1)``.
The guide's verbs (``BatchProcessor``, ``process_jobs_batch``) are these same steps for one call.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "BatchProcessor": "processor",
    "process_jobs_batch": "processor",
    "build_shards": "shards",
    "read_manifest": "shards",
    "BuildResult": "shards",
    "Shard": "shards",
    "ManifestEntry": "shards",
    "posting_fingerprint": "requests",
    "request_fingerprint": "requests",
    "prepare_posting": "requests",
    "JobRejection": "requests",
    "validate_jsonl": "validate",
    "InvalidBatchFileError": "validate",
    "BatchClient": "client",
    "BatchStatus": "client",
    "BatchWaitTimeout": "client",
    "submit_shard": "submit",
    "SubmissionRecord": "submit",
    "RecentSubmissions": "submit",
    "download_results": "harvest",
    "DownloadedResults": "harvest",
    "ResultsNotReadyError": "harvest",
    "ResultFile": "results",
    "RequestResult": "results",
    "build_followup_shard": "followup",
    "followup_metadata": "followup",
    "classify_requests": "accounting",
    "estimate_shards_cost": "estimate",
    "guard_budget": "cost",
    "ShardAccounting": "accounting",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)

"""The engine: job postings to Batch API requests, submissions, statuses and per-request results.

No Dagster here (the pipeline in ``defs/`` calls this; so can any plain Python script). Names are
imported lazily so that ``import jobbatch_dagster.batch`` stays cheap; the map below is the public API.
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
    "download_results": "harvest",
    "DownloadedResults": "harvest",
    "ResultsNotReadyError": "harvest",
    "ResultFile": "results",
    "RequestResult": "results",
    "build_followup_shard": "followup",
    "followup_metadata": "followup",
    "classify_requests": "accounting",
    "ShardAccounting": "accounting",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)

"""jobbatch-dagster: qualify scraped job postings as sales leads over the OpenAI Batch API.

``from jobbatch_dagster import BatchProcessor, process_jobs_batch`` gives the original guide's API.
Both are loaded on first use, so importing the package pulls in neither the SDK nor Dagster.
"""

from __future__ import annotations

from typing import Any

__all__ = ["BatchProcessor", "process_jobs_batch"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from jobbatch_dagster.batch import processor

        return getattr(processor, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

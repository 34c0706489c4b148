"""jobbatch-dagster: qualify scraped job postings as sales leads over the OpenAI Batch API.

``from jobbatch_dagster import BatchProcessorAgent, ConversationalLeadAgent, process_jobs_batch``
gives the original guide's API (``BatchProcessor`` is the processor's own name, ``jobs_for`` turns
results back into jobs). All are loaded on first use, so importing the package pulls in neither the
SDK nor Dagster.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "BatchProcessor": "jobbatch_dagster.batch.processor",
    "BatchProcessorAgent": "jobbatch_dagster.batch.processor",
    "process_jobs_batch": "jobbatch_dagster.batch.processor",
    "jobs_for": "jobbatch_dagster.batch.verb_shapes",
    "ConversationalLeadAgent": "jobbatch_dagster.followup.agent",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

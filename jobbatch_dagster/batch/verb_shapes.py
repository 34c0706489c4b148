"""The plain-dict shapes the guide's verbs (:mod:`~jobbatch_dagster.batch.processor`) return.

The dict shapes are the seed's (``id``, ``status``, ``request_counts``, ``created_at``, ...), with
extra keys only added, never renamed, so existing dashboards keep reading them.
"""

from __future__ import annotations

from typing import Any

from jobbatch_dagster.batch.client import BatchStatus
from jobbatch_dagster.batch.cost import CostBreakdown
from jobbatch_dagster.batch.failures import batch_failure
from jobbatch_dagster.batch.results import CorruptLine


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

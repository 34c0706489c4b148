"""Which failures are worth another try: one table for failed batches and failed request lines.

Retryable means the same request may succeed if sent again later: the provider was busy or broken
(rate limits, the enqueued-token limit, 5xx, ``batch_expired``). Permanent means sending it unchanged
would fail the same way: the request or its batch is wrong (an unknown model, an input file the
provider cannot find, a line that fails validation, any other 4xx). A code this table does not know
is permanent: a dead letter names its reason, where an endless resend would only cost money.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jobbatch_dagster.batch.client import BatchStatus

# Codes of failed batches (errors.data) and of failed lines that are worth another try.
RETRYABLE_CODES = frozenset(
    {
        "batch_expired",
        "batch_cancelled",
        "token_limit_exceeded",
        "rate_limit_exceeded",
        "server_error",
        "timeout",
        "http_408",
        "http_409",
        "http_429",
        # a line that judged several postings gave no verdict for this one: it goes again in a
        # follow-up line of its own postings (the answered ones are never resent)
        "missing_verdict",
    }
)
RETRYABLE_STATUSES = frozenset({408, 409, 429})
# Codes of answers that came back but are unusable (not JSON, not the task's schema): worth one
# resend that tells the model what was wrong (a schema repair), then a dead letter.
REPAIRABLE_CODES = frozenset({"invalid_json_content", "schema_mismatch"})
REPAIR_CODE = "schema_repair"  # a request waiting for its repair resend
# At most this many of a failed batch's errors are quoted in each dead letter's reason.
QUOTED_ERRORS = 3


def is_retryable(code: str | None, status_code: int | None = None) -> bool:
    """Whether a request that failed with this code (and HTTP status) may succeed if resent."""
    if status_code is not None and (status_code >= 500 or status_code in RETRYABLE_STATUSES):
        return True
    return code is not None and (code in RETRYABLE_CODES or code.startswith("http_5"))


@dataclass(frozen=True)
class BatchFailure:
    """Why a batch failed, whether its requests may be sent again, and the reason to record."""

    code: str
    message: str
    retryable: bool

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "retryable": self.retryable}


def _describe(error: dict[str, Any]) -> str:
    where = ", ".join(
        f"{name} {error[name]}" for name in ("line", "param") if error.get(name) is not None
    )
    message = str(error.get("message") or error.get("code") or "no message")
    return f"{message} ({where})" if where else message


def batch_failure(status: BatchStatus) -> BatchFailure | None:
    """The failure of a ``failed`` batch (None for any other status).

    Retryable only when every listed error is (e.g. ``token_limit_exceeded``): one permanent error,
    such as ``model_not_found`` on line 1, means the same file would fail again.
    """
    if status.status != "failed":
        return None
    errors = status.errors
    codes = [str(e.get("code") or "batch_failed") for e in errors] or ["batch_failed"]
    quoted = "; ".join(_describe(e) for e in errors[:QUOTED_ERRORS])
    message = f"batch {status.id} failed: {quoted or 'the provider gave no reason'}"
    if len(errors) > QUOTED_ERRORS:
        message += f"; and {len(errors) - QUOTED_ERRORS} more error(s)"
    retryable = all(is_retryable(code) for code in codes)
    if not retryable:
        message += (
            ". Sent unchanged it would fail the same way: fix the model or the input and "
            "submit it again"
        )
    return BatchFailure(codes[0], message, retryable)


def unrun_reason(status: BatchStatus) -> tuple[str, str]:
    """The code and message recorded for a request in neither file of a terminal batch."""
    failure = batch_failure(status)
    if failure is not None:
        return failure.code, failure.message
    code = f"batch_{status.status}" if status.status in ("expired", "cancelled") else None
    return code or "missing_from_output", f"batch {status.id} is {status.status}"

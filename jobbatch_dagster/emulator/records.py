"""The stored shape of files and batches, and how each renders as an API object.

A record carries everything the worker needs to resume after a crash (offsets into the input and
output bodies, committed counts); rendering picks the fields the OpenAPI spec defines.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any


def new_id(prefix: str) -> str:
    """An id shaped like OpenAI's (``file-...``, ``batch_...``): prefix plus 24 random hex digits."""
    return prefix + secrets.token_hex(12)


@dataclass
class FileRecord:
    id: str
    bytes: int
    created_at: int
    filename: str
    purpose: str
    expires_at: int | None = None
    status: str = "processed"

    def as_object(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "file",
            "bytes": self.bytes,
            "created_at": self.created_at,
            "expires_at": self.expires_at,
            "filename": self.filename,
            "purpose": self.purpose,
            "status": self.status,
            "status_details": None,
        }


@dataclass
class BatchRecord:
    """A batch and its progress. ``phase_ts`` is when the current status began (float seconds)."""

    id: str
    endpoint: str
    input_file_id: str
    completion_window: str
    status: str
    created_at: int
    expires_at: int
    phase_ts: float
    output_body_id: str  # file ids reserved at creation: the worker appends to these bodies
    error_body_id: str
    metadata: dict[str, str] | None = None
    output_expires_seconds: int | None = None
    faults: dict[str, Any] = field(default_factory=dict)
    model: str | None = None
    errors: list[dict[str, Any]] | None = None
    in_progress_at: int | None = None
    finalizing_at: int | None = None
    completed_at: int | None = None
    failed_at: int | None = None
    expired_at: int | None = None
    cancelling_at: int | None = None
    cancelled_at: int | None = None
    output_file_id: str | None = None
    error_file_id: str | None = None
    total: int = 0
    completed: int = 0
    failed: int = 0
    input_tokens: int = 0
    cached_tokens: int = 0
    output_tokens: int = 0
    enqueued_tokens: int = 0
    input_offset: int = 0  # byte offset of the next unread input line, committed with the counts
    output_bytes: int = 0  # committed length of the output body
    error_bytes: int = 0  # committed length of the error body
    stall_until: float | None = None  # finalizing holds until then; inf = until released

    @property
    def processed(self) -> int:
        return self.completed + self.failed

    def as_object(self) -> dict[str, Any]:
        errors = None if self.errors is None else {"object": "list", "data": self.errors}
        return {
            "id": self.id,
            "object": "batch",
            "endpoint": self.endpoint,
            "model": self.model,
            "errors": errors,
            "input_file_id": self.input_file_id,
            "completion_window": self.completion_window,
            "status": self.status,
            "output_file_id": self.output_file_id,
            "error_file_id": self.error_file_id,
            "created_at": self.created_at,
            "in_progress_at": self.in_progress_at,
            "expires_at": self.expires_at,
            "finalizing_at": self.finalizing_at,
            "completed_at": self.completed_at,
            "failed_at": self.failed_at,
            "expired_at": self.expired_at,
            "cancelling_at": self.cancelling_at,
            "cancelled_at": self.cancelled_at,
            "request_counts": {
                "total": self.total,
                "completed": self.completed,
                "failed": self.failed,
            },
            "usage": {
                "input_tokens": self.input_tokens,
                "input_tokens_details": {"cached_tokens": self.cached_tokens},
                "output_tokens": self.output_tokens,
                "output_tokens_details": {"reasoning_tokens": 0},
                "total_tokens": self.input_tokens + self.output_tokens,
            },
            "metadata": self.metadata,
        }

"""Fault injection: what can go wrong with a real Batch API, scheduled through the admin route.

Three kinds, chosen so tests are deterministic:
- one-shot batch faults (``expire_after_requests``, ``token_limit_exceeded``, ``stall_finalizing``,
  ``cancel_delay_seconds``) attach to the NEXT batch created, then are gone;
- per-line faults (``fail_lines``, ``malformed_json``, ``schema_invalid``, ``missing_verdict``:
  a line that judges several postings answers all but its last), keyed by custom_id, attach to
  every batch created while they are set, until ``/_emulator/reset``;
- ``http_errors`` answers the next ``count`` ``/v1`` calls with 429 or a 5xx;
- ``accept_missing_input_file`` makes a create with an unknown input file succeed and the batch
  fail in validation (an older behaviour of the service), until reset.
A batch copies its faults when it is created and stores them with itself, so they survive a restart;
the registry itself lives in memory and a restarted server starts with none.
"""

from __future__ import annotations

import math
import threading
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from jobbatch_dagster.emulator.errors import ApiError

_ONE_SHOT = (
    "expire_after_requests",
    "token_limit_exceeded",
    "stall_finalizing",
    "cancel_delay_seconds",
)
_PER_LINE = ("fail_lines", "malformed_json", "schema_invalid", "missing_verdict")
# Changes how the server answers (not one batch) until reset.
_SERVER_MODES = ("accept_missing_input_file",)


class LineFailure(BaseModel):
    """The HTTP error a chosen request gets instead of an answer (goes to the error file)."""

    model_config = ConfigDict(extra="forbid")
    status_code: int = Field(default=500, ge=400, le=599)
    message: str = "The server had an error while processing your request."
    type: str = "server_error"
    param: str | None = None
    code: str | None = None

    def body(self) -> dict[str, Any]:
        return {"error": self.model_dump(exclude={"status_code"})}


class HttpErrorBurst(BaseModel):
    """The next ``count`` API calls fail with ``status`` (429 carries retry-after headers)."""

    model_config = ConfigDict(extra="forbid")
    status: int = 429
    count: int = Field(default=1, ge=1)
    retry_after_ms: int = Field(default=1000, ge=0)

    @field_validator("status")
    @classmethod
    def _retryable_status(cls, status: int) -> int:
        if status != 429 and not 500 <= status <= 599:
            raise ValueError("http_errors.status must be 429 or 5xx")
        return status


class FaultPlan(BaseModel):
    """The body of ``POST /_emulator/faults``; keys that are set replace the current ones."""

    model_config = ConfigDict(extra="forbid")
    expire_after_requests: int | None = Field(default=None, ge=0)
    token_limit_exceeded: bool | None = None
    stall_finalizing: float | Literal["until_released"] | None = None
    cancel_delay_seconds: float | None = Field(default=None, ge=0)
    fail_lines: dict[str, LineFailure] | None = None
    malformed_json: list[str] | None = None
    schema_invalid: list[str] | None = None
    missing_verdict: list[str] | None = None
    http_errors: HttpErrorBurst | None = None
    accept_missing_input_file: bool | None = None


class Faults:
    """The scheduled faults of one server. Thread-safe: the API and the worker both consult it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._plan: dict[str, Any] = {}
        self._burst: HttpErrorBurst | None = None  # the validated http_errors of the plan
        self._http_left = 0

    def add(self, plan: FaultPlan) -> None:
        with self._lock:
            self._plan.update(plan.model_dump(mode="json", exclude_none=True))
            if plan.http_errors is not None:
                self._burst = plan.http_errors
                self._http_left = plan.http_errors.count

    def reset(self) -> None:
        with self._lock:
            self._plan.clear()
            self._burst = None
            self._http_left = 0

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {**self._plan, "http_errors_left": self._http_left}

    def mode(self, key: str) -> bool:
        """Whether a server mode (e.g. ``accept_missing_input_file``) is switched on."""
        assert key in _SERVER_MODES, key
        with self._lock:
            return bool(self._plan.get(key))

    def take_for_new_batch(self) -> dict[str, Any]:
        """The faults a batch being created carries; one-shot faults are consumed here."""
        with self._lock:
            taken = {key: self._plan.pop(key) for key in _ONE_SHOT if key in self._plan}
            taken.update({key: self._plan[key] for key in _PER_LINE if key in self._plan})
            return taken

    def take_http_error(self) -> ApiError | None:
        """The error to answer this API call with, if an http_errors burst is under way."""
        with self._lock:
            burst = self._burst
            if burst is None or self._http_left <= 0:
                return None
            self._http_left -= 1
            if self._http_left == 0:
                del self._plan["http_errors"]
                self._burst = None
        if burst.status == 429:
            return ApiError(
                429,
                "Rate limit reached for requests (injected by the jobbatch emulator).",
                type="requests",
                code="rate_limit_exceeded",
                headers={
                    "retry-after": str(math.ceil(burst.retry_after_ms / 1000)),
                    "retry-after-ms": str(burst.retry_after_ms),
                },
            )
        return ApiError(
            burst.status,
            "The server had an error while processing your request (injected by the jobbatch "
            "emulator).",
            type="server_error",
        )

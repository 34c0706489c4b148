"""API errors in OpenAI's envelope: ``{"error": {message, type, param, code}}`` plus a status.

The backend raises :class:`ApiError`; the HTTP layer renders it. Constructors for the errors the
contract pins down live here so their wording is defined once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ApiError(Exception):
    """One error response. ``retryable=False`` adds ``x-should-retry: false`` for the SDK."""

    status: int
    message: str
    type: str = "invalid_request_error"
    param: str | None = None
    code: str | None = None
    retryable: bool | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        return {
            "error": {
                "message": self.message,
                "type": self.type,
                "param": self.param,
                "code": self.code,
            }
        }

    def response_headers(self) -> dict[str, str]:
        headers = dict(self.headers)
        if self.retryable is not None:
            headers["x-should-retry"] = "true" if self.retryable else "false"
        return headers


def invalid(message: str, param: str | None, code: str | None = "invalid_value") -> ApiError:
    """A 400 the caller must fix; retrying the same request cannot help."""
    return ApiError(400, message, param=param, code=code, retryable=False)


def unsupported(value: Any, allowed: Iterable[str], param: str) -> ApiError:
    """A 400 for a value outside an enum, listing the values the API accepts."""
    choices = ", ".join(f"'{choice}'" for choice in allowed)
    return invalid(f"Invalid value: '{value}'. Supported values are: {choices}.", param)


def missing(param: str) -> ApiError:
    return invalid(f"Missing required parameter: '{param}'.", param, "missing_required_parameter")


def no_such_file(file_id: str) -> ApiError:
    return ApiError(404, f"No such File object: {file_id}", param="id", retryable=False)


def no_such_batch(batch_id: str) -> ApiError:
    # Unconfirmed wording: we mirror the File message, which the contract does confirm.
    return ApiError(404, f"No such Batch object: {batch_id}", param="id", retryable=False)


def model_not_found(model: str) -> ApiError:
    """A live call naming a model this server does not serve (the service's 404)."""
    return ApiError(
        404,
        f"The model `{model}` does not exist or you do not have access to it.",
        code="model_not_found",
        retryable=False,
    )


def missing_input_file(file_id: str) -> str:
    """The message of a batch failed in validation because its input file does not exist.

    Wording as the service gave it (a 2024 report of the same error at create), with the emulator's
    placeholder project.
    """
    return (
        f"Cannot find file {file_id}, or project proj_jobbatch_emulator does not have access to it."
    )


def batches_per_hour_exceeded(limit: int, retry_after_seconds: int) -> ApiError:
    """A create over the batches-per-hour limit: a 429 in the service's rate-limit shape."""
    return ApiError(
        429,
        f"Rate limit reached for batch creation in organization org-jobbatch-emulator: limit "
        f"{limit:,} batches per hour. Please try again in {retry_after_seconds}s.",
        type="requests",
        code="rate_limit_exceeded",
        headers={
            "retry-after": str(retry_after_seconds),
            "retry-after-ms": str(retry_after_seconds * 1000),
        },
    )

"""Reading output and error files into one :class:`RequestResult` per request, streamed.

Lines are matched by ``custom_id`` (the provider does not keep input order). A model answer that is
not JSON, or not the task's schema, is an error on that request (``invalid_json_content``,
``schema_mismatch``), never an exception for the file; a line of the file itself that cannot be read
is a :class:`CorruptLine` with its line number. Files are read line by line, so a 200 MB output
file costs one line of memory.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from jobbatch_dagster.batch.failures import is_retryable
from jobbatch_dagster.tasks.base import Task, TaskResultError


@dataclass(frozen=True)
class RequestError:
    code: str
    message: str


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int = 0
    cached_tokens: int = 0
    completion_tokens: int = 0


@dataclass(frozen=True)
class RequestResult:
    """The outcome of one request as the provider reported it."""

    custom_id: str
    success: bool
    content: str | None = None
    parsed: dict[str, Any] | None = None
    error: RequestError | None = None
    status_code: int | None = None
    usage: Usage = field(default_factory=Usage)
    batch_request_id: str | None = None
    model: str | None = None
    line: int = 0  # 1-based line in the file it came from

    def as_dict(self) -> dict[str, Any]:
        """The seed's result shape (custom_id, success, content, error, parsed) and the rest,
        with ``retryable``: whether a failed request may succeed if sent again (failures.py)."""
        data = asdict(self)
        data["error"] = asdict(self.error) if self.error else None
        data["retryable"] = self.error is not None and is_retryable(
            self.error.code, self.status_code
        )
        return data


@dataclass(frozen=True)
class CorruptLine:
    """A line of an output or error file that is not a result line at all."""

    path: str
    line: int
    reason: str


def _error_of(line: dict[str, Any], response: dict[str, Any] | None) -> RequestError | None:
    top = line.get("error")
    if isinstance(top, dict):
        return RequestError(str(top.get("code") or "error"), str(top.get("message") or ""))
    if response is None:
        return RequestError("no_response", "the line has neither a response nor an error")
    status = response.get("status_code")
    body = response.get("body") if isinstance(response.get("body"), dict) else {}
    if isinstance(body.get("error"), dict):
        err = body["error"]
        return RequestError(
            str(err.get("code") or err.get("type") or f"http_{status}"),
            str(err.get("message") or ""),
        )
    if status != 200:
        return RequestError(f"http_{status}", f"the request returned HTTP {status}")
    return None


def _usage_of(body: dict[str, Any]) -> Usage:
    usage = body.get("usage") or {}
    details = usage.get("prompt_tokens_details") or {}
    return Usage(
        int(usage.get("prompt_tokens") or 0),
        int(details.get("cached_tokens") or 0),
        int(usage.get("completion_tokens") or 0),
    )


def _answer_of(
    body: dict[str, Any], task: Task | None
) -> tuple[str | None, dict | None, RequestError | None]:
    """The message content, its parsed form, and what is wrong with it if anything."""
    choices = body.get("choices") or []
    message = choices[0].get("message") if choices and isinstance(choices[0], dict) else None
    if not isinstance(message, dict):
        return None, None, RequestError("no_content", "the response has no message")
    if message.get("refusal"):
        return None, None, RequestError("refusal", str(message["refusal"]))
    content = message.get("content")
    if task is None:
        return content, None, None
    try:
        json.loads(content or "")
    except (json.JSONDecodeError, TypeError) as exc:
        return content, None, RequestError("invalid_json_content", f"the answer is not JSON: {exc}")
    try:
        parsed = task.parse_content(content)
    except TaskResultError as exc:
        return content, None, RequestError("schema_mismatch", str(exc))
    return content, parsed.model_dump(mode="json"), None


def parse_result_line(raw: bytes | str, task: Task | None, lineno: int = 0) -> RequestResult:
    """One output or error line; raise ValueError when the line itself is unreadable."""
    try:
        line = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"invalid JSON: {exc}") from exc
    if not isinstance(line, dict) or not isinstance(line.get("custom_id"), str):
        raise ValueError("not a result line (no custom_id)")
    response = line.get("response") if isinstance(line.get("response"), dict) else None
    body = response.get("body") if response and isinstance(response.get("body"), dict) else {}
    error = _error_of(line, response)
    content = parsed = None
    if error is None:
        content, parsed, error = _answer_of(body, task)
    return RequestResult(
        custom_id=line["custom_id"],
        success=error is None,
        content=content,
        parsed=parsed,
        error=error,
        status_code=response.get("status_code") if response else None,
        usage=_usage_of(body),
        batch_request_id=line.get("id"),
        model=body.get("model"),
        line=lineno,
    )


class ResultFile:
    """Iterate the results in an output or error file; unreadable lines collect in ``corrupt``."""

    def __init__(self, path: str | os.PathLike[str], task: Task | None = None) -> None:
        self.path = str(path)
        self.task = task
        self.corrupt: list[CorruptLine] = []

    def __iter__(self) -> Iterator[RequestResult]:
        self.corrupt = []  # each pass reports what it found, once
        with open(self.path, "rb") as fh:
            for lineno, raw in enumerate(fh, start=1):
                if not raw.strip():
                    continue
                try:
                    yield parse_result_line(raw, self.task, lineno)
                except ValueError as exc:
                    self.corrupt.append(CorruptLine(self.path, lineno, str(exc)))

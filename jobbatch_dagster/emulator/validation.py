"""The rules a batch must pass: the create request (answered with a 400) and the input file.

Input-file problems do not fail the HTTP call: the batch is created, then turns ``failed`` with the
problems in ``errors.data`` (1-based ``line``), as the real API does; a model outside the served
list is one of them (``model_not_found``). Codes the contract marks
"unconfirmed" (duplicate_custom_id, mismatched_model, too_many_requests, file_too_large,
empty_file) are named for what a user must fix.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jobbatch_dagster.contract import (
    BATCH_ENDPOINTS,
    CHAT_COMPLETIONS_ENDPOINT,
    COMPLETION_WINDOW,
    MAX_METADATA_KEY_CHARS,
    MAX_METADATA_PAIRS,
    MAX_METADATA_VALUE_CHARS,
)
from jobbatch_dagster.emulator.errors import invalid, missing, unsupported
from jobbatch_dagster.emulator.models import ModelList
from jobbatch_dagster.tasks.tokens import estimate_prompt_tokens, estimate_text_tokens

MIN_EXPIRY_SECONDS = 3600
MAX_EXPIRY_SECONDS = 2_592_000
# Listing 50,000 identical errors helps nobody and bloats every batch object; past this many the
# scan goes on counting requests but stops recording errors.
MAX_REPORTED_ERRORS = 100
REQUIRED_LINE_KEYS = ("custom_id", "method", "url", "body")


@dataclass(frozen=True)
class CreateRequest:
    input_file_id: str
    endpoint: str
    completion_window: str
    metadata: dict[str, str] | None
    output_expires_seconds: int | None


def parse_create_request(body: Any) -> CreateRequest:
    """Check a create-batch body; raises the 400 the real API gives for the first problem."""
    if not isinstance(body, Mapping):
        raise invalid("The request body must be a JSON object.", None, "invalid_request_body")
    for key in ("input_file_id", "endpoint", "completion_window"):
        if key not in body or body[key] is None:
            raise missing(key)
    if not isinstance(body["input_file_id"], str):
        raise invalid("input_file_id must be a string.", "input_file_id", "invalid_type")
    if body["endpoint"] not in BATCH_ENDPOINTS:
        raise unsupported(body["endpoint"], BATCH_ENDPOINTS, "endpoint")
    if body["completion_window"] != COMPLETION_WINDOW:
        raise unsupported(body["completion_window"], (COMPLETION_WINDOW,), "completion_window")
    return CreateRequest(
        input_file_id=body["input_file_id"],
        endpoint=body["endpoint"],
        completion_window=COMPLETION_WINDOW,
        metadata=_metadata(body.get("metadata")),
        output_expires_seconds=parse_expiry(
            body.get("output_expires_after"), "output_expires_after"
        ),
    )


def _metadata(value: Any) -> dict[str, str] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise invalid(
            "metadata must be an object of string keys and values.", "metadata", "invalid_type"
        )
    if len(value) > MAX_METADATA_PAIRS:
        raise invalid(
            f"metadata has {len(value)} pairs; at most {MAX_METADATA_PAIRS} are allowed.",
            "metadata",
            "object_above_max_properties",
        )
    for key, item in value.items():
        if len(key) > MAX_METADATA_KEY_CHARS:
            raise invalid(
                f"metadata key '{key[:20]}...' is longer than {MAX_METADATA_KEY_CHARS} characters.",
                "metadata",
                "string_above_max_length",
            )
        if not isinstance(item, str):
            raise invalid(
                f"Invalid type for 'metadata.{key}': expected a string, but got "
                f"{type(item).__name__}.",
                f"metadata.{key}",
                "invalid_type",
            )
        if len(item) > MAX_METADATA_VALUE_CHARS:
            raise invalid(
                f"metadata value of '{key}' is longer than {MAX_METADATA_VALUE_CHARS} characters.",
                f"metadata.{key}",
                "string_above_max_length",
            )
    return dict(value)


def parse_expiry(value: Any, param: str) -> int | None:
    """Seconds of an ``{anchor: "created_at", seconds}`` expiry policy (files and batch outputs)."""
    if value is None:
        return None
    if not isinstance(value, Mapping) or value.get("anchor") != "created_at":
        raise invalid(f"{param}.anchor must be 'created_at'.", f"{param}.anchor")
    seconds = value.get("seconds")
    if (
        not isinstance(seconds, int)
        or isinstance(seconds, bool)
        or not MIN_EXPIRY_SECONDS <= seconds <= MAX_EXPIRY_SECONDS
    ):
        raise invalid(
            f"{param}.seconds must be an integer from {MIN_EXPIRY_SECONDS} "
            f"to {MAX_EXPIRY_SECONDS}.",
            f"{param}.seconds",
        )
    return seconds


def batch_error(
    code: str, message: str, param: str | None = None, line: int | None = None
) -> dict[str, Any]:
    """One entry of a failed batch's ``errors.data``."""
    return {"code": code, "message": message, "param": param, "line": line}


@dataclass
class InputReport:
    """What a scan of the input file found: the request count, the model, the prompt tokens."""

    total: int = 0
    model: str | None = None
    enqueued_tokens: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    def add_error(self, code: str, message: str, param: str | None, line: int | None) -> None:
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(batch_error(code, message, param, line))


def scan_input_file(
    path: Path, endpoint: str, models: ModelList, max_requests: int, max_bytes: int
) -> InputReport:
    """Validate every line of an input file, streaming it: memory stays flat even at 200 MB.

    The body of each line is checked here only as far as the whole batch depends on it (its model,
    streaming); the rest is checked line by line when it is answered (``chat_validation``).
    """
    report = InputReport()
    size = path.stat().st_size
    if size > max_bytes:
        report.add_error(
            "file_too_large",
            f"The input file is {size:,} bytes; a batch accepts at most {max_bytes:,}. "
            "Split it into several batches.",
            None,
            None,
        )
        return report
    seen: set[str] = set()
    with path.open("rb") as lines:
        for number, raw in enumerate(lines, start=1):
            if not raw.strip():
                continue  # a blank line (e.g. a trailing one) carries no request; not an error
            report.total += 1
            _check_line(raw, number, endpoint, models, seen, report)
    if report.total == 0:
        report.add_error("empty_file", "The input file contains no requests.", None, None)
    elif report.total > max_requests:
        report.add_error(
            "too_many_requests",
            f"The input file has {report.total:,} requests; a batch accepts at most "
            f"{max_requests:,}. Split it into several batches.",
            None,
            None,
        )
    return report


def _check_line(
    raw: bytes,
    number: int,
    endpoint: str,
    models: ModelList,
    seen: set[str],
    report: InputReport,
) -> None:
    try:
        line = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        report.add_error(
            "invalid_json_line",
            f"This line is not parseable as valid JSON (line {number}).",
            None,
            number,
        )
        return
    if not isinstance(line, dict):
        report.add_error(
            "invalid_json_line", f"Each line must be a JSON object (line {number}).", None, number
        )
        return
    for key in REQUIRED_LINE_KEYS:
        if key not in line:
            report.add_error(
                "missing_required_parameter",
                f"Missing required parameter: '{key}' (line {number}).",
                key,
                number,
            )
            return
    custom_id, body = line["custom_id"], line["body"]
    if not isinstance(custom_id, str) or not custom_id:
        report.add_error(
            "invalid_request",
            f"custom_id must be a non-empty string (line {number}).",
            "custom_id",
            number,
        )
        return
    if custom_id in seen:
        report.add_error(
            "duplicate_custom_id",
            f"The custom_id '{custom_id}' appears more than once (line {number}); each request "
            "needs a unique custom_id.",
            "custom_id",
            number,
        )
        return
    seen.add(custom_id)
    if line["method"] != "POST":
        report.add_error(
            "invalid_request", f"method must be 'POST' (line {number}).", "method", number
        )
    elif line["url"] != endpoint:
        report.add_error(
            "invalid_url",
            f"The url '{line['url']}' does not match the batch endpoint '{endpoint}' "
            f"(line {number}).",
            "url",
            number,
        )
    elif not isinstance(body, dict):
        report.add_error(
            "invalid_request", f"body must be an object (line {number}).", "body", number
        )
    else:
        _check_body(body, number, endpoint, models, report)


def _check_body(
    body: dict[str, Any], number: int, endpoint: str, models: ModelList, report: InputReport
) -> None:
    model = body.get("model")
    if not isinstance(model, str) or not model:
        report.add_error(
            "invalid_request",
            f"body.model must be a non-empty string (line {number}).",
            "body.model",
            number,
        )
        return
    if body.get("stream"):
        report.add_error(
            "streaming_unsupported",
            f"Streaming is not supported in a batch (line {number}).",
            "body.stream",
            number,
        )
        return
    if report.model is None:
        report.model = model
        if not models.accepts(model):
            report.add_error(
                "model_not_found",
                f"The provided model '{model}' is not supported by the Batch API.",
                "body.model",
                number,
            )
            return
    elif model != report.model:
        report.add_error(
            "mismatched_model",
            f"The model '{model}' differs from '{report.model}' used by earlier lines "
            f"(line {number}); a batch takes one model.",
            "body.model",
            number,
        )
        return
    messages = body.get("messages")
    if (
        endpoint == CHAT_COMPLETIONS_ENDPOINT
        and isinstance(messages, list)
        and all(isinstance(m, dict) for m in messages)
    ):
        report.enqueued_tokens += estimate_prompt_tokens(messages)
    else:  # a body the line's own 400 will reject still counts, roughly, until it is answered
        report.enqueued_tokens += estimate_text_tokens(json.dumps(body))

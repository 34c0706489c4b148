"""Check any Batch API input file before it is uploaded, naming file and line for each problem.

The provider would find the same problems, but only after an upload and a batch, and it reports the
first few at best. This validator streams the file (a 200 MB file is never held whole), checks every
line, and keeps at most ``max_issues`` issues so a file that is wrong everywhere stays cheap to report.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from typing import Any

from jobbatch_dagster.contract import (
    CHAT_COMPLETIONS_ENDPOINT,
    MAX_BATCH_FILE_BYTES,
    MAX_REQUESTS_PER_BATCH,
)

REQUIRED_KEYS = ("custom_id", "method", "url", "body")


@dataclass(frozen=True)
class LineIssue:
    """One problem; ``line`` is 1-based, or None for the file as a whole."""

    line: int | None
    code: str
    message: str


@dataclass
class ValidationReport:
    path: str
    requests: int = 0
    bytes: int = 0
    model: str | None = None
    schema_name: str | None = None  # response_format name of the first request, if any
    sha256: str = ""  # of the whole file: the input fingerprint a shard of this content has
    issues: list[LineIssue] = field(default_factory=list)
    issues_left_out: int = 0

    @property
    def ok(self) -> bool:
        return not self.issues

    def add(self, line: int | None, code: str, message: str, max_issues: int) -> None:
        if len(self.issues) < max_issues:
            self.issues.append(LineIssue(line, code, message))
        else:
            self.issues_left_out += 1

    def describe(self) -> str:
        """``file:line: message`` lines a user can act on."""
        lines = [
            f"{self.path}:{issue.line}: {issue.message}"
            if issue.line
            else f"{self.path}: {issue.message}"
            for issue in self.issues
        ]
        if self.issues_left_out:
            lines.append(f"{self.path}: ... and {self.issues_left_out} more issues")
        return "\n".join(lines)


class InvalidBatchFileError(ValueError):
    """An input file the provider would reject; the message lists file, line and reason."""

    def __init__(self, report: ValidationReport) -> None:
        super().__init__(f"{report.path} is not a valid batch input file:\n{report.describe()}")
        self.report = report


def _check_request(
    obj: Any,
    lineno: int,
    endpoint: str,
    seen: dict[str, int],
    report: ValidationReport,
    max_issues: int,
) -> None:
    def issue(code: str, message: str) -> None:
        report.add(lineno, code, message, max_issues)

    if not isinstance(obj, dict):
        issue("invalid_json_line", f"a request must be a JSON object, got {type(obj).__name__}")
        return
    missing = [key for key in REQUIRED_KEYS if key not in obj]
    if missing:
        issue("missing_required_parameter", f"missing required field(s): {', '.join(missing)}")
    custom_id = obj.get("custom_id")
    if "custom_id" in obj and (not isinstance(custom_id, str) or not custom_id):
        issue("invalid_custom_id", f"custom_id must be a non-empty string, got {custom_id!r}")
    elif isinstance(custom_id, str):
        if custom_id in seen:
            issue(
                "duplicate_custom_id",
                f"duplicate custom_id {custom_id!r} (first on line {seen[custom_id]})",
            )
        else:
            seen[custom_id] = lineno
    if "method" in obj and obj["method"] != "POST":
        issue("invalid_method", f"method must be 'POST', got {obj['method']!r}")
    if "url" in obj and obj["url"] != endpoint:
        issue("invalid_url", f"url must be {endpoint!r}, got {obj['url']!r}")
    body = obj.get("body")
    if "body" not in obj:
        return
    if not isinstance(body, dict):
        issue("invalid_request", f"body must be a JSON object, got {type(body).__name__}")
        return
    model = body.get("model")
    if not isinstance(model, str) or not model:
        issue("missing_required_parameter", "body.model is missing or not a string")
    elif report.model is None:
        report.model = model
        response_format = body.get("response_format")
        if isinstance(response_format, dict) and isinstance(
            response_format.get("json_schema"), dict
        ):
            report.schema_name = response_format["json_schema"].get("name")
    elif model != report.model:
        issue(
            "mismatched_model", f"model {model!r} differs from {report.model!r}: one model per file"
        )
    if body.get("stream"):
        issue("streaming_unsupported", "body.stream is not supported in batches")


def validate_jsonl(
    path: str | os.PathLike[str],
    *,
    max_requests: int = MAX_REQUESTS_PER_BATCH,
    max_bytes: int = MAX_BATCH_FILE_BYTES,
    endpoint: str = CHAT_COMPLETIONS_ENDPOINT,
    max_issues: int = 100,
) -> ValidationReport:
    """Every problem the provider would reject this file for, up to ``max_issues``."""
    report = ValidationReport(str(path))
    seen: dict[str, int] = {}
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for lineno, raw in enumerate(fh, start=1):
            digest.update(raw)
            report.bytes += len(raw)
            if not raw.strip():
                report.add(lineno, "invalid_json_line", "empty line", max_issues)
                continue
            report.requests += 1
            if report.requests == max_requests + 1:
                report.add(
                    lineno,
                    "too_many_requests",
                    f"request {report.requests} is over the {max_requests}-request limit",
                    max_issues,
                )
            try:
                obj = json.loads(raw)
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                report.add(lineno, "invalid_json_line", f"invalid JSON: {exc}", max_issues)
                continue
            _check_request(obj, lineno, endpoint, seen, report, max_issues)
    report.sha256 = digest.hexdigest()
    if report.requests == 0:
        report.add(None, "empty_file", "the file has no requests", max_issues)
    if report.bytes > max_bytes:
        report.add(
            None,
            "file_too_large",
            f"{report.bytes} bytes, over the {max_bytes}-byte limit",
            max_issues,
        )
    return report

"""The input-file validator names file and line for every problem the provider would reject."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jobbatch_dagster.batch.validate import validate_jsonl


def line(custom_id: str = "job-1", model: str = "gpt-4o-mini", **overrides) -> str:
    request = {
        "custom_id": custom_id,
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {"model": model, "messages": [{"role": "user", "content": "hi"}]},
    }
    request.update(overrides)
    return json.dumps({k: v for k, v in request.items() if v is not None})


def write(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "input.jsonl"
    path.write_text("".join(f"{text}\n" for text in lines), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("bad", "code", "text"),
    [
        ("{not json", "invalid_json_line", "invalid JSON"),
        ("[1, 2]", "invalid_json_line", "must be a JSON object"),
        (line("job-2", body=None), "missing_required_parameter", "body"),
        (line("job-2", method="GET"), "invalid_method", "'GET'"),
        (line("job-2", url="/v1/embeddings"), "invalid_url", "/v1/embeddings"),
        (line("job-1"), "duplicate_custom_id", "first on line 1"),
        (line("job-2", model="gpt-4o"), "mismatched_model", "one model per file"),
        (line(custom_id=""), "invalid_custom_id", "non-empty string"),
        ("", "invalid_json_line", "empty line"),
    ],
)
def test_each_problem_is_reported_on_its_line(
    tmp_path: Path, bad: str, code: str, text: str
) -> None:
    path = write(tmp_path, line("job-1"), bad, line("job-3"))
    report = validate_jsonl(path)
    assert not report.ok
    [issue] = report.issues
    assert (issue.line, issue.code) == (2, code)
    assert text in issue.message
    assert f"{path}:2: " in report.describe()


def test_a_good_file_passes_and_is_measured(tmp_path: Path) -> None:
    path = write(tmp_path, line("a"), line("b"))
    report = validate_jsonl(path)
    assert report.ok and report.requests == 2 and report.model == "gpt-4o-mini"
    assert report.bytes == path.stat().st_size


def test_empty_file(tmp_path: Path) -> None:
    report = validate_jsonl(write(tmp_path))
    assert [i.code for i in report.issues] == ["empty_file"]
    assert report.describe() == f"{tmp_path / 'input.jsonl'}: the file has no requests"


def test_over_the_request_and_byte_limits(tmp_path: Path) -> None:
    path = write(tmp_path, line("a"), line("b"), line("c"))
    size = path.stat().st_size
    assert validate_jsonl(path, max_requests=3, max_bytes=size).ok
    report = validate_jsonl(path, max_requests=2, max_bytes=size - 1)
    assert [(i.line, i.code) for i in report.issues] == [
        (3, "too_many_requests"),
        (None, "file_too_large"),
    ]


def test_issues_are_capped_but_counted(tmp_path: Path) -> None:
    report = validate_jsonl(write(tmp_path, *["{"] * 50), max_issues=10)
    assert len(report.issues) == 10 and report.issues_left_out == 40
    assert "and 40 more issues" in report.describe()

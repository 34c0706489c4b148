"""Result lines, hand-made in the provider's shapes, and the per-request accounting."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from jobbatch_dagster.batch.accounting import classify_requests
from jobbatch_dagster.batch.results import ResultFile
from jobbatch_dagster.batch.shards import ManifestEntry
from jobbatch_dagster.tasks import get_task

QUALIFY = get_task("qualify")
ANSWER = {"qualified": True, "score": 80, "confidence": "high", "reasons": ["manual data entry"]}


def ok(custom_id: str, content: str) -> dict:
    body = {
        "model": "gpt-4o-mini",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": 900,
            "completion_tokens": 40,
            "prompt_tokens_details": {"cached_tokens": 512},
        },
    }
    return {
        "id": f"batch_req_{custom_id}",
        "custom_id": custom_id,
        "response": {"status_code": 200, "request_id": "r", "body": body},
        "error": None,
    }


def http_error(custom_id: str, status: int, code: str) -> dict:
    body = {
        "error": {
            "message": f"{code} happened",
            "type": "invalid_request_error",
            "param": None,
            "code": code,
        }
    }
    return {
        "id": f"batch_req_{custom_id}",
        "custom_id": custom_id,
        "response": {"status_code": status, "request_id": "r", "body": body},
        "error": None,
    }


def expired(custom_id: str) -> dict:
    error = {
        "code": "batch_expired",
        "message": "This request could not be executed before the completion window expired.",
    }
    return {
        "id": f"batch_req_{custom_id}",
        "custom_id": custom_id,
        "response": None,
        "error": error,
    }


def write(path: Path, *lines: dict | str) -> Path:
    path.write_text("".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines))
    return path


def test_answers_errors_and_bad_content_become_per_request_results(tmp_path: Path) -> None:
    path = write(
        tmp_path / "out.jsonl",
        ok("b", json.dumps(ANSWER)),
        ok("a", "{not json"),
        ok("c", json.dumps({**ANSWER, "score": "high"})),
        http_error("d", 400, "context_length_exceeded"),
        expired("e"),
        "this line is garbage",
        json.dumps({"no": "custom id"}),
    )
    file = ResultFile(path, QUALIFY)
    results = {r.custom_id: r for r in file}
    assert results["b"].success and results["b"].parsed == ANSWER
    assert (
        results["b"].usage.prompt_tokens,
        results["b"].usage.cached_tokens,
        results["b"].usage.completion_tokens,
    ) == (900, 512, 40)
    assert results["b"].batch_request_id == "batch_req_b" and results["b"].status_code == 200
    assert results["a"].error.code == "invalid_json_content" and results["a"].content == "{not json"
    assert results["c"].error.code == "schema_mismatch" and "score" in results["c"].error.message
    assert (results["d"].success, results["d"].status_code, results["d"].error.code) == (
        False,
        400,
        "context_length_exceeded",
    )
    assert results["e"].error.code == "batch_expired" and results["e"].status_code is None
    assert [(c.line, c.reason[:12]) for c in file.corrupt] == [
        (6, "invalid JSON"),
        (7, "not a result"),
    ]
    assert results["a"].as_dict()["error"] == {
        "code": "invalid_json_content",
        "message": results["a"].error.message,
    }
    for result in results.values():  # the verb's dicts keep the dataclass's shape, key for key
        whole = dataclasses.asdict(result)
        assert result.as_dict() == {**whole, "retryable": result.as_dict()["retryable"]}


def test_without_a_task_content_is_kept_unparsed(tmp_path: Path) -> None:
    [result] = ResultFile(write(tmp_path / "o.jsonl", ok("a", "free text")))
    assert result.success and result.content == "free text" and result.parsed is None


def test_every_request_is_answered_failed_or_pending(tmp_path: Path) -> None:
    manifest = [ManifestEntry(cid, cid, i, f"fp{i}", i + 1) for i, cid in enumerate("abcdef")]
    output = write(
        tmp_path / "out.jsonl",
        ok("a", json.dumps(ANSWER)),
        ok("b", "{"),
        ok("zz", json.dumps(ANSWER)),
    )
    errors = write(
        tmp_path / "err.jsonl",
        http_error("c", 400, "context_length_exceeded"),
        expired("d"),
        http_error("e", 500, "server_error"),
        http_error(
            "a", 500, "server_error"
        ),  # a success reported again as a failure keeps its answer
    )
    results = [*ResultFile(output, QUALIFY), *ResultFile(errors, QUALIFY)]
    accounting = classify_requests(manifest, results)
    states = {o.entry.custom_id: o.state for o in accounting.outcomes}
    assert states == {
        "a": "answered",
        "b": "failed",
        "c": "failed",
        "d": "pending",
        "e": "pending",
        "f": "pending",
    }
    assert accounting.counts == {"answered": 1, "failed": 2, "pending": 3}
    assert sum(accounting.counts.values()) == len(manifest)
    assert [r.custom_id for r in accounting.unexpected] == ["zz"]

"""Input-file validation: a bad file is accepted at create, then the batch turns failed with
line-numbered errors, no files and zero counts; and the enqueued-token limit."""

from __future__ import annotations

import json
from typing import Any

import openai
import pytest
from emulator_helpers import chat_line, submit, wait_for

from jobbatch_dagster.contract import MAX_REQUESTS_PER_BATCH
from jobbatch_dagster.emulator.process import EmulatorProcess

pytestmark = pytest.mark.integration


def _failed(client: openai.OpenAI, lines: list[Any]) -> list[dict[str, Any]]:
    batch = wait_for(client, submit(client, lines).id)
    assert batch.status == "failed" and batch.failed_at
    assert batch.output_file_id is None and batch.error_file_id is None
    assert batch.request_counts is not None
    assert (
        batch.request_counts.total,
        batch.request_counts.completed,
        batch.request_counts.failed,
    ) == (0, 0, 0)
    assert batch.errors is not None and batch.errors.object == "list" and batch.errors.data
    return [e.model_dump() for e in batch.errors.data]


def _without(key: str) -> dict[str, Any]:
    line = chat_line("x")
    del line[key]
    return line


@pytest.mark.parametrize(
    ("bad_line", "code", "param"),
    [
        ('{"custom_id": "x", ', "invalid_json_line", None),
        ("[1, 2, 3]", "invalid_json_line", None),
        (_without("custom_id"), "missing_required_parameter", "custom_id"),
        (_without("method"), "missing_required_parameter", "method"),
        (_without("url"), "missing_required_parameter", "url"),
        (_without("body"), "missing_required_parameter", "body"),
        (chat_line("x", url="/v1/embeddings"), "invalid_url", "url"),
        (chat_line("ok-0"), "duplicate_custom_id", "custom_id"),
        (chat_line("x", model="gpt-4o"), "mismatched_model", "body.model"),
        (
            {**chat_line("x"), "body": {"model": "gpt-4o-mini", "messages": [], "stream": True}},
            "streaming_unsupported",
            "body.stream",
        ),
        (
            {**chat_line("x"), "body": {"messages": [{"role": "user", "content": "x"}]}},
            "invalid_request",
            "body.model",
        ),
    ],
)
def test_a_bad_line_fails_the_batch_with_its_line_number(
    client: openai.OpenAI, bad_line: Any, code: str, param: str | None
) -> None:
    lines = [chat_line("ok-0"), chat_line("ok-1"), bad_line, chat_line("ok-3")]
    errors = _failed(client, lines)
    assert [(e["code"], e["param"], e["line"]) for e in errors] == [(code, param, 3)]
    assert "line 3" in errors[0]["message"]


def test_every_bad_line_is_listed(client: openai.OpenAI) -> None:
    errors = _failed(client, ["nope", chat_line("a"), "{", chat_line("a")])
    assert [(e["code"], e["line"]) for e in errors] == [
        ("invalid_json_line", 1),
        ("invalid_json_line", 3),
        ("duplicate_custom_id", 4),
    ]


def test_a_file_that_is_not_jsonl_fails_every_line(client: openai.OpenAI) -> None:
    errors = _failed(client, ["title,company", "Clerk,Acme"])
    assert [(e["code"], e["line"]) for e in errors] == [
        ("invalid_json_line", 1),
        ("invalid_json_line", 2),
    ]


def test_an_empty_file_fails(client: openai.OpenAI) -> None:
    assert [e["code"] for e in _failed(client, [])] == ["empty_file"]


def test_blank_lines_are_not_requests(client: openai.OpenAI) -> None:
    batch = wait_for(client, submit(client, [chat_line("a"), "", chat_line("b")]).id)
    assert batch.status == "completed" and batch.request_counts is not None
    assert batch.request_counts.total == 2


def test_more_than_50000_requests_fail(client: openai.OpenAI) -> None:
    tiny = {
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": ""}]},
    }
    lines = [json.dumps({"custom_id": str(i), **tiny}) for i in range(MAX_REQUESTS_PER_BATCH + 1)]
    errors = _failed(client, lines)
    assert [(e["code"], e["line"]) for e in errors] == [("too_many_requests", None)]
    assert "50,001" in errors[0]["message"]


def test_a_file_over_the_byte_limit_fails(tmp_path) -> None:
    # The real limit is 200 MB; the same rule is exercised with the limit lowered by a flag.
    with EmulatorProcess(tmp_path / "emu", extra_args=["--max-batch-bytes", "1000"]) as server:
        client = server.client()
        errors = _failed(client, [chat_line(f"r{i}") for i in range(20)])
    assert [e["code"] for e in errors] == ["file_too_large"]
    assert "1,000" in errors[0]["message"]


def test_enqueued_token_limit_fails_a_batch_while_others_are_in_flight(tmp_path) -> None:
    with EmulatorProcess(tmp_path / "emu", extra_args=["--token-limit", "100"]) as server:
        client = server.client()
        server.inject(stall_finalizing="until_released")
        held = submit(client, [chat_line(f"r{i}") for i in range(5)])  # 5 x 10 prompt tokens
        wait_for(client, held.id, {"finalizing"})

        refused = wait_for(client, submit(client, [chat_line(f"s{i}") for i in range(6)]).id)
        assert refused.status == "failed" and refused.errors and refused.errors.data
        [error] = refused.errors.data
        assert (error.code, error.line, error.param) == ("token_limit_exceeded", None, None)
        assert "gpt-4o-mini" in (error.message or "")

        assert wait_for(client, submit(client, [chat_line("t")]).id).status == "completed"
        server.release(held.id)
        assert wait_for(client, held.id).status == "completed"
        assert (
            wait_for(client, submit(client, [chat_line(f"u{i}") for i in range(6)]).id).status
            == "completed"
        )

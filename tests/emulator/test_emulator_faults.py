"""Fault injection through /_emulator and the ``jobbatch emulator fault`` command."""

from __future__ import annotations

import json
import time

import httpx
import jsonschema
import openai
import pytest
from click.testing import CliRunner
from emulator_helpers import ANSWER_SCHEMA, by_custom_id, chat_line, read_lines, submit, wait_for

from jobbatch_dagster.cli import main
from jobbatch_dagster.emulator.process import EmulatorProcess

pytestmark = pytest.mark.integration


def test_expire_after_n_requests(faulty: EmulatorProcess) -> None:
    client = faulty.client()
    faulty.inject(expire_after_requests=3)
    batch = wait_for(client, submit(client, [chat_line(f"r{i}") for i in range(10)]).id)

    assert batch.status == "expired" and batch.expired_at
    assert batch.request_counts is not None
    assert (
        batch.request_counts.total,
        batch.request_counts.completed,
        batch.request_counts.failed,
    ) == (10, 3, 0)
    answered = by_custom_id(read_lines(client, batch.output_file_id))
    expired = by_custom_id(read_lines(client, batch.error_file_id))
    assert set(answered) == {"r0", "r1", "r2"}
    assert set(expired) == {f"r{i}" for i in range(3, 10)}
    for line in expired.values():
        assert line["response"] is None
        assert line["error"] == {
            "code": "batch_expired",
            "message": "This request could not be executed before the completion window expired.",
        }


def test_expire_fault_is_one_shot(faulty: EmulatorProcess) -> None:
    client = faulty.client()
    faulty.inject(expire_after_requests=0)
    assert wait_for(client, submit(client, [chat_line("a")]).id).status == "expired"
    assert wait_for(client, submit(client, [chat_line("a")]).id).status == "completed"


def test_failed_lines_go_to_the_error_file_with_the_given_status_and_body(
    faulty: EmulatorProcess,
) -> None:
    client = faulty.client()
    faulty.inject(
        fail_lines={
            "too-long": {
                "status_code": 400,
                "message": "This model's maximum context length is 128000 tokens.",
                "type": "invalid_request_error",
                "param": "messages",
                "code": "context_length_exceeded",
            }
        }
    )
    batch = wait_for(client, submit(client, [chat_line("fine"), chat_line("too-long")]).id)

    assert batch.status == "completed" and batch.request_counts is not None
    assert (batch.request_counts.completed, batch.request_counts.failed) == (1, 1)
    [failed] = read_lines(client, batch.error_file_id)
    assert failed["custom_id"] == "too-long" and failed["error"] is None
    assert failed["response"]["status_code"] == 400
    assert failed["response"]["body"]["error"] == {
        "message": "This model's maximum context length is 128000 tokens.",
        "type": "invalid_request_error",
        "param": "messages",
        "code": "context_length_exceeded",
    }
    assert set(by_custom_id(read_lines(client, batch.output_file_id))) == {"fine"}
    assert batch.usage is not None and batch.usage.input_tokens > 0  # only the answered one counts


def test_token_limit_exceeded_fault_fails_the_next_batch(faulty: EmulatorProcess) -> None:
    client = faulty.client()
    faulty.inject(token_limit_exceeded=True)
    created = submit(client, [chat_line("a")])
    assert created.status == "validating"  # creation itself succeeds, as with the real API
    batch = wait_for(client, created.id)
    assert batch.status == "failed" and batch.errors and batch.errors.data
    assert batch.errors.data[0].code == "token_limit_exceeded"


def test_429_burst_carries_retry_headers_and_the_sdk_retries_through_it(
    faulty: EmulatorProcess,
) -> None:
    faulty.inject(http_errors={"status": 429, "count": 1, "retry_after_ms": 20})
    response = httpx.get(f"{faulty.base_url}/files", headers={"Authorization": "Bearer k"})
    assert response.status_code == 429
    assert response.headers["retry-after-ms"] == "20" and response.headers["retry-after"] == "1"
    assert response.json()["error"]["code"] == "rate_limit_exceeded"

    faulty.inject(http_errors={"status": 429, "count": 2, "retry_after_ms": 20})
    assert faulty.client(max_retries=2).files.list() is not None  # two 429s, then the answer
    assert faulty.inject()["http_errors_left"] == 0


def test_500_burst_raises_for_a_client_without_retries(faulty: EmulatorProcess) -> None:
    faulty.inject(http_errors={"status": 500, "count": 1})
    with pytest.raises(openai.InternalServerError):
        faulty.client(max_retries=0).batches.list()
    faulty.client(max_retries=0).batches.list()  # the burst is over


def test_admin_routes_are_not_hit_by_bursts(faulty: EmulatorProcess) -> None:
    faulty.inject(http_errors={"status": 503, "count": 5})
    assert httpx.get(f"{faulty.admin_url}/health").status_code == 200
    assert faulty.inject()["http_errors_left"] == 5


def test_malformed_and_schema_invalid_answers(faulty: EmulatorProcess) -> None:
    client = faulty.client()
    faulty.inject(malformed_json=["broken"], schema_invalid=["wrong"])
    lines = [chat_line(cid, schema=ANSWER_SCHEMA) for cid in ("broken", "wrong", "good")]
    batch = wait_for(client, submit(client, lines).id)
    answers = {
        cid: line["response"]["body"]["choices"][0]["message"]["content"]
        for cid, line in by_custom_id(read_lines(client, batch.output_file_id)).items()
    }
    with pytest.raises(json.JSONDecodeError):
        json.loads(answers["broken"])
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(json.loads(answers["wrong"]), ANSWER_SCHEMA)
    jsonschema.validate(json.loads(answers["good"]), ANSWER_SCHEMA)


def test_stall_in_finalizing_for_n_seconds(faulty: EmulatorProcess) -> None:
    client = faulty.client()
    faulty.inject(stall_finalizing=0.5)
    batch = submit(client, [chat_line("a")])
    finalizing = wait_for(client, batch.id, {"finalizing"})
    assert finalizing.request_counts is not None and finalizing.request_counts.completed == 1
    started = time.monotonic()
    assert wait_for(client, batch.id).status == "completed"
    assert time.monotonic() - started > 0.2  # it did hold, then let go on its own


def test_stall_until_released(faulty: EmulatorProcess) -> None:
    client = faulty.client()
    faulty.inject(stall_finalizing="until_released")
    batch = submit(client, [chat_line("a")])
    wait_for(client, batch.id, {"finalizing"})
    assert client.batches.retrieve(batch.id).status == "finalizing"
    assert faulty.release() == [batch.id]
    assert wait_for(client, batch.id).status == "completed"


def test_cancel_delay_holds_cancelling(faulty: EmulatorProcess) -> None:
    client = faulty.client()
    faulty.inject(stall_finalizing="until_released", cancel_delay_seconds=60)
    batch = submit(client, [chat_line("a")])
    wait_for(client, batch.id, {"finalizing"})
    client.batches.cancel(batch.id)
    assert client.batches.retrieve(batch.id).status == "cancelling"
    assert faulty.release() == []  # a cancelling batch is no longer held by the stall


def test_a_bad_fault_plan_is_refused(faulty: EmulatorProcess) -> None:
    for plan in (
        {"expire_after": 3},
        {"http_errors": {"status": 404}},
        {"fail_lines": {"a": {"status_code": 200}}},
    ):
        response = httpx.post(f"{faulty.admin_url}/faults", json=plan)
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid_fault"


def test_cli_schedules_faults_on_a_running_server(faulty: EmulatorProcess) -> None:
    runner = CliRunner()
    args = ["emulator", "fault", "--admin-url", faulty.admin_url]
    result = runner.invoke(
        main, [*args, "--fail-line", "a:503", "--expire-after", "1", "--http-errors", "500:2"]
    )
    assert result.exit_code == 0, result.output
    plan = json.loads(result.output)
    assert plan["fail_lines"]["a"]["status_code"] == 503
    assert (plan["expire_after_requests"], plan["http_errors_left"]) == (1, 2)
    assert (
        runner.invoke(main, ["emulator", "reset", "--admin-url", faulty.admin_url]).exit_code == 0
    )
    assert faulty.inject() == {"http_errors_left": 0}
    result = runner.invoke(main, [*args, "--json", '{"nonsense": 1}'])
    assert result.exit_code == 1

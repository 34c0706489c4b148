"""The path every engine run takes: upload, create, lifecycle to completed, download, list."""

from __future__ import annotations

import json

import httpx
import jsonschema
import pytest
from emulator_helpers import (
    ANSWER_SCHEMA,
    MODEL,
    by_custom_id,
    chat_line,
    read_lines,
    submit,
    wait_for,
)

from jobbatch_dagster.contract import EMULATOR_FINGERPRINT_PREFIX, EMULATOR_HEADER
from jobbatch_dagster.emulator.process import EmulatorProcess
from jobbatch_dagster.emulator.rules.chat import LABEL
from jobbatch_dagster.tasks.tokens import estimate_prompt_tokens, estimate_text_tokens

pytestmark = pytest.mark.integration


def test_batch_completes_with_one_schema_valid_answer_per_request(
    emulator: EmulatorProcess,
) -> None:
    client = emulator.client()
    lines = [chat_line(f"req-{i}", schema=ANSWER_SCHEMA, content=f"posting {i}") for i in range(5)]
    created = submit(client, lines, metadata={"stage": "qualify"})
    assert created.status == "validating"
    assert created.request_counts is not None and created.request_counts.total == 0
    assert created.expires_at == created.created_at + 24 * 3600

    batch = wait_for(client, created.id)

    assert batch.status == "completed"
    assert batch.model == MODEL and batch.metadata == {"stage": "qualify"}
    assert batch.request_counts is not None
    assert (
        batch.request_counts.total,
        batch.request_counts.completed,
        batch.request_counts.failed,
    ) == (5, 5, 0)
    assert batch.in_progress_at and batch.finalizing_at and batch.completed_at
    assert batch.error_file_id is None
    answers = by_custom_id(read_lines(client, batch.output_file_id))
    assert set(answers) == {f"req-{i}" for i in range(5)}
    usage_in = usage_out = 0
    for i, line in answers.items():
        assert line["error"] is None and line["id"].startswith("batch_req_")
        body = line["response"]["body"]
        assert line["response"]["status_code"] == 200
        assert body["system_fingerprint"].startswith(EMULATOR_FINGERPRINT_PREFIX)
        content = body["choices"][0]["message"]["content"]
        jsonschema.validate(json.loads(content), ANSWER_SCHEMA)
        messages = [{"role": "user", "content": f"posting {i.split('-')[1]}"}]
        assert body["usage"]["prompt_tokens"] == estimate_prompt_tokens(messages)
        assert body["usage"]["completion_tokens"] == estimate_text_tokens(content)
        assert body["usage"]["prompt_tokens_details"]["cached_tokens"] == 0
        usage_in += body["usage"]["prompt_tokens"]
        usage_out += body["usage"]["completion_tokens"]
    assert batch.usage is not None
    assert (batch.usage.input_tokens, batch.usage.output_tokens) == (usage_in, usage_out)
    assert batch.usage.total_tokens == usage_in + usage_out


def test_output_file_is_a_batch_output_file(emulator: EmulatorProcess) -> None:
    client = emulator.client()
    batch = wait_for(client, submit(client, [chat_line("only")]).id)
    assert batch.output_file_id is not None
    output = client.files.retrieve(batch.output_file_id)
    assert output.purpose == "batch_output"
    assert output.bytes == len(client.files.content(output.id).content)
    assert output.filename == f"{batch.id}_output.jsonl"


def test_plain_text_answer_says_it_comes_from_the_emulator(emulator: EmulatorProcess) -> None:
    client = emulator.client()
    batch = wait_for(client, submit(client, [chat_line("plain")]).id)
    [line] = read_lines(client, batch.output_file_id)
    content = line["response"]["body"]["choices"][0]["message"]["content"]
    assert content.startswith(LABEL) and "Rule 'question'" in content


def test_latency_shows_every_phase_and_moving_counts(tmp_path) -> None:
    with EmulatorProcess(tmp_path / "emu", latency=2.0) as server:
        client = server.client()
        created = submit(client, [chat_line(f"r{i}") for i in range(20)])
        seen_statuses, seen_completed = set(), set()
        batch = created
        while batch.status != "completed":
            batch = client.batches.retrieve(created.id)
            seen_statuses.add(batch.status)
            assert batch.request_counts is not None
            seen_completed.add(batch.request_counts.completed)
        assert {"validating", "in_progress", "finalizing", "completed"} <= seen_statuses
        assert len(seen_completed - {0, 20}) >= 2  # partial counts were visible on the way


def test_every_response_carries_the_emulator_header(emulator: EmulatorProcess) -> None:
    for url, headers in (
        (f"{emulator.base_url}/files", {"Authorization": f"Bearer {emulator.api_key}"}),
        (f"{emulator.base_url}/files", {}),
        (f"{emulator.base_url}/nowhere", {"Authorization": "Bearer k"}),
        (f"{emulator.admin_url}/health", {}),
    ):
        response = httpx.get(url, headers=headers)
        assert response.headers[EMULATOR_HEADER] == "1"
        assert response.headers["x-request-id"].startswith("req_")


def test_a_port_in_use_fails_startup_with_the_servers_log(
    emulator: EmulatorProcess, tmp_path
) -> None:
    clash = EmulatorProcess(tmp_path / "clash", port=emulator.port)
    with pytest.raises(RuntimeError, match="exited with code"):
        clash.start()
    assert "address already in use" in clash.log_path.read_text().lower()

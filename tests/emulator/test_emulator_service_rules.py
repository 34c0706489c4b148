"""Where requests go wrong, the emulator answers as the service does (through the real SDK):
unknown models, bad lines, missing input files, the batches-per-hour limit, cached prompt prefixes,
and the rules for serving beyond loopback."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from click.testing import CliRunner
from emulator_helpers import (
    BAD_BODIES,
    MODEL,
    by_custom_id,
    chat_line,
    read_lines,
    submit,
    wait_for,
)

from jobbatch_dagster.cli import main
from jobbatch_dagster.contract import CHAT_COMPLETIONS_ENDPOINT
from jobbatch_dagster.emulator.config import API_KEY_ENV
from jobbatch_dagster.emulator.process import EmulatorProcess

pytestmark = pytest.mark.integration

LONG_SYSTEM = "You qualify job postings as sales leads for a data-entry automation shop. " * 80


def test_an_unknown_model_fails_the_whole_batch_in_validation(client: openai.OpenAI) -> None:
    lines = [chat_line(f"r{i}", model="gpt-9-preview") for i in range(3)]
    batch = wait_for(client, submit(client, lines).id)
    assert batch.status == "failed" and batch.failed_at is not None
    assert batch.output_file_id is None and batch.error_file_id is None
    assert batch.request_counts is not None and batch.request_counts.total == 0
    assert batch.errors is not None and batch.errors.data is not None
    assert [e.model_dump() for e in batch.errors.data] == [
        {
            "code": "model_not_found",
            "line": 1,
            "param": "body.model",
            "message": "The provided model 'gpt-9-preview' is not supported by the Batch API.",
        }
    ]


def test_bad_bodies_fail_their_own_lines_and_the_rest_is_answered(client: openai.OpenAI) -> None:
    bad = {
        f"bad-{index}": {**chat_line(f"bad-{index}"), "body": {"model": MODEL, **body}}
        for index, (_, body, _, _) in enumerate(BAD_BODIES)
    }
    good = [chat_line("good-0"), chat_line("good-1")]
    batch = wait_for(client, submit(client, [good[0], *bad.values(), good[1]]).id)
    assert batch.status == "completed" and batch.request_counts is not None
    assert (batch.request_counts.completed, batch.request_counts.failed) == (2, len(bad))
    assert set(by_custom_id(read_lines(client, batch.output_file_id))) == {"good-0", "good-1"}
    errors = by_custom_id(read_lines(client, batch.error_file_id))
    for index, (name, _, param, code) in enumerate(BAD_BODIES):
        line = errors[f"bad-{index}"]
        assert line["error"] is None and line["response"]["status_code"] == 400, name
        error = line["response"]["body"]["error"]
        assert (error["type"], error["param"], error["code"]) == (
            "invalid_request_error",
            param,
            code,
        ), name


def test_a_missing_input_file_is_a_404_at_create_by_default(client: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError, match="No such File object: file-nothere"):
        client.batches.create(
            input_file_id="file-nothere",
            endpoint=CHAT_COMPLETIONS_ENDPOINT,
            completion_window="24h",
        )


def test_the_older_missing_file_behaviour_fails_the_batch_in_validation(
    faulty: EmulatorProcess, client: openai.OpenAI
) -> None:
    faulty.inject(accept_missing_input_file=True)
    created = client.batches.create(
        input_file_id="file-nothere", endpoint=CHAT_COMPLETIONS_ENDPOINT, completion_window="24h"
    )
    assert created.status == "validating"
    batch = wait_for(client, created.id)
    assert batch.status == "failed" and batch.failed_at is not None
    assert batch.errors is not None and batch.errors.data is not None
    [error] = batch.errors.data
    assert (error.code, error.param, error.line) == ("invalid_request", "file_id", None)
    assert (error.message or "").startswith("Cannot find file file-nothere, ")


def test_a_long_shared_prefix_is_cached_within_a_batch(client: openai.OpenAI) -> None:
    lines = []
    for index in range(3):
        line = chat_line(f"c{index}", content=f"posting {index}")
        line["body"]["messages"].insert(0, {"role": "system", "content": LONG_SYSTEM})
        lines.append(line)
    batch = wait_for(client, submit(client, lines).id)
    answers = by_custom_id(read_lines(client, batch.output_file_id))
    cached = [
        answers[f"c{i}"]["response"]["body"]["usage"]["prompt_tokens_details"]["cached_tokens"]
        for i in range(3)
    ]
    assert cached[0] == 0
    assert cached[1] == cached[2] and cached[1] >= 1024 and cached[1] % 128 == 0
    assert batch.usage is not None
    assert batch.usage.input_tokens_details.cached_tokens == sum(cached)


@pytest.fixture(scope="module")
def strict(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    """A server with its own models list, a batches-per-hour limit of 2 and a key."""
    data_dir = tmp_path_factory.mktemp("strict")
    models = data_dir / "models.json"
    models.write_text(json.dumps({"as_of": "2026-01-01", "models": ["house-model"]}))
    args = ["--models", str(models), "--batches-per-hour", "2"]
    with EmulatorProcess(data_dir / "emu", extra_args=args, api_key="sk-strict") as server:
        yield server


def test_a_models_file_replaces_the_list(strict: EmulatorProcess) -> None:
    client = strict.client(max_retries=0)
    answered = client.chat.completions.create(
        model="house-model", messages=[{"role": "user", "content": "hi"}]
    )
    assert answered.model == "house-model"
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "hi"}])


def test_creating_more_batches_per_hour_than_allowed_is_a_429(strict: EmulatorProcess) -> None:
    client = strict.client(max_retries=0)
    for index in range(2):
        submit(client, [chat_line(f"r{index}", model="house-model")])
    with pytest.raises(openai.RateLimitError) as caught:
        submit(client, [chat_line("r2", model="house-model")])
    assert caught.value.code == "rate_limit_exceeded"
    assert 0 < int(caught.value.response.headers["retry-after"]) <= 3600
    assert len(client.batches.list().data) == 2


def test_a_server_with_a_key_guards_its_admin_routes(strict: EmulatorProcess) -> None:
    assert httpx.post(f"{strict.admin_url}/reset", json={}).status_code == 401
    assert httpx.get(f"{strict.admin_url}/health").json() == {"status": "ok"}
    assert strict.reset_faults() is not None  # with the key: allowed
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(base_url=strict.base_url, api_key="sk-wrong", max_retries=0).files.list()


def _serve(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "jobbatch_dagster.cli", "emulator", "serve", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        (["--host", "0.0.0.0"], "--allow-remote"),
        (["--host", "0.0.0.0", "--allow-remote"], "needs --api-key"),
    ],
)
def test_serving_beyond_loopback_needs_both_flags(
    tmp_path: Path, args: list[str], complaint: str
) -> None:
    result = _serve(*args, "--data-dir", str(tmp_path / "emu"))
    assert result.returncode != 0 and complaint in result.stderr


def test_a_remote_server_warns_and_answers_only_with_the_key(tmp_path: Path) -> None:
    args = ["--host", "0.0.0.0", "--allow-remote"]
    with EmulatorProcess(tmp_path / "emu", extra_args=args, api_key="sk-remote") as server:
        assert "WARNING" in server.log_path.read_text()
        health: dict[str, Any] = httpx.get(f"{server.admin_url}/health").json()
        assert health == {"status": "ok"}
        assert httpx.get(f"{server.base_url}/files").status_code == 401
        assert httpx.post(f"{server.admin_url}/faults", json={}).status_code == 401
        assert server.client(max_retries=0).files.list().data == []


def test_the_fault_command_needs_the_key_of_a_keyed_server(strict: EmulatorProcess) -> None:
    runner = CliRunner()
    args = ["emulator", "fault", "--admin-url", strict.admin_url, "--accept-missing-input-file"]
    assert runner.invoke(main, args, env={API_KEY_ENV: ""}).exit_code == 1
    keyed = runner.invoke(main, [*args, "--api-key", "sk-strict"])
    assert keyed.exit_code == 0, keyed.output
    assert json.loads(keyed.output)["accept_missing_input_file"] is True
    assert runner.invoke(main, ["emulator", "reset", "--admin-url", strict.admin_url],
                         env={API_KEY_ENV: "sk-strict"}).exit_code == 0  # fmt: skip

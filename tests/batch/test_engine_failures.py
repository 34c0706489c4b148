"""The engine tells failures worth another try from permanent ones (batch/failures.py), and a
permanent one becomes a dead letter with its reason, never a request sent again unchanged."""

from __future__ import annotations

import json
from pathlib import Path

import openai
import pytest

from jobbatch_dagster import BatchProcessor
from jobbatch_dagster.batch.accounting import classify_requests
from jobbatch_dagster.batch.client import BatchClient, BatchStatus
from jobbatch_dagster.batch.failures import batch_failure, is_retryable, unrun_reason
from jobbatch_dagster.batch.harvest import ResultsNotReadyError, download_results
from jobbatch_dagster.batch.shards import Shard, build_shards
from jobbatch_dagster.batch.submit import submit_shard
from jobbatch_dagster.emulator.process import EmulatorProcess
from jobbatch_dagster.settings import Settings
from jobbatch_dagster.tasks import get_task


def _failed(*codes: str | None) -> BatchStatus:
    errors = [
        {"code": code, "message": f"{code} happened", "param": None, "line": None} for code in codes
    ]
    return BatchStatus(id="batch_x", status="failed", total=0, completed=0, failed=0,
                       created_at=0, errors=errors)  # fmt: skip


@pytest.mark.parametrize(
    ("code", "retryable"),
    [
        ("token_limit_exceeded", True),
        ("rate_limit_exceeded", True),
        ("server_error", True),
        ("model_not_found", False),
        ("invalid_request", False),
        ("invalid_json_line", False),
        ("duplicate_custom_id", False),
        (None, False),
    ],
)
def test_a_failed_batch_is_retryable_only_for_the_providers_reasons(
    code: str | None, retryable: bool
) -> None:
    failure = batch_failure(_failed(code))
    assert failure is not None and failure.retryable is retryable
    assert failure.code == (code or "batch_failed")


def test_one_permanent_error_makes_the_whole_batch_permanent() -> None:
    failure = batch_failure(_failed("token_limit_exceeded", "model_not_found"))
    assert failure is not None and not failure.retryable
    assert "model_not_found happened" in failure.message and "fail the same way" in failure.message


@pytest.mark.parametrize(
    ("code", "status_code", "retryable"),
    [
        ("batch_expired", None, True),
        ("rate_limit_exceeded", 429, True),
        ("server_error", 500, True),
        (None, 503, True),
        ("http_502", None, True),
        ("integer_below_min_value", 400, False),
        ("invalid_request_error", 400, False),
        ("context_length_exceeded", 400, False),
        (None, 404, False),
    ],
)
def test_a_failed_line_is_retryable_only_for_429_5xx_and_expiry(
    code: str | None, status_code: int | None, retryable: bool
) -> None:
    assert is_retryable(code, status_code) is retryable


def _shard(tmp_path: Path, model: str = "gpt-4o-mini", n: int = 3) -> Shard:
    jobs = [{"id": i, "title": f"Clerk {i}", "description": f"Excel entry {i}"} for i in range(n)]
    return build_shards(jobs, get_task("qualify"), model, tmp_path / "in").shards[0]


@pytest.mark.integration
def test_a_batch_with_an_unknown_model_becomes_dead_letters_with_the_reason(
    fresh_emulator: EmulatorProcess, tmp_path: Path
) -> None:
    client = BatchClient(fresh_emulator.client())
    item = _shard(tmp_path, model="gpt-9-preview")
    status = client.wait(submit_shard(client, item).batch_id, interval=0.05, timeout=30)
    assert status.status == "failed"
    accounting = classify_requests(item.manifest(), [], batch_failure(status))
    assert accounting.counts == {"answered": 0, "failed": 3, "pending": 0}
    code, message = unrun_reason(status)
    assert code == "model_not_found"
    assert "The provided model 'gpt-9-preview' is not supported by the Batch API." in message
    assert "line 1, param body.model" in message
    with pytest.raises(ResultsNotReadyError, match="gpt-9-preview"):
        download_results(client, status, tmp_path / "out")
    agent = BatchProcessor(fresh_emulator.client(), work_dir=tmp_path, settings=Settings())
    reported = agent.check_batch_status(status.id)
    assert reported["failure"]["code"] == "model_not_found"
    assert reported["failure"]["retryable"] is False
    assert reported["errors"][0]["line"] == 1


@pytest.mark.integration
def test_a_token_limit_failure_leaves_the_requests_pending(
    fresh_emulator: EmulatorProcess, tmp_path: Path
) -> None:
    client = BatchClient(fresh_emulator.client())
    fresh_emulator.inject(token_limit_exceeded=True)
    item = _shard(tmp_path)
    status = client.wait(submit_shard(client, item).batch_id, interval=0.05, timeout=30)
    accounting = classify_requests(item.manifest(), [], batch_failure(status))
    assert accounting.counts == {"answered": 0, "failed": 0, "pending": 3}


@pytest.mark.integration
def test_a_line_the_service_rejects_is_a_dead_letter_and_the_rest_is_answered(
    fresh_emulator: EmulatorProcess, tmp_path: Path
) -> None:
    item = _shard(tmp_path)
    lines = item.path.read_text(encoding="utf-8").splitlines()
    broken = json.loads(lines[1])
    broken["body"]["max_completion_tokens"] = 0  # the service's 400: integer_below_min_value
    lines[1] = json.dumps(broken)
    item.path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    agent = BatchProcessor(fresh_emulator.client(), work_dir=tmp_path, settings=Settings())
    client = agent.client
    status = client.wait(submit_shard(client, item).batch_id, interval=0.05, timeout=30)
    assert (status.status, status.completed, status.failed) == ("completed", 2, 1)
    downloaded = download_results(client, status, tmp_path / "out")
    accounting = classify_requests(item.manifest(), list(downloaded.results()))
    [dead] = accounting.by_state("failed")
    assert dead.entry.custom_id == broken["custom_id"]
    assert dead.result is not None and dead.result.error is not None
    assert dead.result.error.code == "integer_below_min_value"
    parsed = {r["custom_id"]: r for r in agent.parse_results(downloaded.output_path)}
    assert parsed[broken["custom_id"]]["retryable"] is False
    assert parsed[broken["custom_id"]]["error"]["code"] == "integer_below_min_value"


@pytest.mark.integration
def test_a_missing_input_file_is_handled_in_both_of_the_services_ways(
    fresh_emulator: EmulatorProcess, tmp_path: Path
) -> None:
    client = BatchClient(fresh_emulator.client(max_retries=0))
    with pytest.raises(openai.NotFoundError, match="file-gone") as caught:
        client.create("file-gone", {})
    assert not is_retryable(None, caught.value.status_code)

    fresh_emulator.inject(accept_missing_input_file=True)
    status = client.wait(client.create("file-gone", {}).id, interval=0.05, timeout=30)
    failure = batch_failure(status)
    assert failure is not None and failure.code == "invalid_request" and not failure.retryable
    assert "Cannot find file file-gone" in failure.message and "param file_id" in failure.message

"""Results under the emulator's injected faults: every request answered, failed or pending."""

from __future__ import annotations

import time
from pathlib import Path
from typing import NamedTuple

import pytest

from jobbatch_dagster import BatchProcessor
from jobbatch_dagster.batch.accounting import ShardAccounting, classify_requests
from jobbatch_dagster.batch.client import BatchClient, BatchStatus
from jobbatch_dagster.batch.followup import build_followup_shard, followup_metadata
from jobbatch_dagster.batch.harvest import DownloadedResults, ResultsNotReadyError, download_results
from jobbatch_dagster.batch.results import RequestResult
from jobbatch_dagster.batch.shards import Shard, build_shards
from jobbatch_dagster.batch.submit import submit_shard
from jobbatch_dagster.emulator.process import EmulatorProcess
from jobbatch_dagster.settings import Settings
from jobbatch_dagster.tasks import get_task

pytestmark = pytest.mark.integration
QUALIFY = get_task("qualify")


def shard(tmp_path: Path, n: int) -> Shard:
    jobs = [
        {"id": i, "title": f"Clerk {i}", "description": f"Excel data entry, invoices {i}"}
        for i in range(n)
    ]
    return build_shards(jobs, QUALIFY, "gpt-4o-mini", tmp_path / "in").shards[0]


class Run(NamedTuple):
    status: BatchStatus
    shard: Shard
    downloaded: DownloadedResults
    results: list[RequestResult]
    accounting: ShardAccounting


def run(emulator: EmulatorProcess, tmp_path: Path, n: int, **fault) -> Run:
    client = BatchClient(emulator.client())
    if fault:
        emulator.inject(**fault)
    item = shard(tmp_path, n)
    status = client.wait(submit_shard(client, item).batch_id, interval=0.05, timeout=30)
    downloaded = download_results(client, status, tmp_path / "out")
    results = list(downloaded.results())
    return Run(status, item, downloaded, results, classify_requests(item.manifest(), results))


def test_malformed_schema_invalid_and_failed_lines_are_per_request_errors(
    fresh_emulator, tmp_path: Path
) -> None:
    fault = {
        "malformed_json": ["job-0-clerk-0"],
        "schema_invalid": ["job-1-clerk-1"],
        "fail_lines": {
            "job-2-clerk-2": {
                "status_code": 400,
                "code": "context_length_exceeded",
                "type": "invalid_request_error",
                "message": "too long",
            }
        },
    }
    status, _, downloaded, results, accounting = run(fresh_emulator, tmp_path, 5, **fault)
    assert status.status == "completed" and status.request_counts == {
        "total": 5,
        "completed": 4,
        "failed": 1,
    }
    by_id = {r.custom_id: r for r in results}
    assert by_id["job-0-clerk-0"].error.code == "invalid_json_content"
    assert by_id["job-1-clerk-1"].error.code == "schema_mismatch"
    failed = by_id["job-2-clerk-2"]
    assert (failed.status_code, failed.error.code, failed.error.message) == (
        400,
        "context_length_exceeded",
        "too long",
    )
    assert by_id["job-3-clerk-3"].success and by_id["job-3-clerk-3"].parsed["score"] >= 0
    assert by_id["job-3-clerk-3"].usage.prompt_tokens > 0
    assert accounting.counts == {"answered": 2, "failed": 3, "pending": 0}
    assert downloaded.corrupt == []


def test_an_expired_batch_keeps_its_answers_and_leaves_the_rest_pending(
    fresh_emulator, tmp_path: Path
) -> None:
    status, item, _, _, accounting = run(fresh_emulator, tmp_path, 8, expire_after_requests=3)
    assert status.status == "expired"
    assert accounting.counts == {"answered": 3, "failed": 0, "pending": 5}
    expired = [o.result.error.code for o in accounting.by_state("pending")]
    assert expired == ["batch_expired"] * 5
    assert sum(accounting.counts.values()) == item.request_count


def test_a_cancelled_batch_keeps_its_partial_answers(tmp_path: Path) -> None:
    with EmulatorProcess(data_dir=tmp_path / "slow", latency=3.0) as emulator:
        client = BatchClient(emulator.client())
        item = shard(tmp_path, 40)
        batch_id = submit_shard(client, item).batch_id
        deadline = time.monotonic() + 20
        while client.status(batch_id).completed == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert client.cancel(batch_id).status in ("cancelling", "cancelled")
        status = client.wait(batch_id, interval=0.05, timeout=30)
        assert status.status == "cancelled"
        results = list(download_results(client, status, tmp_path / "out").results())
        accounting = classify_requests(item.manifest(), results)
    counts = accounting.counts
    assert counts["answered"] >= 1 and counts["pending"] >= 1 and counts["failed"] == 0
    assert counts["answered"] + counts["pending"] == 40
    assert all(o.result.parsed for o in accounting.by_state("answered"))


def test_a_failed_batch_has_nothing_to_download_and_says_why(
    fresh_emulator, tmp_path: Path
) -> None:
    client = BatchClient(fresh_emulator.client())
    fresh_emulator.inject(token_limit_exceeded=True)
    status = client.wait(
        submit_shard(client, shard(tmp_path, 2)).batch_id, interval=0.05, timeout=30
    )
    with pytest.raises(ResultsNotReadyError, match=r"'failed'.*Enqueued token limit"):
        download_results(client, status, tmp_path / "out")


def test_parse_results_sees_failures_beside_the_output(fresh_emulator, tmp_path: Path) -> None:
    agent = BatchProcessor(fresh_emulator.client(), work_dir=tmp_path, settings=Settings())
    fresh_emulator.inject(fail_lines={"job-0-clerk-0": {}, "job-1-clerk-1": {}})
    path = agent.create_batch_input_file(
        [{"id": i, "title": f"Clerk {i}", "description": "x"} for i in range(2)], "qualify"
    )
    batch_id = agent.create_batch(agent.upload_batch_file(path))
    assert agent.wait_for_batch(batch_id, check_interval=0.05, timeout=30)["output_file_id"] is None
    results = agent.parse_results(
        agent.download_results(batch_id)
    )  # every request failed: no output file
    assert [(r["success"], r["error"]["code"]) for r in results] == [(False, "server_error")] * 2
    assert results[0]["error"]["message"].startswith("The server had an error")


def test_a_followup_sends_only_the_pending_requests_and_links_its_parent(
    fresh_emulator, tmp_path: Path
) -> None:
    first = run(fresh_emulator, tmp_path, 8, expire_after_requests=3)
    pending = [o.entry.custom_id for o in first.accounting.by_state("pending")]
    followup = build_followup_shard(first.shard, pending, tmp_path / "in", attempt=2)
    assert followup.request_count == 5 and followup.index == first.shard.index
    assert followup.path.name.startswith("qualify-gpt-4o-mini-a2-000-")
    parent_lines = dict(
        zip(
            [e.custom_id for e in first.shard.manifest()],
            first.shard.path.read_bytes().splitlines(),
            strict=True,
        )
    )
    for entry, line in zip(
        followup.manifest(), followup.path.read_bytes().splitlines(), strict=True
    ):
        assert (
            line == parent_lines[entry.custom_id]
        )  # byte for byte: same custom id, same fingerprint
    client = BatchClient(fresh_emulator.client())
    record = submit_shard(client, followup, extra_metadata=followup_metadata(first.status.id, 2))
    status = client.wait(record.batch_id, interval=0.05, timeout=30)
    assert (
        status.metadata["parent_batch_id"] == first.status.id and status.metadata["attempt"] == "2"
    )
    second = classify_requests(
        followup.manifest(), download_results(client, status, tmp_path / "out2").results()
    )
    assert second.counts == {"answered": 5, "failed": 0, "pending": 0}
    answered = {
        o.entry.custom_id for a in (first.accounting, second) for o in a.by_state("answered")
    }
    assert answered == {e.custom_id for e in first.shard.manifest()}
    assert submit_shard(client, followup).reused  # a crash-retry of the follow-up pays nothing
    with pytest.raises(ValueError, match="not in"):
        build_followup_shard(first.shard, ["job-99-nope"], tmp_path / "in", attempt=2)

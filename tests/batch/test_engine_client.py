"""The provider client and idempotent submits, over the real SDK and HTTP to a private emulator."""

from __future__ import annotations

from pathlib import Path

import openai
import pytest
from openai.types import Batch

from jobbatch_dagster import BatchProcessor
from jobbatch_dagster.batch.client import BatchClient, BatchStatus, BatchWaitTimeout
from jobbatch_dagster.batch.shards import Shard, build_shards
from jobbatch_dagster.batch.submit import (
    FINGERPRINT_KEY,
    RecentSubmissions,
    batch_metadata,
    submit_shard,
)
from jobbatch_dagster.batch.validate import InvalidBatchFileError
from jobbatch_dagster.contract import MAX_METADATA_VALUE_CHARS
from jobbatch_dagster.settings import Settings
from jobbatch_dagster.tasks import get_task

pytestmark = pytest.mark.integration


def shard(tmp_path: Path, n: int = 3, tag: str = "") -> Shard:
    jobs = [
        {"id": i, "title": f"Bookkeeper {i}", "description": f"QuickBooks invoices by hand {tag}"}
        for i in range(n)
    ]
    return build_shards(jobs, get_task("qualify"), "gpt-4o-mini", tmp_path / f"in{tag}").shards[0]


@pytest.fixture
def client(fresh_emulator) -> BatchClient:
    return BatchClient(fresh_emulator.client(), max_retries=0)


def test_key_and_base_url_come_from_the_environment(openai_env) -> None:
    client = BatchClient()
    assert str(client.sdk.base_url).rstrip("/") == openai_env.base_url
    assert client.backend == "emulator"
    assert openai_env.api_key not in repr(client)


def test_a_crash_after_create_is_healed_by_the_retry(
    client: BatchClient, fresh_emulator, tmp_path: Path
) -> None:
    item = shard(tmp_path)
    first = submit_shard(client, item, description="nightly", partition="2026-11-24")
    del first  # the process dies before anything records the batch id
    retry = submit_shard(client, item, description="nightly", partition="2026-11-24")
    assert retry.reused is True and retry.backend == "emulator"
    sdk = fresh_emulator.client()
    batches = list(sdk.batches.list())
    assert [b.id for b in batches] == [retry.batch_id]
    assert batches[0].metadata[FINGERPRINT_KEY] == item.input_fingerprint
    assert batches[0].metadata["partition"] == "2026-11-24"
    assert len(list(sdk.files.list(purpose="batch"))) == 1


def test_reconciliation_looks_back_only_within_its_window(
    client: BatchClient, fresh_emulator, tmp_path: Path
) -> None:
    item = shard(tmp_path)
    record = submit_shard(client, item)
    fingerprint = item.input_fingerprint
    assert (
        client.find_batch(FINGERPRINT_KEY, fingerprint, within_seconds=3600).id == record.batch_id
    )
    assert client.find_file(item.path.name, item.bytes, within_seconds=3600) is not None
    # A window that ends now holds nothing: the newest-first scan stops at the first older item.
    assert client.find_batch(FINGERPRINT_KEY, fingerprint, within_seconds=0) is None
    assert client.find_file(item.path.name, item.bytes, within_seconds=0) is None


def test_a_crash_after_upload_reuses_the_file(
    client: BatchClient, fresh_emulator, tmp_path: Path
) -> None:
    item = shard(tmp_path)
    uploaded = client.upload(item.path)  # then the process dies before create
    record = submit_shard(client, item)
    assert (record.reused, record.file_reused, record.input_file_id) == (False, True, uploaded.id)
    assert len(list(fresh_emulator.client().files.list(purpose="batch"))) == 1


def test_a_failed_batch_is_not_reused(client: BatchClient, fresh_emulator, tmp_path: Path) -> None:
    item = shard(tmp_path)
    fresh_emulator.inject(token_limit_exceeded=True)
    failed = submit_shard(client, item)
    status = client.wait(failed.batch_id, interval=0.05, timeout=30)
    assert status.status == "failed" and status.errors[0]["code"] == "token_limit_exceeded"
    assert status.output_file_id is None and status.error_file_id is None
    again = submit_shard(client, item)
    assert again.reused is False and again.batch_id != failed.batch_id


def test_several_shards_are_reconciled_against_one_reading_of_the_provider(
    client: BatchClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shards = [shard(tmp_path, 1, tag=str(i)) for i in range(3)]
    first = submit_shard(client, shards[0])
    reads: list[str] = []

    def counting(name: str):
        method = getattr(client, name)

        def counted(**kwargs):
            reads.append(name)
            return method(**kwargs)

        return counted

    for name in ("recent_batches", "recent_files"):
        monkeypatch.setattr(client, name, counting(name))
    recent = RecentSubmissions.read(client)
    records = [submit_shard(client, item, recent=recent) for item in shards]
    assert reads == ["recent_batches", "recent_files"]
    assert records[0].reused and records[0].batch_id == first.batch_id
    assert not any(r.reused for r in records[1:])
    again = RecentSubmissions.read(client)
    retried = [submit_shard(client, item, recent=again) for item in shards]
    assert all(r.reused for r in retried)
    assert [r.batch_id for r in retried] == [r.batch_id for r in records]


def test_status_wait_progress_and_timeout(
    client: BatchClient, fresh_emulator, tmp_path: Path
) -> None:
    fresh_emulator.inject(stall_finalizing="until_released")
    record = submit_shard(client, shard(tmp_path))
    seen: list[str] = []
    with pytest.raises(BatchWaitTimeout, match=record.batch_id) as raised:
        client.wait(
            record.batch_id, interval=0.05, timeout=0.5, on_progress=lambda s: seen.append(s.status)
        )
    assert isinstance(raised.value, TimeoutError) and "keeps running" in str(raised.value)
    assert seen[-1] == "finalizing"
    fresh_emulator.release(record.batch_id)
    done = client.wait(record.batch_id, interval=0.05, timeout=30)
    assert (
        done.is_terminal
        and done.progress == 1.0
        and done.request_counts == {"total": 3, "completed": 3, "failed": 0}
    )
    assert done.output_file_id and done.error_file_id is None and done.finished_at


def test_list_follows_every_page_and_stops_at_the_limit(
    client: BatchClient, tmp_path: Path
) -> None:
    ids = [submit_shard(client, shard(tmp_path, 1, tag=str(i))).batch_id for i in range(5)]
    assert [s.id for s in client.list(page_size=2)] == ids[::-1]
    assert [s.id for s in client.list(limit=3, page_size=2)] == ids[::-1][:3]


def test_download_streams_the_exact_bytes(
    client: BatchClient, fresh_emulator, tmp_path: Path
) -> None:
    record = submit_shard(client, shard(tmp_path))
    status = client.wait(record.batch_id, interval=0.05, timeout=30)
    path = client.download(status.output_file_id, tmp_path / "out" / "o.jsonl")
    assert path.read_bytes() == fresh_emulator.client().files.content(status.output_file_id).content
    assert not list(path.parent.glob(".*partial"))


def test_rate_limits_are_retried_by_the_sdk(fresh_emulator, tmp_path: Path) -> None:
    fresh_emulator.inject(http_errors={"status": 429, "count": 2, "retry_after_ms": 10})
    assert list(BatchClient(fresh_emulator.client(max_retries=0), max_retries=2).list()) == []
    fresh_emulator.inject(http_errors={"status": 503, "count": 1, "retry_after_ms": 10})
    with pytest.raises(openai.InternalServerError):
        list(BatchClient(fresh_emulator.client(max_retries=0)).list())


def test_metadata_stays_within_the_contract(tmp_path: Path) -> None:
    item = shard(tmp_path)
    metadata = batch_metadata(
        input_fingerprint=item.input_fingerprint,
        task="qualify",
        model="gpt-4o-mini",
        shard_index=0,
        request_count=3,
        description="d" * 2000,
        partition="2026-11-24",
    )
    assert len(metadata["description"]) == MAX_METADATA_VALUE_CHARS
    assert all(isinstance(v, str) for v in metadata.values())
    with pytest.raises(ValueError, match="at most 16 metadata pairs"):
        batch_metadata(
            input_fingerprint="f",
            task=None,
            model=None,
            shard_index=0,
            request_count=1,
            **{f"k{i}": "v" for i in range(13)},
        )


def test_empty_and_missing_file_ids_read_alike() -> None:
    fields = {
        "id": "batch_1", "object": "batch", "endpoint": "/v1/chat/completions", "input_file_id": "file-1",
        "completion_window": "24h", "status": "completed", "created_at": 1,
        "request_counts": {"total": 2, "completed": 1, "failed": 1},
    }  # fmt: skip
    blank = BatchStatus.from_batch(Batch(**fields, output_file_id="", error_file_id="file-err"))
    missing = BatchStatus.from_batch(Batch(**fields, error_file_id="file-err"))
    assert blank.output_file_id is None and missing.output_file_id is None
    assert blank.error_file_id == "file-err" and blank.progress == 1.0 and blank.is_terminal


def test_an_invalid_file_is_refused_before_upload_naming_the_line(
    fresh_emulator, tmp_path: Path
) -> None:
    agent = BatchProcessor(fresh_emulator.client(), work_dir=tmp_path, settings=Settings())
    path = Path(agent.create_batch_input_file([{"title": "T", "description": "d"}] * 2, "qualify"))
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0], lines[0], "not json"]) + "\n")
    with pytest.raises(InvalidBatchFileError) as raised:
        agent.upload_batch_file(path)
    message = str(raised.value)
    assert f"{path}:2: duplicate custom_id" in message and f"{path}:3: invalid JSON" in message
    assert list(fresh_emulator.client().files.list()) == []

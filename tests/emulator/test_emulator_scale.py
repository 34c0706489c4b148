"""A full-size batch: 50,000 requests complete at latency 0 (timing belongs to benchmarks)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from emulator_helpers import ANSWER_SCHEMA, chat_line, wait_for

from jobbatch_dagster.contract import CHAT_COMPLETIONS_ENDPOINT, MAX_REQUESTS_PER_BATCH
from jobbatch_dagster.emulator.process import EmulatorProcess

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_a_50000_request_batch_completes(fresh_emulator: EmulatorProcess, tmp_path: Path) -> None:
    source = tmp_path / "big.jsonl"
    with source.open("w") as out:
        for i in range(MAX_REQUESTS_PER_BATCH):
            out.write(
                json.dumps(chat_line(f"r{i}", content=f"posting {i}", schema=ANSWER_SCHEMA)) + "\n"
            )
    client = fresh_emulator.client()
    with source.open("rb") as body:
        file_id = client.files.create(file=("big.jsonl", body), purpose="batch").id
    batch = client.batches.create(
        input_file_id=file_id, endpoint=CHAT_COMPLETIONS_ENDPOINT, completion_window="24h"
    )
    done = wait_for(client, batch.id, timeout=240)
    assert done.status == "completed" and done.request_counts is not None
    assert done.request_counts.completed == MAX_REQUESTS_PER_BATCH
    seen = set()
    with client.files.with_streaming_response.content(done.output_file_id or "") as response:
        for line in response.iter_lines():
            seen.add(json.loads(line)["custom_id"])
    assert len(seen) == MAX_REQUESTS_PER_BATCH

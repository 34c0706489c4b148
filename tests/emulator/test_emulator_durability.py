"""State survives kill -9: files and batches are still there, in-flight batches carry on, and every
request is answered exactly once. Concurrent clients never corrupt it."""

from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from emulator_helpers import chat_line, read_lines, submit, wait_for

from jobbatch_dagster.emulator.process import EmulatorProcess

pytestmark = pytest.mark.integration

REQUESTS = 300


def _output_body(data_dir: Path, batch_id: str) -> Path:
    """The body the worker appends to (its id is reserved at creation and published at the end)."""
    with sqlite3.connect(data_dir / "emulator.sqlite3") as db:
        (body_id,) = db.execute(
            "SELECT output_body_id FROM batches WHERE id = ?", (batch_id,)
        ).fetchone()
    return data_dir / "files" / body_id


def test_kill_9_mid_batch_then_restart_answers_every_request_exactly_once(tmp_path: Path) -> None:
    data_dir = tmp_path / "emu"
    server = EmulatorProcess(data_dir, latency=3.0).start()
    try:
        client = server.client()
        batch = submit(client, [chat_line(f"r{i}") for i in range(REQUESTS)])
        running = batch
        while running.request_counts is None or running.request_counts.completed < 20:
            running = client.batches.retrieve(batch.id)
        server.kill()
        before = client.with_options(max_retries=0)
        # A chunk written but never committed, as a crash between write and commit leaves it.
        with _output_body(data_dir, batch.id).open("ab") as body:
            body.write(b'{"custom_id": "r0", "half-written": tr')

        server.restart()
        assert before.files.retrieve(batch.input_file_id).id == batch.input_file_id
        done = wait_for(client, batch.id)
        lines = read_lines(client, done.output_file_id)
    finally:
        server.stop()

    assert running.request_counts is not None and running.request_counts.completed < REQUESTS
    assert done.status == "completed" and done.request_counts is not None
    assert (done.request_counts.completed, done.request_counts.failed) == (REQUESTS, 0)
    custom_ids = [line["custom_id"] for line in lines]
    assert sorted(custom_ids) == sorted(f"r{i}" for i in range(REQUESTS))  # once each, none twice


def test_finished_batches_and_files_survive_a_restart(fresh_emulator: EmulatorProcess) -> None:
    client = fresh_emulator.client()
    batch = wait_for(client, submit(client, [chat_line("a"), chat_line("b")]).id)
    content = client.files.content(batch.output_file_id or "").content
    fresh_emulator.kill()
    fresh_emulator.restart()
    assert client.batches.retrieve(batch.id) == batch
    assert client.files.content(batch.output_file_id or "").content == content
    assert [b.id for b in client.batches.list()] == [batch.id]


def test_concurrent_clients_never_corrupt_the_state(fresh_emulator: EmulatorProcess) -> None:
    def one_client(n: int) -> str:
        client = fresh_emulator.client()
        return submit(client, [chat_line(f"c{n}-{i}") for i in range(20)]).id

    with ThreadPoolExecutor(max_workers=8) as pool:
        batch_ids = list(pool.map(one_client, range(16)))

    client = fresh_emulator.client()
    for batch_id in batch_ids:
        batch = wait_for(client, batch_id)
        assert batch.status == "completed" and batch.request_counts is not None
        assert batch.request_counts.completed == 20
        assert len(read_lines(client, batch.output_file_id)) == 20
    assert {b.id for b in client.batches.list(limit=100)} == set(batch_ids)
    with sqlite3.connect(fresh_emulator.data_dir / "emulator.sqlite3") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)

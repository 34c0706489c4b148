"""The Batches API: create errors, retrieve, list pagination, cancel, and the terminal states."""

from __future__ import annotations

from typing import Any

import httpx
import openai
import pytest
from emulator_helpers import by_custom_id, chat_line, read_lines, submit, upload, wait_for

from jobbatch_dagster.contract import CHAT_COMPLETIONS_ENDPOINT
from jobbatch_dagster.emulator.process import EmulatorProcess

pytestmark = pytest.mark.integration


def _create_raw(emulator: EmulatorProcess, body: dict[str, Any]) -> httpx.Response:
    return httpx.post(
        f"{emulator.base_url}/batches",
        json=body,
        headers={"Authorization": f"Bearer {emulator.api_key}"},
    )


@pytest.fixture(scope="module")
def input_file_id(emulator: EmulatorProcess) -> str:
    return upload(emulator.client(), [chat_line("a")])


@pytest.mark.parametrize(
    ("change", "param", "code"),
    [
        ({"endpoint": "/v1/nope"}, "endpoint", "invalid_value"),
        ({"endpoint": None}, "endpoint", "missing_required_parameter"),
        ({"input_file_id": None}, "input_file_id", "missing_required_parameter"),
        ({"completion_window": None}, "completion_window", "missing_required_parameter"),
        ({"completion_window": "48h"}, "completion_window", "invalid_value"),
        ({"metadata": {"k": 1}}, "metadata.k", "invalid_type"),
        (
            {"metadata": {f"k{i}": "v" for i in range(17)}},
            "metadata",
            "object_above_max_properties",
        ),
        ({"metadata": {"k" * 65: "v"}}, "metadata", "string_above_max_length"),
        ({"metadata": {"k": "v" * 513}}, "metadata.k", "string_above_max_length"),
        (
            {"output_expires_after": {"anchor": "created_at", "seconds": 60}},
            "output_expires_after.seconds",
            "invalid_value",
        ),
        (
            {"output_expires_after": {"anchor": "now", "seconds": 3600}},
            "output_expires_after.anchor",
            "invalid_value",
        ),
    ],
)
def test_create_rejects_bad_requests_with_a_400(
    emulator: EmulatorProcess, input_file_id: str, change: dict[str, Any], param: str, code: str
) -> None:
    body = {
        "input_file_id": input_file_id,
        "endpoint": CHAT_COMPLETIONS_ENDPOINT,
        "completion_window": "24h",
    }
    body = {k: v for k, v in {**body, **change}.items() if v is not None}
    response = _create_raw(emulator, body)
    assert response.status_code == 400
    assert response.headers["x-should-retry"] == "false"
    error = response.json()["error"]
    assert (error["param"], error["code"], error["type"]) == (param, code, "invalid_request_error")


def test_metadata_at_the_limits_is_accepted(client: openai.OpenAI, input_file_id: str) -> None:
    metadata = {f"{i:02d}" + "k" * 62: "v" * 512 for i in range(16)}
    batch = client.batches.create(
        input_file_id=input_file_id,
        endpoint=CHAT_COMPLETIONS_ENDPOINT,
        completion_window="24h",
        metadata=metadata,
    )
    assert batch.metadata == metadata


def test_create_with_an_unknown_input_file_is_a_404(client: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as caught:
        client.batches.create(
            input_file_id="file-nope", endpoint=CHAT_COMPLETIONS_ENDPOINT, completion_window="24h"
        )
    assert caught.value.body["message"] == "No such File object: file-nope"


def test_create_needs_a_batch_purpose_file(client: openai.OpenAI) -> None:
    notes = client.files.create(file=("n.jsonl", b"{}\n"), purpose="user_data").id
    with pytest.raises(openai.BadRequestError) as caught:
        client.batches.create(
            input_file_id=notes, endpoint=CHAT_COMPLETIONS_ENDPOINT, completion_window="24h"
        )
    assert caught.value.body["param"] == "input_file_id"


def test_unknown_batch_is_a_404(client: openai.OpenAI) -> None:
    for call in (client.batches.retrieve, client.batches.cancel):
        with pytest.raises(openai.NotFoundError) as caught:
            call("batch_nope")
        assert caught.value.body["message"] == "No such Batch object: batch_nope"


def test_list_is_newest_first_and_pages_with_after(fresh_emulator: EmulatorProcess) -> None:
    client = fresh_emulator.client()
    file_id = upload(client, [chat_line("a")])
    ids = [
        client.batches.create(
            input_file_id=file_id, endpoint=CHAT_COMPLETIONS_ENDPOINT, completion_window="24h"
        ).id
        for _ in range(5)
    ]
    first = client.batches.list(limit=2)
    assert [b.id for b in first.data] == [ids[4], ids[3]] and first.has_more
    assert (first.first_id, first.last_id) == (ids[4], ids[3])
    assert [b.id for b in client.batches.list(after=ids[3], limit=2).data] == [ids[2], ids[1]]
    last = client.batches.list(after=ids[1], limit=2)
    assert [b.id for b in last.data] == [ids[0]] and not last.has_more
    assert [b.id for b in client.batches.list(limit=2)] == list(reversed(ids))  # SDK auto-paging
    assert [b.id for b in client.batches.list()] == list(reversed(ids))


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "after=batch_unknown"])
def test_bad_batch_list_parameters_are_400(emulator: EmulatorProcess, query: str) -> None:
    response = httpx.get(
        f"{emulator.base_url}/batches?{query}",
        headers={"Authorization": f"Bearer {emulator.api_key}"},
    )
    assert response.status_code == 400


def test_cancel_mid_batch_keeps_the_finished_answers(tmp_path) -> None:
    with EmulatorProcess(tmp_path / "emu", latency=3.0) as server:
        client = server.client()
        created = submit(client, [chat_line(f"r{i}") for i in range(200)])
        running = created
        while running.request_counts is None or running.request_counts.completed < 10:
            running = client.batches.retrieve(created.id)
        cancelled = client.batches.cancel(created.id)
        assert cancelled.status in ("cancelling", "cancelled") and cancelled.cancelling_at

        batch = wait_for(client, created.id)
        answers = by_custom_id(read_lines(client, batch.output_file_id))

    assert batch.status == "cancelled" and batch.cancelled_at
    assert batch.request_counts is not None
    done = batch.request_counts.completed
    assert 10 <= done < 200
    assert len(answers) == done and set(answers) <= {f"r{i}" for i in range(200)}
    assert batch.error_file_id is None  # unrun requests of a cancelled batch are not listed


def test_cancel_of_a_finished_batch_is_a_409_not_to_retry(emulator: EmulatorProcess) -> None:
    client = emulator.client(max_retries=0)
    completed = wait_for(client, submit(client, [chat_line("a")]).id)
    failed = wait_for(client, submit(client, ["not json"]).id)
    assert (completed.status, failed.status) == ("completed", "failed")
    for batch in (completed, failed):
        response = httpx.post(
            f"{emulator.base_url}/batches/{batch.id}/cancel",
            headers={"Authorization": f"Bearer {emulator.api_key}"},
        )
        assert response.status_code == 409
        assert response.headers["x-should-retry"] == "false"
        assert batch.status in response.json()["error"]["message"]
        with pytest.raises(openai.ConflictError):
            client.batches.cancel(batch.id)


def test_cancel_while_finalizing_twice_is_harmless_and_keeps_the_answers(
    faulty: EmulatorProcess,
) -> None:
    client = faulty.client()
    faulty.inject(stall_finalizing="until_released", cancel_delay_seconds=0.5)
    batch = submit(client, [chat_line("a"), chat_line("b")])
    wait_for(client, batch.id, {"finalizing"})
    assert client.batches.cancel(batch.id).status == "cancelling"
    assert client.batches.cancel(batch.id).status == "cancelling"
    cancelled = wait_for(client, batch.id)
    assert cancelled.status == "cancelled"
    assert set(by_custom_id(read_lines(client, cancelled.output_file_id))) == {"a", "b"}


def test_when_every_request_fails_the_batch_still_completes(faulty: EmulatorProcess) -> None:
    client = faulty.client()
    faulty.inject(fail_lines={"a": {"status_code": 400}, "b": {}})
    batch = wait_for(client, submit(client, [chat_line("a"), chat_line("b")]).id)
    assert batch.status == "completed"
    assert batch.output_file_id is None and batch.error_file_id
    assert batch.request_counts is not None
    assert (batch.request_counts.completed, batch.request_counts.failed) == (0, 2)
    statuses = {
        cid: line["response"]["status_code"]
        for cid, line in by_custom_id(read_lines(client, batch.error_file_id)).items()
    }
    assert statuses == {"a": 400, "b": 500}


def test_output_expires_after_sets_the_output_files_expiry(client: openai.OpenAI) -> None:
    batch = submit(
        client, [chat_line("a")], output_expires_after={"anchor": "created_at", "seconds": 7200}
    )
    batch = wait_for(client, batch.id)
    assert batch.output_file_id is not None
    output = client.files.retrieve(batch.output_file_id)
    assert output.expires_at == output.created_at + 7200


def test_the_24_hour_window_expires_a_slow_batch(tmp_path) -> None:
    # --time-scale 100000: the 24 h window passes in under a second while the batch needs 5 s.
    with EmulatorProcess(
        tmp_path / "emu", latency=5.0, extra_args=["--time-scale", "100000"]
    ) as server:
        client = server.client()
        batch = wait_for(client, submit(client, [chat_line(f"r{i}") for i in range(50)]).id)
        answered = read_lines(client, batch.output_file_id)
        expired = read_lines(client, batch.error_file_id)
    assert batch.status == "expired" and batch.expired_at and batch.expires_at
    assert batch.expired_at >= batch.expires_at
    assert batch.request_counts is not None and batch.request_counts.completed == len(answered) < 50
    assert len(answered) + len(expired) == 50
    assert {line["error"]["code"] for line in expired} == {"batch_expired"}


def test_expired_files_are_gone(tmp_path) -> None:
    with EmulatorProcess(tmp_path / "emu", extra_args=["--time-scale", "100000"]) as server:
        client = server.client(max_retries=0)
        short = client.files.create(
            file=("s.jsonl", b"{}\n"),
            purpose="batch",
            expires_after={"anchor": "created_at", "seconds": 3600},
        )
        lasting = client.files.create(file=("l.txt", b"x"), purpose="user_data")
        while short.id in {f.id for f in client.files.list()}:  # an emulated hour is 36 ms
            pass
        with pytest.raises(openai.NotFoundError):
            client.files.retrieve(short.id)
        assert client.files.retrieve(lasting.id).expires_at is None


def test_deleting_the_input_of_a_running_batch_lets_it_finish(tmp_path) -> None:
    with EmulatorProcess(tmp_path / "emu", latency=1.0) as server:
        client = server.client()
        batch = submit(client, [chat_line(f"r{i}") for i in range(10)])
        client.files.delete(batch.input_file_id)
        done = wait_for(client, batch.id)
        assert done.status == "completed" and done.request_counts is not None
        assert done.request_counts.completed == 10
    assert not (server.data_dir / "files" / batch.input_file_id).exists()  # reclaimed at the end


def test_cancel_while_validating_ends_cancelled_without_files(tmp_path) -> None:
    with EmulatorProcess(tmp_path / "emu", latency=10.0) as server:  # validating lasts 1 s
        client = server.client()
        batch = submit(client, [chat_line("a")])
        assert client.batches.cancel(batch.id).status == "cancelling"
        done = wait_for(client, batch.id)
    assert done.status == "cancelled" and done.in_progress_at is None
    assert done.output_file_id is None and done.error_file_id is None
    assert done.request_counts is not None and done.request_counts.total == 0


def test_other_endpoints_are_answered_with_a_clear_400_per_request(client: openai.OpenAI) -> None:
    lines = [
        {
            "custom_id": f"e{i}",
            "method": "POST",
            "url": "/v1/embeddings",
            "body": {"model": "text-embedding-3-small", "input": "x"},
        }
        for i in range(2)
    ]
    batch = client.batches.create(
        input_file_id=upload(client, lines), endpoint="/v1/embeddings", completion_window="24h"
    )
    done = wait_for(client, batch.id)
    assert done.status == "completed" and done.output_file_id is None
    errors = read_lines(client, done.error_file_id)
    assert {line["response"]["body"]["error"]["code"] for line in errors} == {
        "unsupported_endpoint"
    }

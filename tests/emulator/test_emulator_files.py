"""The Files API: upload, list (purpose, order, limit, after), retrieve, content, delete, errors."""

from __future__ import annotations

import httpx
import openai
import pytest
from emulator_helpers import chat_line, jsonl

from jobbatch_dagster.contract import BATCH_FILE_DEFAULT_TTL_SECONDS
from jobbatch_dagster.emulator.process import EmulatorProcess

pytestmark = pytest.mark.integration


def test_upload_returns_a_file_object_that_expires_in_30_days(client: openai.OpenAI) -> None:
    body = jsonl([chat_line("a"), chat_line("b")])
    uploaded = client.files.create(file=("requests.jsonl", body), purpose="batch")
    assert uploaded.id.startswith("file-")
    assert (uploaded.bytes, uploaded.filename, uploaded.purpose) == (
        len(body),
        "requests.jsonl",
        "batch",
    )
    assert uploaded.status == "processed"
    assert uploaded.expires_at == uploaded.created_at + BATCH_FILE_DEFAULT_TTL_SECONDS
    assert client.files.retrieve(uploaded.id) == uploaded
    assert client.files.content(uploaded.id).content == body


def test_upload_honours_expires_after(client: openai.OpenAI) -> None:
    uploaded = client.files.create(
        file=("r.jsonl", jsonl([chat_line("a")])),
        purpose="batch",
        expires_after={"anchor": "created_at", "seconds": 3600},
    )
    assert uploaded.expires_at == uploaded.created_at + 3600


def test_upload_of_a_non_jsonl_file_for_batch_is_refused(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.files.create(file=("postings.csv", b"a,b\n1,2\n"), purpose="batch")
    assert caught.value.body["message"] == "Invalid file format for Batch API. Must be .jsonl"


@pytest.mark.parametrize(
    ("fields", "param", "code"),
    [
        ({"purpose": "batch"}, "file", "missing_required_parameter"),
        ({"purpose": "nonsense", "file": True}, "purpose", "invalid_value"),
        ({"file": True}, "purpose", "missing_required_parameter"),
        (
            {
                "purpose": "batch",
                "file": True,
                "expires_after[anchor]": "created_at",
                "expires_after[seconds]": "5",
            },
            "expires_after.seconds",
            "invalid_value",
        ),
    ],
)
def test_bad_uploads_get_a_400_naming_the_parameter(
    emulator: EmulatorProcess, fields: dict[str, object], param: str, code: str
) -> None:
    data = {k: v for k, v in fields.items() if k != "file"}
    files = {"file": ("r.jsonl", b'{"a": 1}\n')} if "file" in fields else None
    response = httpx.post(
        f"{emulator.base_url}/files",
        data=data,
        files=files,
        headers={"Authorization": f"Bearer {emulator.api_key}"},
    )
    assert response.status_code == 400
    assert response.headers["x-should-retry"] == "false"
    error = response.json()["error"]
    assert (error["param"], error["code"], error["type"]) == (param, code, "invalid_request_error")


def test_unknown_file_is_a_404_with_the_contract_message(client: openai.OpenAI) -> None:
    for call in (client.files.retrieve, client.files.content, client.files.delete):
        with pytest.raises(openai.NotFoundError) as caught:
            call("file-missing")
        assert caught.value.body == {
            "message": "No such File object: file-missing",
            "type": "invalid_request_error",
            "param": "id",
            "code": None,
        }


def test_delete_removes_the_file(client: openai.OpenAI) -> None:
    file_id = client.files.create(file=("d.jsonl", jsonl([chat_line("a")])), purpose="batch").id
    deleted = client.files.delete(file_id)
    assert (deleted.id, deleted.object, deleted.deleted) == (file_id, "file", True)
    with pytest.raises(openai.NotFoundError):
        client.files.retrieve(file_id)
    assert file_id not in {f.id for f in client.files.list()}


def test_list_filters_orders_and_pages(fresh_emulator: EmulatorProcess) -> None:
    client = fresh_emulator.client()
    batch_ids = [
        client.files.create(file=(f"{i}.jsonl", jsonl([chat_line("a")])), purpose="batch").id
        for i in range(5)
    ]
    other = client.files.create(file=("notes.txt", b"hello"), purpose="user_data").id

    newest_first = [f.id for f in client.files.list()]
    assert newest_first == [other, *reversed(batch_ids)]
    assert [f.id for f in client.files.list(order="asc")] == [*batch_ids, other]
    assert [f.id for f in client.files.list(purpose="batch")] == list(reversed(batch_ids))

    first = client.files.list(purpose="batch", limit=2)
    assert [f.id for f in first.data] == [batch_ids[4], batch_ids[3]] and first.has_more
    assert (first.first_id, first.last_id) == (batch_ids[4], batch_ids[3])
    following = client.files.list(purpose="batch", limit=2, after=batch_ids[3])
    assert [f.id for f in following.data] == [batch_ids[2], batch_ids[1]]
    assert [f.id for f in client.files.list(purpose="batch", limit=2)] == list(reversed(batch_ids))


@pytest.mark.parametrize(
    "query", ["limit=0", "limit=10001", "limit=x", "order=up", "after=file-unknown"]
)
def test_bad_list_parameters_are_400(emulator: EmulatorProcess, query: str) -> None:
    response = httpx.get(
        f"{emulator.base_url}/files?{query}",
        headers={"Authorization": f"Bearer {emulator.api_key}"},
    )
    assert response.status_code == 400
    assert response.json()["error"]["param"] == query.split("=")[0]


def test_missing_bearer_key_is_a_401_with_an_error_body(emulator: EmulatorProcess) -> None:
    for headers in ({}, {"Authorization": "Bearer"}, {"Authorization": "Basic abc"}):
        response = httpx.get(f"{emulator.base_url}/files", headers=headers)
        assert response.status_code == 401
        assert response.headers["x-should-retry"] == "false"
        error = response.json()["error"]
        assert "API key" in error["message"] and error["type"] == "invalid_request_error"


def test_api_key_flag_accepts_only_that_key(tmp_path) -> None:
    with EmulatorProcess(tmp_path / "emu", api_key="sk-only-this-one") as server:
        assert server.client().files.list().data == []
        wrong = server.client(api_key="sk-something-else", max_retries=0)
        with pytest.raises(openai.AuthenticationError) as caught:
            wrong.files.list()
        assert caught.value.body["code"] == "invalid_api_key"


def test_unknown_route_is_an_error_envelope(emulator: EmulatorProcess) -> None:
    response = httpx.get(f"{emulator.base_url}/nowhere", headers={"Authorization": "Bearer k"})
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "Invalid URL (GET /v1/nowhere)"

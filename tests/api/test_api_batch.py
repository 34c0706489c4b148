"""The original dashboard's six endpoints over real HTTP, against the emulator through the engine."""

from __future__ import annotations

import time

import httpx
import pytest

from jobbatch_dagster.settings import load_settings
from tests.api.conftest import REPO, Served, sample_rows

pytestmark = pytest.mark.integration
JOBS = [
    {"id": "api-1", "title": "Data entry clerk", "description": "Excel invoices by hand, ASAP"},
    {"id": "api-2", "title": "Bookkeeper", "description": "QuickBooks data entry every day"},
]


@pytest.fixture(scope="module")
def client(served: Served) -> httpx.Client:
    with served.client() as client:
        yield client


@pytest.fixture(scope="module")
def created(client: httpx.Client) -> dict:
    response = client.post("/api/batch/create", json={"jobs": JOBS, "task_type": "qualify"})
    assert response.status_code == 200, response.text
    return response.json()


def _finished(client: httpx.Client, batch_id: str) -> dict:
    deadline = time.monotonic() + 60
    while True:
        status = client.get(f"/api/batch/status/{batch_id}").json()["status"]
        if status["status"] == "completed" or time.monotonic() > deadline:
            return status
        time.sleep(0.2)


def test_create_answers_in_the_original_shape_with_batch_ids(created: dict) -> None:
    assert created["success"] is True
    assert created["batch_id"].startswith("batch_") and created["file_id"].startswith("file-")
    assert (created["job_count"], created["task_type"], created["model"]) == (
        2,
        "qualify",
        load_settings(REPO / "jobbatch.toml")
        .stage("qualify")
        .model,  # the configured stage's model by default
    )
    assert created["batch_ids"] == [created["batch_id"]] and created["message"]


def test_status_results_list_and_cancelling_a_finished_batch(
    client: httpx.Client, created: dict
) -> None:
    batch_id = created["batch_id"]
    status = _finished(client, batch_id)
    assert status["id"] == batch_id
    assert status["request_counts"] == {"total": 2, "completed": 2, "failed": 0}
    assert status["created_at"] > 0 and status["completed_at"] >= status["created_at"]

    results = client.get(f"/api/batch/results/{batch_id}").json()
    assert (results["success"], results["batch_id"]) == (True, batch_id)
    assert (results["total"], results["successful"], results["failed"]) == (2, 2, 0)
    assert results["results_file"].endswith(".jsonl") and "/" not in results["results_file"]
    assert {r["custom_id"] for r in results["results"]} and all(
        r["success"] and r["error"] is None and r["content"] for r in results["results"]
    )

    listed = client.get("/api/batch/list", params={"limit": 1}).json()
    assert (listed["success"], listed["count"]) == (True, 1)
    assert set(listed["batches"][0]) >= {"id", "status", "created_at", "request_counts"}

    cancel = client.post(f"/api/batch/cancel/{batch_id}")
    assert cancel.status_code == 409
    assert cancel.json() | {"error": None} == {
        "success": False,
        "batch_id": batch_id,
        "status": "completed",
        "error": None,
    }
    assert cancel.json()["error"]


def test_process_scraped_direct_submits_through_the_engine(client: httpx.Client) -> None:
    rows = sample_rows()[:5]
    response = client.post(
        "/api/batch/process-scraped",
        params={"mode": "direct"},
        json={"scrape_results": [*rows, {"title": "no description"}], "task_type": "parse"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["success"] and body["batch_id"] == body["batch_ids"][0]
    assert (body["job_count"], body["task_type"]) == (5, "parse")
    assert body["rejected"] == [
        {"index": 5, "field": "scrape_results[5]", "reason": "missing description"}
    ]


@pytest.mark.parametrize(
    ("path", "payload", "field", "words"),
    [
        ("/api/batch/create", {"jobs": "x"}, "jobs", "valid list"),
        ("/api/batch/create", {"jobs": JOBS, "task_type": "poem"}, "task_type", "'qualify'"),
        ("/api/batch/create", {"jobs": [{"title": "t"}]}, "jobs", "rejected"),
        ("/api/batch/process-scraped", {}, "scrape_results", "Field required"),
        ("/api/batch/process-scraped", {"scrape_results": {}}, "scrape_results", "got object"),
        ("/api/batch/process-scraped", {"scrape_results": []}, "scrape_results", "is empty"),
        (
            "/api/batch/process-scraped",
            {"scrape_results": [{"title": "only"}]},
            "scrape_results[0]",
            "missing description",
        ),
    ],
)
def test_a_bad_request_is_a_400_naming_the_field(
    client: httpx.Client, path: str, payload: dict, field: str, words: str
) -> None:
    response = client.post(path, json=payload)
    assert response.status_code == 400, response.text
    body = response.json()
    assert (body["success"], body["field"]) == (False, field)
    assert words in body["error"]


def test_unknown_things_are_404(client: httpx.Client) -> None:
    for response in (
        client.get("/api/batch/status/batch_nope"),
        client.get("/api/batch/results/batch_nope"),
        client.post("/api/batch/cancel/batch_nope"),
        client.get("/api/runs/no-such-run"),
    ):
        assert response.status_code == 404, response.text
        assert response.json()["success"] is False and response.json()["error"]
    limit = client.get("/api/batch/list", params={"limit": 0})
    assert (limit.status_code, limit.json()["field"]) == (400, "limit")

"""The guide's Examples 1-3, verbatim in shape, for every task, through the real SDK to the emulator."""

from __future__ import annotations

from pathlib import Path

import pytest

from jobbatch_dagster import BatchProcessor, process_jobs_batch
from jobbatch_dagster.settings import Settings
from jobbatch_dagster.tasks import TASK_NAMES, get_task

pytestmark = pytest.mark.integration
STATUS_KEYS = {
    "id",
    "status",
    "request_counts",
    "created_at",
    "completed_at",
    "output_file_id",
    "error_file_id",
    "errors",
}


def scrape_results(task: str, n: int = 6) -> list[dict]:
    """Postings distinct per task, so each test creates its own batch in the shared emulator."""
    return [
        {
            "id": f"{task}-{i}",
            "title": f"Data entry clerk {i}",
            "description": f"Manual data entry of invoices into Excel, daily reports, ASAP. ({task} {i})",
            "company": "Acme Supply",
            "location": "Denver, CO",
            "compensation": "$20/hr",
            "url": f"https://example.org/{task}/{i}",
        }
        for i in range(n)
    ]


def assert_results_are_the_tasks(results: list[dict], task: str, jobs: list[dict]) -> None:
    assert len(results) == len(jobs)
    assert all(r["success"] and r["error"] is None for r in results)
    model = get_task(task).result_model
    for result in results:
        assert result["content"][:100]
        assert model.model_validate(result["parsed"]).model_dump(mode="json") == result["parsed"]
    assert sorted(r["custom_id"] for r in results) == sorted(
        f"job-{j['id']}-data-entry-clerk-{j['id'][-1]}" for j in jobs
    )


@pytest.fixture
def agent(openai_env, tmp_path: Path) -> BatchProcessor:
    return BatchProcessor(work_dir=tmp_path / "batches", settings=Settings())


@pytest.mark.parametrize("task", TASK_NAMES)
def test_example_1_process_scraped_jobs(openai_env, tmp_path: Path, task: str) -> None:
    jobs = scrape_results(task)
    result = process_jobs_batch(
        jobs,
        task_type=task,
        wait_for_completion=False,
        model="gpt-4o-mini",
        work_dir=tmp_path,
        settings=Settings(),
    )
    assert result["success"] is True
    assert result["batch_id"].startswith("batch_") and result["batch_ids"] == [result["batch_id"]]
    assert result["file_id"].startswith("file-")
    assert (result["job_count"], result["task_type"], result["model"], result["rejected"]) == (
        6,
        task,
        "gpt-4o-mini",
        [],
    )
    assert "results" not in result
    agent = BatchProcessor(work_dir=tmp_path, settings=Settings())
    agent.wait_for_batch(result["batch_id"], check_interval=0.05, timeout=30)
    assert_results_are_the_tasks(
        agent.parse_results(agent.download_results(result["batch_id"])), task, jobs
    )


@pytest.mark.parametrize("task", TASK_NAMES)
def test_example_2_manual_workflow(agent: BatchProcessor, task: str) -> None:
    jobs = scrape_results(task, n=5)
    input_file = agent.create_batch_input_file(jobs=jobs, task_type=task, model="gpt-4o-mini")
    assert isinstance(input_file, str) and input_file.endswith(".jsonl")
    file_id = agent.upload_batch_file(input_file)
    batch_id = agent.create_batch(
        file_id, description=f"Qualify {len(jobs)} software engineer jobs"
    )
    status = agent.check_batch_status(batch_id)
    assert set(status) >= STATUS_KEYS and status["id"] == batch_id
    assert status["metadata"]["description"] == "Qualify 5 software engineer jobs"
    assert status["metadata"]["task"] == task
    assert set(status.get("request_counts", {})) == {"total", "completed", "failed"}
    status = agent.wait_for_batch(batch_id, check_interval=0.05, timeout=30)
    assert status["status"] == "completed"
    results_file = agent.download_results(batch_id)
    assert isinstance(results_file, str) and Path(results_file).is_file()
    assert_results_are_the_tasks(agent.parse_results(results_file), task, jobs)


@pytest.mark.parametrize("task", TASK_NAMES)
def test_example_3_wait_for_completion(agent: BatchProcessor, task: str) -> None:
    jobs = scrape_results(task, n=4)
    input_file = agent.create_batch_input_file(jobs, task)
    file_id = agent.upload_batch_file(input_file)
    batch_id = agent.create_batch(file_id)
    final_status = agent.wait_for_batch(batch_id, check_interval=0.05, timeout=30)
    assert final_status["status"] == "completed"
    assert final_status["request_counts"] == {"total": 4, "completed": 4, "failed": 0}
    results = agent.parse_results(agent.download_results(batch_id))
    assert_results_are_the_tasks(results, task, jobs)


def test_process_and_wait_returns_results_and_shards_when_over_the_limits(
    openai_env, tmp_path: Path
) -> None:
    jobs = [*scrape_results("shards", n=5), {"title": "no description"}]
    result = process_jobs_batch(
        jobs,
        task_type="qualify",
        wait_for_completion=True,
        work_dir=tmp_path,
        settings=Settings(max_requests_per_batch=2),
        check_interval=0.05,
        timeout=30,
    )
    assert result["success"] and len(result["batch_ids"]) == 3 == len(set(result["batch_ids"]))
    assert len(result["file_ids"]) == 3 and result["job_count"] == 5
    assert result["rejected"] == [
        {"index": 5, "job_id": None, "reason": "missing or empty required field 'description'"}
    ]
    assert [s["status"] for s in result["statuses"]] == ["completed"] * 3
    assert result["successful"] == 5 and result["failed"] == 0 and len(result["results"]) == 5


def test_list_and_cancel_verbs(agent: BatchProcessor) -> None:
    file_id = agent.upload_batch_file(
        agent.create_batch_input_file(scrape_results("verbs", 2), "qualify")
    )
    batch_id = agent.create_batch(file_id, description="for listing")
    agent.wait_for_batch(batch_id, check_interval=0.05, timeout=30)
    listed = agent.list_batches(limit=20)
    assert listed[0]["id"] == batch_id and set(listed[0]) >= {
        "id",
        "status",
        "created_at",
        "request_counts",
    }
    assert len(agent.list_batches(limit=1)) == 1
    refused = agent.cancel_batch(
        batch_id
    )  # completed batches cannot be cancelled: said, not raised
    assert (
        refused["batch_id"] == batch_id
        and refused["status"] == "completed"
        and refused["success"] is False
    )


def test_all_rejected_creates_nothing(openai_env, tmp_path: Path) -> None:
    result = process_jobs_batch(
        [{"title": "x"}, "junk"], task_type="qualify", work_dir=tmp_path, settings=Settings()
    )
    assert (
        result["success"] is False and result["batch_id"] is None and len(result["rejected"]) == 2
    )

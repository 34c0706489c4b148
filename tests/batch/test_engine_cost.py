"""Estimated versus actual cost on the emulator, and the budget guard refusing before any upload."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jobbatch_dagster import BatchProcessor, process_jobs_batch
from jobbatch_dagster.batch.client import BatchClient
from jobbatch_dagster.batch.cost import (
    ESTIMATE_TOLERANCE,
    BudgetExceededError,
    actual_cost,
    guard_budget,
)
from jobbatch_dagster.batch.estimate import estimate_shards_cost
from jobbatch_dagster.batch.harvest import download_results
from jobbatch_dagster.batch.shards import build_shards
from jobbatch_dagster.batch.submit import submit_shard
from jobbatch_dagster.settings import Settings
from jobbatch_dagster.tasks import TASK_NAMES, get_task

pytestmark = pytest.mark.integration

POSTINGS = [
    {
        "id": f"cost-{i}",
        "title": title,
        "company": "Harbor Freight Forwarding",
        "location": "Long Beach, CA",
        "compensation": "$21-24/hr",
        "description": (
            f"We are a 40-person logistics firm looking for a {title.lower()} to re-key shipping "
            "orders from emailed PDFs into our Excel tracker and QuickBooks, reconcile invoices "
            "weekly, and prepare the Monday status report for customers. Must be detail oriented. "
            f"Start ASAP. Posting {i}."
        ),
    }
    for i, title in enumerate(["Data Entry Clerk", "Admin Assistant", "Billing Coordinator"] * 4)
]


SAMPLE_DAY = Path(__file__).parents[2] / "data" / "sample" / "2026-11-18" / "craigslist-east.jsonl"


def sample_postings() -> list[dict]:
    """The sample scrape's JSON lines (its deliberately broken lines left out)."""
    postings = []
    for raw in SAMPLE_DAY.read_text(encoding="utf-8").splitlines():
        try:
            postings.append(json.loads(raw))
        except json.JSONDecodeError:
            continue
    return postings


@pytest.mark.parametrize("task", TASK_NAMES)
def test_estimate_is_within_the_documented_tolerance_of_actual(
    openai_env, tmp_path: Path, task: str
) -> None:
    build = build_shards(sample_postings(), get_task(task), "gpt-4o-mini", tmp_path)
    estimate = estimate_shards_cost(build.shards)
    assert estimate.input_tokens == sum(s.estimated_prompt_tokens for s in build.shards)
    client = BatchClient()
    status = client.wait(submit_shard(client, build.shards[0]).batch_id, interval=0.05, timeout=30)
    results = list(download_results(client, status, tmp_path / "out").results())
    used = actual_cost(
        "gpt-4o-mini",
        sum(r.usage.prompt_tokens for r in results),
        sum(r.usage.cached_tokens for r in results),
        sum(r.usage.completion_tokens for r in results),
        requests=len(results),
    )
    assert (used.input_tokens, used.output_tokens) == (status.input_tokens, status.output_tokens)
    # OpenAI bills the response schema as prompt tokens; the estimate counts it and the emulator
    # bills it by the same rule, so the engine's prompt count is exact
    assert estimate.input_tokens == used.input_tokens
    # cost.py: "a batch's estimated total is good to +/-25%": actual within that band of the estimate.
    low, high = (
        (1 - ESTIMATE_TOLERANCE) * estimate.batch_usd,
        (1 + ESTIMATE_TOLERANCE) * estimate.batch_usd,
    )
    assert low <= used.batch_usd <= high, (estimate, used)


def test_the_budget_guard_refuses_with_nothing_uploaded(fresh_emulator, tmp_path: Path) -> None:
    sdk = fresh_emulator.client()
    with pytest.raises(BudgetExceededError, match=r"exceeds the configured max \$0\.0000"):
        process_jobs_batch(
            POSTINGS,
            task_type="analyze",
            client=sdk,
            work_dir=tmp_path,
            settings=Settings(max_usd_per_submission=0.00001),
        )
    agent = BatchProcessor(
        sdk, work_dir=tmp_path, settings=Settings(max_usd_per_submission=0.00001)
    )
    with pytest.raises(BudgetExceededError):
        agent.upload_batch_file(agent.create_batch_input_file(POSTINGS, "qualify"))
    build = build_shards(POSTINGS, get_task("parse"), "gpt-4o-mini", tmp_path / "parse")
    with pytest.raises(BudgetExceededError):
        guard_budget(estimate_shards_cost(build.shards), 0.00001)
    assert list(sdk.files.list()) == []
    assert list(sdk.batches.list()) == []


def test_the_budget_rule_has_one_home_that_every_entry_point_calls() -> None:
    """The pipeline, the guide's verbs and the step-by-step processor all refuse through
    ``cost.guard_budget``: a second guard (or a submit that skips it) shows up here."""
    package = Path(__file__).resolve().parents[2] / "jobbatch_dagster"
    raising = sorted(
        str(p.relative_to(package))
        for p in package.rglob("*.py")
        if "BudgetExceededError(" in p.read_text(encoding="utf-8")
    )
    assert raising == ["batch/cost.py"]
    for caller in ("pipeline/submit.py", "batch/processor.py"):
        assert "guard_budget(" in (package / caller).read_text(encoding="utf-8"), caller


def test_within_budget_reports_the_estimate(fresh_emulator, tmp_path: Path) -> None:
    result = process_jobs_batch(
        POSTINGS,
        task_type="qualify",
        client=fresh_emulator.client(),
        work_dir=tmp_path,
        settings=Settings(max_usd_per_submission=5.0),
    )
    assert result["success"] and 0 < result["estimated_cost"] < result["estimated_live_cost"]
    assert result["estimate_tolerance"] == ESTIMATE_TOLERANCE

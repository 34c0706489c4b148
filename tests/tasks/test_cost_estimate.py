"""Cost before submission (estimate), after it (actual usage), and the budget guard."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from jobbatch_dagster.batch.cost import (
    ESTIMATE_TOLERANCE,
    BudgetExceededError,
    CostBreakdown,
    actual_cost,
    estimate_cost,
    estimate_request_cost,
    format_usd,
    guard_budget,
)
from jobbatch_dagster.tasks import TASK_NAMES, TASKS, LeadProfile, get_task
from jobbatch_dagster.tasks.tokens import (
    estimate_body_prompt_tokens,
    estimate_prompt_tokens,
    estimate_text_tokens,
)
from tests.tasks.model_answers import GROUP_VERDICTS, MODEL_ANSWERS
from tests.tasks.postings import ALL_POSTINGS, EXCEL_ASAP


def bodies(task_name: str, model: str = "gpt-4o-mini", n: int = 1) -> list[dict[str, Any]]:
    task = get_task(task_name)
    return [
        task.build_body({**EXCEL_ASAP, "id": f"cl-{i}"}, model, LeadProfile()) for i in range(n)
    ]


def test_actual_cost_arithmetic() -> None:
    cost = actual_cost(
        "gpt-4o-mini", input_tokens=1_000_000, cached_tokens=200_000, output_tokens=500_000
    )
    # batch: 800k x 0.075 + 200k x 0.0375 + 500k x 0.30 per 1M = 0.06 + 0.0075 + 0.15
    assert cost.batch_usd == pytest.approx(0.2175)
    # live: 800k x 0.15 + 200k x 0.075 + 500k x 0.60 per 1M = 0.12 + 0.015 + 0.30
    assert cost.live_usd == pytest.approx(0.435)
    assert cost.saving_usd == pytest.approx(0.2175)
    assert cost.known is True and cost.tolerance == 0.0


def test_actual_cost_of_a_snapshot_uses_the_base_price() -> None:
    snapshot = actual_cost("gpt-4o-mini-2024-07-18", 1000, 0, 1000)
    assert snapshot.batch_usd == actual_cost("gpt-4o-mini", 1000, 0, 1000).batch_usd
    assert snapshot.model == "gpt-4o-mini-2024-07-18"


def test_unknown_model_cost_is_unknown_not_guessed() -> None:
    cost = actual_cost("gpt-9-preview", 1000, 0, 1000)
    assert cost.known is False
    assert (cost.batch_usd, cost.live_usd, cost.saving_usd) == (None, None, None)
    assert cost.input_tokens == 1000  # the usage itself is still reported
    assert format_usd(cost.batch_usd) == "unknown"


@pytest.mark.parametrize(
    ("input_tokens", "cached", "output"), [(10, 11, 0), (-1, 0, 0), (0, 0, -5)]
)
def test_impossible_usage_is_refused(input_tokens: int, cached: int, output: int) -> None:
    with pytest.raises(ValueError, match="impossible usage for gpt-4o-mini"):
        actual_cost("gpt-4o-mini", input_tokens, cached, output)


def test_estimate_counts_prompt_tokens_and_the_expected_answer() -> None:
    (body,) = bodies("qualify")
    estimate = estimate_request_cost(body, get_task("qualify"))
    assert estimate.input_tokens == estimate_body_prompt_tokens(body)
    schema_text = json.dumps(
        body["response_format"]["json_schema"], separators=(",", ":"), sort_keys=True
    )
    assert estimate.input_tokens == estimate_prompt_tokens(body["messages"]) + estimate_text_tokens(
        schema_text
    )
    assert estimate.output_tokens == get_task("qualify").expected_output_tokens
    assert estimate.cached_input_tokens == 0
    assert estimate.tolerance == ESTIMATE_TOLERANCE
    expected = actual_cost("gpt-4o-mini", estimate.input_tokens, 0, estimate.output_tokens)
    assert estimate.batch_usd == pytest.approx(expected.batch_usd)


def test_a_body_without_a_schema_counts_its_messages_only() -> None:
    (body,) = bodies("qualify")
    del body["response_format"]
    assert estimate_body_prompt_tokens(body) == estimate_prompt_tokens(body["messages"])


def test_estimate_of_a_batch_sums_its_requests_and_accepts_input_lines() -> None:
    task = get_task("analyze")
    many = bodies("analyze", n=50)
    lines = (
        {"custom_id": str(i), "method": "POST", "url": "/v1/chat/completions", "body": b}
        for i, b in enumerate(many)
    )
    total = estimate_cost(lines, task)
    one = estimate_request_cost(many[0], task)
    assert total.requests == 50
    assert total.output_tokens == 50 * one.output_tokens
    assert total.batch_usd == pytest.approx(
        sum(estimate_request_cost(b, task).batch_usd for b in many)
    )


def test_estimate_never_exceeds_the_requests_output_ceiling() -> None:
    (body,) = bodies("analyze")
    body["max_completion_tokens"] = 40
    assert estimate_request_cost(body, get_task("analyze")).output_tokens == 40


def test_estimate_refuses_mixed_models() -> None:
    mixed = bodies("parse") + bodies("parse", model="gpt-4.1-mini")
    with pytest.raises(
        ValueError,
        match=re.escape("request 2 uses model 'gpt-4.1-mini' but the batch uses 'gpt-4o-mini'"),
    ):
        estimate_cost(mixed, get_task("parse"))


def test_empty_batch_costs_nothing() -> None:
    empty = estimate_cost([], get_task("qualify"))
    assert (empty.requests, empty.batch_usd, empty.known) == (0, 0.0, True)


def test_shard_costs_add_up() -> None:
    a = actual_cost("gpt-4o-mini", 1000, 100, 200, requests=2)
    b = actual_cost("gpt-4o-mini", 3000, 0, 600, requests=5)
    total = a + b
    assert total == actual_cost("gpt-4o-mini", 4000, 100, 800, requests=7)
    with pytest.raises(ValueError, match="different models"):
        _ = a + actual_cost("gpt-4o", 1, 0, 1)


@pytest.mark.parametrize("name", TASK_NAMES)
def test_expected_answer_size_matches_a_realistic_answer(name: str) -> None:
    """The documented method: compact JSON of a realistic answer, +10%; held within 15% here."""
    task = TASKS[name]
    task.parse_content(json.dumps(MODEL_ANSWERS[name]))  # the calibration answer is itself valid
    realistic = estimate_text_tokens(json.dumps(MODEL_ANSWERS[name], separators=(",", ":")))
    assert task.expected_output_tokens == pytest.approx(realistic, rel=0.15)
    assert task.expected_output_tokens < task.max_output_tokens


@pytest.mark.parametrize("name", sorted(GROUP_VERDICTS))
def test_expected_verdict_size_of_a_group_form_matches_a_realistic_verdict(name: str) -> None:
    """The same method for one posting's verdict in a request that judged several."""
    group = TASKS[name].grouped()
    verdict = GROUP_VERDICTS[name]
    answers = group.split(json.dumps({"verdicts": [verdict]}), {verdict["id"]})
    assert isinstance(answers[verdict["id"]], dict)  # the calibration verdict is itself valid
    realistic = estimate_text_tokens(json.dumps(verdict, separators=(",", ":")))
    assert group.form.expected_output_tokens == pytest.approx(realistic, rel=0.15)
    assert group.form.expected_output_tokens < group.form.max_output_tokens


def test_estimated_prompt_size_of_real_postings_is_plausible() -> None:
    """The system prompt dominates short postings; a 12,000-character posting adds ~3,000 tokens."""
    task = get_task("qualify")
    sizes = [
        estimate_request_cost(task.build_body(p, "gpt-4o-mini", LeadProfile()), task).input_tokens
        for p in ALL_POSTINGS
    ]
    static = estimate_text_tokens(task.system_prompt(LeadProfile()))
    assert all(size > static for size in sizes)
    assert max(sizes) - static > 3000


def test_budget_guard_allows_what_fits_and_no_limit() -> None:
    estimate = estimate_cost(bodies("qualify", n=10), get_task("qualify"))
    guard_budget(estimate, 25.0)
    guard_budget(estimate, None)
    guard_budget(estimate, 0)


def test_budget_guard_refuses_an_expensive_batch_with_a_clear_message() -> None:
    estimate = CostBreakdown(
        "gpt-4.1", 50_000, 40_000_000, 0, 5_000_000, 40.0, 80.0, 40.0, True, 0.25
    )
    with pytest.raises(BudgetExceededError) as caught:
        guard_budget(estimate, 25.0)
    assert str(caught.value) == (
        "estimated $40.00 for 50000 requests on model gpt-4.1 exceeds the configured max $25.00; "
        "lower the batch or raise [budget] max_usd_per_submission in jobbatch.toml"
    )


def test_budget_guard_refuses_an_unpriced_model() -> None:
    estimate = estimate_cost(bodies("qualify", model="gpt-9-preview"), get_task("qualify"))
    assert estimate.known is False
    with pytest.raises(BudgetExceededError, match="model gpt-9-preview: it has no price"):
        guard_budget(estimate, 25.0)
    guard_budget(estimate, None)  # no budget configured: nothing to check


@pytest.mark.parametrize(
    ("amount", "text"),
    [(0.0, "$0.00"), (0.0042, "$0.0042"), (1234.5, "$1,234.50"), (None, "unknown")],
)
def test_format_usd(amount: float | None, text: str) -> None:
    assert format_usd(amount) == text

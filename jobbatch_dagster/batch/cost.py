"""What a batch will cost before it is sent, what it did cost afterwards, and the budget guard.

Estimate (before submission, from the request bodies alone, offline):
- input tokens: ``tasks.tokens.estimate_body_prompt_tokens`` of each body: its messages (UTF-8
  bytes / 4 plus the chat framing) and its response schema as compact JSON, since OpenAI feeds the
  schema to the model (the emulator reports usage by the same rule);
- cached tokens: none. Our static prefix (instructions + profile) is below the 1,024 tokens OpenAI
  needs before it caches a prompt; a profile long enough to be cached makes the estimate high, the
  safe side for a budget;
- output tokens: the task's ``typical_output_tokens`` per request (a realistic compact answer plus
  10%, see ``Task.expected_output_tokens``), never more than the body's ``max_completion_tokens``;
  a request that judges several postings (the task's group form) expects one typical verdict per
  posting it holds.
Tolerance: the input rule is within about 15% of a real tokenizer for English text; answer sizes
vary per posting, but a batch's mean stays within about 25% of the expected size. A batch's
estimated total is therefore good to +/-25% (``ESTIMATE_TOLERANCE``); single requests vary more.
Reasoning models (o-series, gpt-5) also bill hidden reasoning tokens as output, which no estimate
from the request can see: for them the estimate is a floor.

Actual cost (after the batch, from the provider's usage): exact arithmetic on the dated prices.
An unknown model's cost is None with ``known=False``, never guessed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from jobbatch_dagster.batch.pricing import price_for
from jobbatch_dagster.tasks import Task
from jobbatch_dagster.tasks.base import decode_postings
from jobbatch_dagster.tasks.tokens import estimate_body_prompt_tokens

ESTIMATE_TOLERANCE = 0.25
BUDGET_SETTING = "[budget] max_usd_per_submission in jobbatch.toml"


class BudgetExceededError(RuntimeError):
    """A submission whose estimated batch cost exceeds, or cannot be shown to fit, the budget."""


@dataclass(frozen=True)
class CostBreakdown:
    """Tokens and dollars for some requests on one model; dollars None when the price is unknown.

    ``live_usd`` is what the same work costs through the synchronous API, so ``saving_usd`` is what
    batching saved. ``tolerance`` is the relative error of the figures: 0 for actual usage.
    """

    model: str
    requests: int
    input_tokens: int  # includes the cached ones
    cached_input_tokens: int
    output_tokens: int
    batch_usd: float | None
    live_usd: float | None
    saving_usd: float | None
    known: bool
    tolerance: float = 0.0

    def __add__(self, other: CostBreakdown) -> CostBreakdown:
        """Two parts (e.g. shards) of the same model's work as one."""
        if other.model != self.model:
            raise ValueError(
                f"cannot add costs of different models: {self.model} and {other.model}"
            )
        return priced(
            self.model,
            requests=self.requests + other.requests,
            input_tokens=self.input_tokens + other.input_tokens,
            cached_tokens=self.cached_input_tokens + other.cached_input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            tolerance=max(self.tolerance, other.tolerance),
        )


def priced(
    model: str,
    *,
    requests: int,
    input_tokens: int,
    cached_tokens: int,
    output_tokens: int,
    tolerance: float = 0.0,
) -> CostBreakdown:
    """A breakdown of the given usage at the model's batch and live prices."""
    price = price_for(model)
    batch = live = None
    if price is not None:
        batch = price.batch.cost(input_tokens, cached_tokens, output_tokens)
        live = price.live.cost(input_tokens, cached_tokens, output_tokens)
    return CostBreakdown(
        model=model,
        requests=requests,
        input_tokens=input_tokens,
        cached_input_tokens=cached_tokens,
        output_tokens=output_tokens,
        batch_usd=batch,
        live_usd=live,
        saving_usd=None if batch is None or live is None else live - batch,
        known=price is not None,
        tolerance=tolerance,
    )


def actual_cost(
    model: str, input_tokens: int, cached_tokens: int, output_tokens: int, requests: int = 0
) -> CostBreakdown:
    """The cost of a finished batch from its usage (``input_tokens`` includes ``cached_tokens``)."""
    if min(input_tokens, cached_tokens, output_tokens) < 0 or cached_tokens > input_tokens:
        raise ValueError(
            f"impossible usage for {model}: input {input_tokens}, cached {cached_tokens}, "
            f"output {output_tokens} (cached tokens are part of the input tokens)"
        )
    return priced(
        model,
        requests=requests,
        input_tokens=input_tokens,
        cached_tokens=cached_tokens,
        output_tokens=output_tokens,
    )


def _body(request: Mapping[str, Any]) -> Mapping[str, Any]:
    """A request body, given either the body itself or a whole batch input line."""
    body = request.get("body")
    return body if isinstance(body, Mapping) and "messages" not in request else request


def _group_size(body: Mapping[str, Any], task: Task) -> int | None:
    """How many postings a body judges, when it is the task's group form (else None)."""
    spec = (body.get("response_format") or {}).get("json_schema") or {}
    if task.group is None or spec.get("name") != task.grouped().schema_name:
        return None
    users = [m for m in body.get("messages") or () if m.get("role") == "user"]
    content = users[0].get("content") if users else None
    return len(decode_postings(content)) if isinstance(content, str) else 0


def _tokens(body: Mapping[str, Any], task: Task) -> tuple[int, int]:
    size = _group_size(body, task)
    output = (
        task.typical_output_tokens if size is None else task.grouped().expected_output_tokens(size)
    )
    ceiling = body.get("max_completion_tokens") or body.get("max_tokens")
    if isinstance(ceiling, int) and ceiling > 0:
        output = min(output, ceiling)
    return estimate_body_prompt_tokens(body), output


def estimate_request_cost(body: Mapping[str, Any], task: Task) -> CostBreakdown:
    """The estimated cost of one request (a body, or a batch input line holding one)."""
    return estimate_cost([body], task)


def estimate_cost(requests: Iterable[Mapping[str, Any]], task: Task) -> CostBreakdown:
    """The estimated cost of a batch's requests; streams, so a generator of 50,000 lines is fine.

    All requests must use one model (a batch file may hold only one); an empty batch costs $0.
    """
    model: str | None = None
    count = input_tokens = output_tokens = 0
    for request in requests:
        body = _body(request)
        body_model = str(body.get("model", ""))
        if model is None:
            model = body_model
        elif body_model != model:
            raise ValueError(
                f"request {count + 1} uses model {body_model!r} but the batch uses {model!r}; "
                "a batch holds one model"
            )
        prompt, output = _tokens(body, task)
        count += 1
        input_tokens += prompt
        output_tokens += output
    if model is None:
        return CostBreakdown("", 0, 0, 0, 0, 0.0, 0.0, 0.0, known=True)
    return priced(
        model,
        requests=count,
        input_tokens=input_tokens,
        cached_tokens=0,
        output_tokens=output_tokens,
        tolerance=ESTIMATE_TOLERANCE,
    )


def format_usd(amount: float | None) -> str:
    """Dollars as a person reads them: cents, or four decimals below a cent; "unknown" for None."""
    if amount is None:
        return "unknown"
    return f"${amount:,.4f}" if 0 < abs(amount) < 0.01 else f"${amount:,.2f}"


def guard_budget(estimate: CostBreakdown | None, max_usd: float | None) -> CostBreakdown | None:
    """The one budget guard: refuse a submission whose estimated batch cost exceeds ``max_usd``
    (None or <= 0: no limit) before anything is uploaded; returns the estimate it checked.

    Every entry point (the pipeline's submission, ``BatchProcessor.upload_batch_file``,
    ``process_jobs_batch``) passes its whole submission's estimate here. A model without a known
    price cannot be shown to fit a budget, so it is refused too. None (nothing to send) passes.
    """
    if estimate is None or max_usd is None or max_usd <= 0:
        return estimate
    if estimate.batch_usd is None:
        raise BudgetExceededError(
            f"cannot check the budget of {estimate.requests} requests on model {estimate.model}: "
            "it has no price in jobbatch_dagster/batch/pricing.json; add its prices there, "
            f"use a priced model, or remove {BUDGET_SETTING}"
        )
    if estimate.batch_usd > max_usd:
        raise BudgetExceededError(
            f"estimated {format_usd(estimate.batch_usd)} for {estimate.requests} requests on model "
            f"{estimate.model} exceeds the configured max {format_usd(max_usd)}; "
            f"lower the batch or raise {BUDGET_SETTING}"
        )
    return estimate


LIVE_BUDGET_SETTING = "[budget] max_usd_live_per_day in jobbatch.toml"


def check_live_budget(estimate: CostBreakdown, spent_today: float, max_usd: float | None) -> None:
    """Refuse a live call that could take today's live spend over ``max_usd`` (None or <= 0: no
    limit). ``estimate`` is the call's ceiling (full answer); a model without a price is refused."""
    if max_usd is None or max_usd <= 0:
        return
    if estimate.live_usd is None:
        raise BudgetExceededError(
            f"cannot check the live budget of a call to {estimate.model}: it has no price in "
            "jobbatch_dagster/batch/pricing.json; add its prices there, use a priced model, or "
            f"remove {LIVE_BUDGET_SETTING}"
        )
    if spent_today + estimate.live_usd > max_usd:
        raise BudgetExceededError(
            f"live spend today is {format_usd(spent_today)}; this call to {estimate.model} may cost "
            f"up to {format_usd(estimate.live_usd)}, over the daily max {format_usd(max_usd)}; "
            f"wait until tomorrow (UTC) or raise {LIVE_BUDGET_SETTING}"
        )

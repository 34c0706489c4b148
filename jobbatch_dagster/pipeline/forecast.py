"""What a night will cost before anything runs: every configured stage, batch against live.

Per stage, in config order (``jobbatch estimate`` prints it):

- requests: a stage without ``after`` (qualify) sends each posting whose request is not already
  answered in the warehouse, once per distinct content; a stage after another sends the share of
  those expected to pass its threshold (the share of this warehouse's qualify answers that did,
  else :data:`DEFAULT_LEAD_SHARE`); a lead stage with ``top`` sends at most ``top``;
- input tokens: the very bodies the stage would build (the cheap filter's brief description
  included), averaged over the postings for the later stages, since which postings pass is not
  known yet; a lead stage adds the earlier answer it reads at that stage's answer size; cached:
  when the static system prompt reaches the 1,024 tokens the service caches, every request after
  the first finds it cached (in 128-token steps);
- output tokens: the mean answer per posting this stage's model gave in this warehouse (the
  ledger), else the task's typical answer (``Task.typical_output_tokens``);
- a stage judging several postings per request (``postings_per_request``) builds its very group
  bodies (the instructions paid once per line) and sends one line per that many postings; its
  typical answer is one verdict per posting.

So the forecast of a first night rests on the task's typical sizes and a guessed lead share; once
the ledger has a night it rests on what was measured here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import duckdb

from jobbatch_dagster.batch.cost import CostBreakdown, priced
from jobbatch_dagster.batch.requests import prepare_posting, prompt_version_of, request_fingerprint
from jobbatch_dagster.pipeline.day import stages_in_order
from jobbatch_dagster.settings import Settings, StageConfig
from jobbatch_dagster.tasks import get_task
from jobbatch_dagster.tasks.tokens import (
    TOKENS_PER_REPLY,
    estimate_body_prompt_tokens,
    estimate_prompt_tokens,
)
from jobbatch_dagster.warehouse.lead_costs import output_tokens_per_posting, share_at_or_above
from jobbatch_dagster.warehouse.ledger import blocked_fingerprints

# Before any night, the share of postings taken to qualify: about a quarter of the sample data's
# postings are leads. A warehouse with qualify answers replaces it with its own share.
DEFAULT_LEAD_SHARE = 0.25
CACHE_MIN_TOKENS, CACHE_STEP_TOKENS = 1024, 128  # OpenAI's prompt caching rule


@dataclass(frozen=True)
class History:
    """What the warehouse measured: answer sizes per (stage, model), lead shares per threshold."""

    output_tokens: Mapping[tuple[str, str], float] = field(default_factory=dict)
    shares: Mapping[int, float] = field(default_factory=dict)

    @classmethod
    def read(cls, con: duckdb.DuckDBPyConnection, settings: Settings) -> History:
        thresholds = {_threshold(settings, s) for s in settings.stages if s.after}
        shares = {t: share for t in thresholds if (share := share_at_or_above(con, t)) is not None}
        return cls(output_tokens_per_posting(con), shares)


@dataclass(frozen=True)
class StageForecast:
    stage: str
    model: str
    cost: CostBreakdown
    measured: bool  # answer size from this warehouse's ledger (else the task's typical size)


@dataclass(frozen=True)
class NightForecast:
    postings: int
    fresh: int  # postings whose first-stage request is not already answered
    stages: list[StageForecast]

    @property
    def batch_usd(self) -> float | None:
        values = [s.cost.batch_usd for s in self.stages]
        return None if None in values else sum(v or 0.0 for v in values)

    @property
    def live_usd(self) -> float | None:
        values = [s.cost.live_usd for s in self.stages]
        return None if None in values else sum(v or 0.0 for v in values)


def _threshold(settings: Settings, stage: StageConfig) -> int:
    """The qualify score a stage's postings must reach: a lead stage (``top``) has its own."""
    return stage.threshold if stage.top else settings.stage(stage.after or stage.task).threshold


def _cached_prefix(body: Mapping[str, Any]) -> int:
    system = [m for m in body["messages"] if m.get("role") == "system"]
    tokens = estimate_prompt_tokens(system) - TOKENS_PER_REPLY if system else 0
    return tokens // CACHE_STEP_TOKENS * CACHE_STEP_TOKENS if tokens >= CACHE_MIN_TOKENS else 0


def _bodies(
    jobs: list[Mapping[str, Any]], settings: Settings, stage: StageConfig
) -> list[dict[str, Any]]:
    """The bodies the stage would send for these jobs: one each, or one per group of them."""
    task = get_task(stage.task)
    limit = settings.max_description_chars
    postings = [
        prepare_posting(job, i, limit, task.context_fields, stage.description_chars).posting
        for i, job in enumerate(jobs)
    ]
    profile = settings.lead_profile
    size = stage.postings_per_request
    if size == 1:
        return [task.build_body(p, stage.model, profile) for p in postings]
    group = task.grouped()
    return [
        group.build_body(
            [(str(n), p) for n, p in enumerate(postings[i : i + size], 1)], stage.model, profile
        )
        for i in range(0, len(postings), size)
    ]


def _stage_forecast(
    jobs: list[Mapping[str, Any]],
    postings: int,
    settings: Settings,
    stage: StageConfig,
    history: History,
) -> StageForecast:
    """The stage's cost for ``postings`` of these jobs (all, or the share expected to pass)."""
    task = get_task(stage.task)
    bodies = _bodies(jobs, settings, stage)
    mean_input = sum(map(estimate_body_prompt_tokens, bodies)) / len(jobs) if jobs else 0.0
    if task.context_fields and stage.after:  # the earlier answer it reads, at its size here
        after = settings.stage(stage.after)
        mean_input += history.output_tokens.get(
            (after.task, after.model), get_task(after.task).typical_output_tokens
        )
    size = stage.postings_per_request
    typical = (
        task.typical_output_tokens
        if size == 1
        else task.grouped().expected_output_tokens(size) / size
    )
    measured = (stage.task, stage.model) in history.output_tokens
    output = history.output_tokens.get((stage.task, stage.model), typical)
    output = min(output, task.max_output_tokens)
    requests = -(-postings // size)  # lines: a group line holds up to `size` postings
    prefix = _cached_prefix(bodies[0]) if bodies else 0
    cost = priced(
        stage.model,
        requests=requests,
        input_tokens=round(mean_input * postings),
        cached_tokens=prefix * max(requests - 1, 0),
        output_tokens=round(output * postings),
    )
    return StageForecast(stage.task, stage.model, cost, measured)


def forecast_night(
    jobs: Iterable[Mapping[str, Any]],
    settings: Settings,
    con: duckdb.DuckDBPyConnection | None = None,
    day: date | None = None,
) -> NightForecast:
    """The night's cost per stage for these job dicts; with a warehouse, what it already
    answered is left out and what it measured is used (see the module doc)."""
    stages = stages_in_order(settings)
    history = History.read(con, settings) if con is not None else History()
    first = get_task(stages[0].task)
    version = prompt_version_of(first, settings.lead_profile, stages[0].postings_per_request)
    by_fingerprint: dict[str, Mapping[str, Any]] = {}
    postings = 0
    for i, job in enumerate(jobs):
        postings += 1
        prepared = prepare_posting(
            job, i, settings.max_description_chars, (), stages[0].description_chars
        )
        key = request_fingerprint(first, version, stages[0].model, prepared.posting)
        by_fingerprint.setdefault(key, job)
    if con is not None:
        answered = blocked_fingerprints(con, first.name, day or date.today(), by_fingerprint)
        by_fingerprint = {k: j for k, j in by_fingerprint.items() if k not in answered}
    fresh = list(by_fingerprint.values())
    forecasts = []
    for stage in stages:
        requests = len(fresh)
        if stage.after:
            share = history.shares.get(_threshold(settings, stage), DEFAULT_LEAD_SHARE)
            requests = round(len(fresh) * share)
        if stage.top:
            requests = min(requests, stage.top)
        forecasts.append(_stage_forecast(fresh, requests, settings, stage, history))
    return NightForecast(postings, len(fresh), forecasts)

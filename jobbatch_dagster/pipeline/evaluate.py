"""How well a model finds the leads, and at what price: a labelled set through one stage.

A labelled set is a jobs file whose rows carry ``lead``: true or false (data/sample/labels.jsonl,
written by the sample data's generator, or the user's own). Every posting goes through the stage's
task on the chosen model as one batch (the stage's own cut of the description included), and a
posting counts as found when its score reaches the stage's threshold, as in ``qualified_leads``.
The report: precision, recall, and what it cost per 1,000 postings and per true lead found.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jobbatch_dagster.batch.client import BatchClient
from jobbatch_dagster.batch.cost import CostBreakdown, actual_cost, guard_budget
from jobbatch_dagster.batch.estimate import estimate_shards_cost
from jobbatch_dagster.batch.harvest import download_results
from jobbatch_dagster.batch.results import group_map
from jobbatch_dagster.batch.shards import build_shards
from jobbatch_dagster.batch.submit import submit_shard
from jobbatch_dagster.settings import Settings, StageConfig
from jobbatch_dagster.tasks import get_task

LABEL_FIELD = "lead"
SCORED_TASKS = ("qualify",)  # the tasks whose answer has a score to hold against a threshold


class LabelError(ValueError):
    """A labelled set that cannot be evaluated: it names the row and what to fix."""


@dataclass(frozen=True)
class Evaluation:
    stage: str
    model: str
    backend: str
    postings: int
    answered: int
    true_positives: int
    false_positives: int
    false_negatives: int
    cost: CostBreakdown

    @property
    def precision(self) -> float | None:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else None

    @property
    def recall(self) -> float | None:
        leads = self.true_positives + self.false_negatives
        return self.true_positives / leads if leads else None

    @property
    def usd_per_1000_postings(self) -> float | None:
        usd = self.cost.batch_usd
        return None if usd is None or not self.postings else 1000 * usd / self.postings

    @property
    def usd_per_true_lead(self) -> float | None:
        usd = self.cost.batch_usd
        return None if usd is None or not self.true_positives else usd / self.true_positives


def labels_of(jobs: Sequence[Mapping[str, Any]], source: str) -> list[bool]:
    """Each row's ``lead`` label (a job dict read by the scraper readers keeps it in ``extra``); a
    row without a true/false one is an error naming it."""
    labels = []
    for index, job in enumerate(jobs, start=1):
        value = job.get(LABEL_FIELD, (job.get("extra") or {}).get(LABEL_FIELD))
        if not isinstance(value, bool):
            raise LabelError(
                f"{source}: posting {index} ({job.get('title')!r}) has no {LABEL_FIELD!r} label "
                f'(got {value!r}); give every row "{LABEL_FIELD}": true or false'
            )
        labels.append(value)
    return labels


def evaluate(
    jobs: Sequence[Mapping[str, Any]],
    labels: Sequence[bool],
    settings: Settings,
    stage: StageConfig,
    client: BatchClient,
    work_dir: Path,
    poll_seconds: float = 5.0,
) -> Evaluation:
    """Send the labelled postings through ``stage`` (task, model, description cut) as one batch
    per shard, under the budget guard, and score the answers against the labels."""
    if stage.task not in SCORED_TASKS:
        raise LabelError(
            f"stage {stage.task!r} gives no score to judge a lead by; evaluate one of: "
            + ", ".join(SCORED_TASKS)
        )
    task = get_task(stage.task)
    built = build_shards(
        jobs,
        task,
        stage.model,
        work_dir / "input",
        profile=settings.lead_profile,
        max_requests=settings.max_requests_per_batch,
        max_bytes=settings.max_bytes_per_batch,
        max_description_chars=settings.max_description_chars,
        description_chars=stage.description_chars,
        prefix=f"eval-{stage.task}",
        postings_per_request=stage.postings_per_request,
    )
    guard_budget(estimate_shards_cost(built.shards), settings.max_usd_per_submission)
    scores: dict[int, int] = {}
    usage = [0, 0, 0]
    for shard in built.shards:
        record = submit_shard(client, shard, description=f"jobbatch eval {stage.task}")
        status = client.wait(record.batch_id, interval=poll_seconds)
        entries = list(shard.manifest())
        where = {entry.custom_id: entry.index for entry in entries}
        groups = group_map((e.request_id, e.key, e.custom_id) for e in entries)
        downloaded = download_results(client, status, work_dir / "output")
        for result in downloaded.results(task, groups):
            usage[0] += result.usage.prompt_tokens
            usage[1] += result.usage.cached_tokens
            usage[2] += result.usage.completion_tokens
            if result.success and result.parsed is not None and result.custom_id in where:
                scores[where[result.custom_id]] = int(result.parsed["score"])
    found = {index for index, score in scores.items() if score >= stage.threshold}
    leads = {index for index, lead in enumerate(labels) if lead}
    return Evaluation(
        stage=stage.task,
        model=stage.model,
        backend=client.backend,
        postings=len(jobs),
        answered=len(scores),
        true_positives=len(found & leads),
        false_positives=len(found - leads),
        false_negatives=len(leads - found),
        cost=actual_cost(stage.model, *usage, requests=len(scores)),
    )

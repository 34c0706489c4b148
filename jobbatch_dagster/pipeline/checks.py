"""What the data-quality checks compute for a scrape day, as plain values (``defs/checks.py``
turns each into a Dagster check result)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb

from jobbatch_dagster.settings import Settings
from jobbatch_dagster.tasks import TaskResultError, get_task
from jobbatch_dagster.warehouse.loads import ScrapeDayQuality, rejection_reasons, scrape_day_quality
from jobbatch_dagster.warehouse.queries import (
    Table,
    batch_outcomes,
    stored_answers,
)
from jobbatch_dagster.warehouse.results_schema import RESULT_TABLES


@dataclass(frozen=True)
class RejectionRate:
    quality: ScrapeDayQuality  # the one rate, shared with the asset's metadata
    limit: float
    reasons: Table

    @property
    def passed(self) -> bool:
        return self.quality.rejection_rate <= self.limit


def rejection_rate(con: duckdb.DuckDBPyConnection, settings: Settings, day: date) -> RejectionRate:
    """The day's rejection rate as loaded (:attr:`ScrapeDayQuality.rejection_rate`) against
    ``[limits] max_rejection_rate``, with the commonest reason codes."""
    return RejectionRate(
        quality=scrape_day_quality(con, day),
        limit=settings.max_rejection_rate,
        reasons=Table(*rejection_reasons(con, day)),
    )


@dataclass(frozen=True)
class SchemaValidity:
    rows: int
    invalid: list[tuple[str, str]]  # (job_id, problem)

    @property
    def passed(self) -> bool:
        return not self.invalid


def results_validity(con: duckdb.DuckDBPyConnection, stage: str, day: date) -> SchemaValidity:
    """Every stored answer of the day re-validated against the task's result model."""
    task = get_task(stage)
    answers = stored_answers(con, RESULT_TABLES[stage], day)
    invalid = []
    for job_id, answer in answers:
        try:
            task.parse_content(answer)
        except TaskResultError as exc:
            invalid.append((job_id, str(exc)))
    return SchemaValidity(len(answers), invalid)


@dataclass(frozen=True)
class BatchCompletion:
    batches: Table
    not_completed: int

    @property
    def passed(self) -> bool:
        return not self.not_completed


def batches_completed(con: duckdb.DuckDBPyConnection, stage: str, day: date) -> BatchCompletion:
    """The (stage, day)'s batches, and how many expired, were cancelled or failed."""
    batches = batch_outcomes(con, stage, day)
    status = batches.columns.index("status")
    return BatchCompletion(batches, sum(row[status] != "completed" for row in batches.rows))

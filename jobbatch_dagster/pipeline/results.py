"""A (stage, day)'s typed results: loaded from the ledgers, with a preview of the first rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb

from jobbatch_dagster.tasks import get_task
from jobbatch_dagster.warehouse.queries import Table, results_preview
from jobbatch_dagster.warehouse.results import load_stage_results
from jobbatch_dagster.warehouse.results_schema import RESULT_TABLES, answer_columns

PREVIEW_ANSWER_FIELDS = 4  # job_id and the first answer fields fit a metadata table


@dataclass(frozen=True)
class StageResults:
    table: str
    rows: int  # the day's rows in ``table`` after the load
    preview: Table


def load_results(con: duckdb.DuckDBPyConnection, stage: str, day: date) -> StageResults:
    """Replace the day's typed ``stage`` results and show the first of them."""
    table = RESULT_TABLES[stage]
    fields = answer_columns(get_task(stage).result_model)[:PREVIEW_ANSWER_FIELDS]
    loaded = load_stage_results(con, stage, day)
    shown = ["job_id", *(name for name, _ in fields)]
    return StageResults(table, loaded, results_preview(con, table, shown, day))

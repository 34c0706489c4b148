"""One factory builds every stage's chain: batch input -> batch -> raw output -> typed results.

The stages differ only in their task, model and the postings they run on (``after`` in the
config file), so one definition keeps their behaviour identical and a new stage is one config
table. Between ``<stage>_batch`` and ``<stage>_raw_output`` nothing runs: the provider works for
up to 24 h, and ``batch_status_sensor`` starts the rest when the day's batches are finished.
"""

from collections.abc import Callable
from datetime import date
from typing import Any

import dagster as dg
from dagster_duckdb import DuckDBResource
from duckdb import DuckDBPyConnection

from jobbatch_dagster.batch.client import BatchClient
from jobbatch_dagster.defs.checks import AssetChecks, raw_output_checks, results_checks
from jobbatch_dagster.defs.metadata import markdown_table
from jobbatch_dagster.defs.partitions import partition_day
from jobbatch_dagster.defs.resources import OpenAIBatchResource, warehouse_connection
from jobbatch_dagster.defs.retries import provider_retry_policy, retry_only_transient_errors
from jobbatch_dagster.defs.schedules import night_began
from jobbatch_dagster.defs.stages.keys import (
    SCRAPED_JOBS_KEY,
    batch_input_key,
    batch_key,
    raw_output_key,
    results_key,
)
from jobbatch_dagster.defs.stages.metadata import (
    harvest_metadata,
    input_metadata,
    submission_metadata,
)
from jobbatch_dagster.home import DUCKDB_POOL
from jobbatch_dagster.pipeline.harvest import harvest_stage
from jobbatch_dagster.pipeline.inputs import build_stage_input
from jobbatch_dagster.pipeline.results import load_results
from jobbatch_dagster.pipeline.submit import retry_stage, submit_stage
from jobbatch_dagster.settings import Settings, StageConfig
from jobbatch_dagster.tasks import get_task
from jobbatch_dagster.warehouse.results_schema import RESULT_TABLES


class SubmitConfig(dg.Config):
    """A person's choice when materializing `<stage>_batch` by hand."""

    retry_requests: bool = False  # send the day's dead letters and cancelled requests again


ProviderStep = Callable[[DuckDBPyConnection, BatchClient, date], dict[str, Any]]


def _provider_asset(
    key: dg.AssetKey,
    dep: dg.AssetKey,
    description: str,
    step: ProviderStep,
    common: dict[str, Any],
    checks: AssetChecks,
) -> dg.AssetsDefinition:
    """An asset that talks to the provider and records what it did in the warehouse, then
    evaluates its ``checks`` on the same connection."""

    @dg.asset(
        key=key,
        deps=[dep],
        kinds={"openai", "duckdb"},
        description=description,
        check_specs=checks.specs,
        **common,
    )
    def provider_asset(
        context: dg.AssetExecutionContext, duckdb: DuckDBResource, openai_batch: OpenAIBatchResource
    ) -> dg.MaterializeResult:
        day = partition_day(context)
        with retry_only_transient_errors(), warehouse_connection(duckdb) as con:
            client = openai_batch.client()
            metadata = step(con, client, day)
            found = checks.evaluate(con, client, day)
        return dg.MaterializeResult(metadata=metadata, check_results=found)

    return provider_asset


def build_stage_chain(
    settings: Settings, stage: StageConfig, partitions: dg.PartitionsDefinition
) -> list[dg.AssetsDefinition]:
    """The four assets of one stage."""
    name = stage.task
    upstream = SCRAPED_JOBS_KEY if stage.after is None else results_key(stage.after)
    if get_task(name).context_fields:
        runs_on = (
            f"the day's best {stage.top or 'all'} leads scoring at least {stage.threshold}, "
            f"each with its `{stage.after}` answer"
        )
    elif stage.after is None:
        runs_on = "every posting of the scrape day"
    else:
        runs_on = f"the day's postings that `{stage.after}` scored at or above its threshold"
    common = {"partitions_def": partitions, "group_name": name, "pool": DUCKDB_POOL}
    provider_common = {**common, "retry_policy": provider_retry_policy(settings)}

    @dg.asset(
        key=batch_input_key(name),
        deps=[upstream],
        kinds={"duckdb", "jsonl"},
        description=(
            f"The `{name}` requests still to be paid for: JSONL shards (<= 50,000 requests and "
            f"200 MB each) for {runs_on}, with a `pending` row per request in `batch_requests`. "
            "A posting whose request fingerprint already has an answer, or a request in flight, "
            "on any day, is not sent again; a repost with identical content reuses the answer."
        ),
        **common,
    )
    def batch_input(
        context: dg.AssetExecutionContext, duckdb: DuckDBResource
    ) -> dg.MaterializeResult:
        with warehouse_connection(duckdb) as con:
            built = build_stage_input(con, settings, stage, partition_day(context))
        return dg.MaterializeResult(metadata=input_metadata(built, stage))

    @dg.asset(
        key=batch_key(name),
        deps=[batch_input_key(name)],
        kinds={"openai", "duckdb"},
        description=(
            f"The `{name}` batches at the provider for the day: one per shard, with ids, file ids "
            "and backend (`openai` or `emulator`) in `batches`. Submitting twice never creates "
            "a second batch for the same requests; follow-ups of what the provider did not run "
            "go out as attempt n+1, shards over the enqueued-token limit wait queued. "
            "`batch_status_sensor` watches these batches. A scheduled night's run also sends, in "
            "batches of their own day, the requests a person's cancel left waiting on earlier "
            "days (`resumed_batch_ids`). Config `retry_requests: true` (a "
            "person's retry, `retry_requests_job`) sends the day's dead letters and cancelled "
            "requests again."
        ),
        **provider_common,
    )
    def batch(
        context: dg.AssetExecutionContext,
        config: SubmitConfig,
        duckdb: DuckDBResource,
        openai_batch: OpenAIBatchResource,
    ) -> dg.MaterializeResult:
        day = partition_day(context)
        with retry_only_transient_errors(), warehouse_connection(duckdb) as con:
            client = openai_batch.client()
            if config.retry_requests:
                reopened, submission = retry_stage(con, client, settings, stage, day)
                context.log.info(f"{reopened} dead-lettered or cancelled requests sent again")
            else:
                submission = submit_stage(
                    con, client, settings, stage, day, night_began=night_began(context.run.tags)
                )
        return dg.MaterializeResult(metadata=submission_metadata(submission))

    raw_output = _provider_asset(
        raw_output_key(name),
        batch_key(name),
        f"The `{name}` output and error files of the day's finished batches, downloaded, one "
        "`raw_outputs` row per line, every request moved to answered, dead_lettered or "
        "pending, and each batch's cost in `costs`. Expired, cancelled and failed batches "
        "keep the answers they finished and are reported with their real status.",
        lambda con, client, day: harvest_metadata(
            harvest_stage(con, client, settings, stage, day), settings, name, day
        ),
        provider_common,
        raw_output_checks(settings, name, partitions),
    )

    table = RESULT_TABLES[name]
    checks = results_checks(name, partitions)

    @dg.asset(
        key=results_key(name),
        deps=[raw_output_key(name)],
        kinds={"duckdb"},
        description=(
            f"`{table}`: the typed, schema-valid `{name}` answer for every posting the stage "
            "covered that day, one column per answer field, whichever batch or day answered it."
        ),
        check_specs=checks.specs,
        **common,
    )
    def results(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
        day = partition_day(context)
        with warehouse_connection(duckdb) as con:
            loaded = load_results(con, name, day)
            found = checks.evaluate(con, None, day)
        return dg.MaterializeResult(
            metadata={
                "rows": loaded.rows,
                "table": loaded.table,
                "preview": markdown_table(loaded.preview.columns, loaded.preview.rows),
            },
            check_results=found,
        )

    return [batch_input, batch, raw_output, results]

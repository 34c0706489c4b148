"""Data-quality checks per scrape day: rejection rate, schema-valid results, the accounting
identity's links (:mod:`jobbatch_dagster.pipeline.audit`), and batches that did not complete (a
warning, so an expired night is never mistaken for success).

What each check computes lives in :mod:`jobbatch_dagster.pipeline`; here it becomes a Dagster
check result.
"""

import warnings
from collections.abc import Callable, Iterator
from datetime import date
from typing import Final

import dagster as dg
from dagster_duckdb import DuckDBResource
from duckdb import DuckDBPyConnection

from jobbatch_dagster.defs.metadata import markdown_table
from jobbatch_dagster.defs.partitions import partition_day
from jobbatch_dagster.defs.resources import OpenAIBatchResource, warehouse_connection
from jobbatch_dagster.defs.retries import provider_retry_policy, retry_only_transient_errors
from jobbatch_dagster.defs.stages.keys import SCRAPED_JOBS_KEY, raw_output_key, results_key
from jobbatch_dagster.home import DUCKDB_POOL
from jobbatch_dagster.pipeline import audit, checks
from jobbatch_dagster.pipeline.audit import Link
from jobbatch_dagster.settings import Settings
from jobbatch_dagster.warehouse.results_schema import RESULT_TABLES


def build_rejection_rate_check(
    settings: Settings, partitions: dg.PartitionsDefinition
) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=SCRAPED_JOBS_KEY, name="rejection_rate", partitions_def=partitions, pool=DUCKDB_POOL
    )
    def rejection_rate(
        context: dg.AssetCheckExecutionContext, duckdb: DuckDBResource
    ) -> dg.AssetCheckResult:
        """Rejections (rows, corrupt regions and whole files) stay under `[limits]
        max_rejection_rate` of what the day offered: more means a scraper changed its output and the
        lead list is silently shrinking. The same rate as the asset's metadata (one definition)."""
        with warehouse_connection(duckdb) as con:
            found = checks.rejection_rate(con, settings, partition_day(context))
        return dg.AssetCheckResult(
            passed=found.passed,
            metadata={
                "rejection_rate": dg.MetadataValue.float(round(found.quality.rejection_rate, 4)),
                "max_rejection_rate": dg.MetadataValue.float(found.limit),
                "rejected_rows": found.quality.rejected_rows,
                "rejected_files": found.quality.rejected_files,
                "postings": found.quality.postings,
                "reasons": markdown_table(found.reasons.columns, found.reasons.rows),
            },
        )

    return rejection_rate


def build_results_valid_check(
    stage: str, partitions: dg.PartitionsDefinition
) -> dg.AssetChecksDefinition:
    table = RESULT_TABLES[stage]

    @dg.asset_check(
        asset=results_key(stage),
        name=f"{table}_match_schema",
        partitions_def=partitions,
        pool=DUCKDB_POOL,
        description=f"Every `{table}` answer of the day validates against the `{stage}` result model.",
    )
    def results_valid(
        context: dg.AssetCheckExecutionContext, duckdb: DuckDBResource
    ) -> dg.AssetCheckResult:
        with warehouse_connection(duckdb) as con:
            validity = checks.results_validity(con, stage, partition_day(context))
        return dg.AssetCheckResult(
            passed=validity.passed,
            metadata={
                "rows": validity.rows,
                "invalid": len(validity.invalid),
                "examples": markdown_table(["job_id", "problem"], validity.invalid),
            },
        )

    return results_valid


StageCheck = Callable[[DuckDBPyConnection, str, date], dg.AssetCheckResult]


def _stage_check(
    stage: str,
    name: str,
    description: str,
    evaluate: StageCheck,
    partitions: dg.PartitionsDefinition,
) -> dg.AssetChecksDefinition:
    """A partitioned check on ``<stage>_raw_output`` that reads the warehouse."""

    @dg.asset_check(
        asset=raw_output_key(stage),
        name=name,
        partitions_def=partitions,
        pool=DUCKDB_POOL,
        description=description,
    )
    def stage_check(
        context: dg.AssetCheckExecutionContext, duckdb: DuckDBResource
    ) -> dg.AssetCheckResult:
        with warehouse_connection(duckdb) as con:
            return evaluate(con, stage, partition_day(context))

    return stage_check


def link_result(link: Link) -> dg.AssetCheckResult:
    """A link of the accounting identity as a check result: what it compared and what broke."""
    return dg.AssetCheckResult(
        check_name=link.name,
        passed=link.passed,
        metadata={
            "compared": link.checked,
            "problems": len(link.problems),
            "first_problems": dg.MetadataValue.md(
                "\n".join(f"- {p}" for p in link.problems[: audit.SHOWN_PROBLEMS]) or "none"
            ),
        },
    )


# The links checked after a harvest: what the ledger says against the manifests, the provider
# and the downloaded lines. One step per stage reads the provider's batches once for all four.
RAW_OUTPUT_LINKS: Final = {
    audit.MANIFESTS_LINK: "Every custom_id in the day's shard manifests has exactly one request "
    "record with its fingerprint, and every record is in a manifest.",
    audit.TOTALS_LINK: "Each batch's request total at the provider equals the requests recorded "
    "as sent in it.",
    audit.LINES_LINK: "Every downloaded output and error line answers a request sent in its batch.",
    audit.PROVIDER_LINK: "Every provider batch carrying the pipeline's metadata for the stage and "
    "day is in `batches`, and in `costs` once finished.",
}


def build_ledger_links_check(
    settings: Settings, stage: str, partitions: dg.PartitionsDefinition
) -> dg.AssetChecksDefinition:
    @dg.multi_asset_check(
        name=f"{stage}_ledger_links",
        specs=[
            dg.AssetCheckSpec(
                name, asset=raw_output_key(stage), description=text, partitions_def=partitions
            )
            for name, text in RAW_OUTPUT_LINKS.items()
        ],
        pool=DUCKDB_POOL,
        retry_policy=provider_retry_policy(settings),  # it reads the provider, as a harvest does
    )
    def ledger_links(
        context: dg.AssetCheckExecutionContext,
        duckdb: DuckDBResource,
        openai_batch: OpenAIBatchResource,
    ) -> Iterator[dg.AssetCheckResult]:
        client = openai_batch.client()
        with retry_only_transient_errors(), warehouse_connection(duckdb) as con:
            found = audit.audit_stage_day(
                con,
                client,
                settings,
                stage,
                partition_day(context),
                list(client.recent_batches()),
            )
        for link in found.links:
            if link.name in RAW_OUTPUT_LINKS:
                yield link_result(link)

    return ledger_links


def build_answers_loaded_check(
    stage: str, partitions: dg.PartitionsDefinition
) -> dg.AssetChecksDefinition:
    table = RESULT_TABLES[stage]

    @dg.asset_check(
        asset=results_key(stage),
        name=audit.ANSWERS_LINK,
        partitions_def=partitions,
        pool=DUCKDB_POOL,
        description=f"The day's answered `{stage}` requests and the `{table}` rows match both "
        "ways: every answer is loaded, every covered posting has its row, every row is backed.",
    )
    def answers_loaded(
        context: dg.AssetCheckExecutionContext, duckdb: DuckDBResource
    ) -> dg.AssetCheckResult:
        with warehouse_connection(duckdb) as con:
            return link_result(audit.answers_loaded(con, stage, partition_day(context)))

    return answers_loaded


def batches_completed(con: DuckDBPyConnection, stage: str, day: date) -> dg.AssetCheckResult:
    """A warning when a batch expired, was cancelled or failed: never reported as success."""
    completion = checks.batches_completed(con, stage, day)
    return dg.AssetCheckResult(
        passed=completion.passed,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "batches": len(completion.batches.rows),
            "not_completed": completion.not_completed,
            "batches_table": markdown_table(completion.batches.columns, completion.batches.rows),
        },
    )


def build_checks(
    settings: Settings, partitions: dg.PartitionsDefinition
) -> list[dg.AssetChecksDefinition]:
    # Checks are partitioned by scrape day like their assets; Dagster 1.13 calls that a preview.
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message="Specifying a partitions_def on an AssetCheckSpec"
        )
        return _all_checks(settings, partitions)


def _all_checks(
    settings: Settings, partitions: dg.PartitionsDefinition
) -> list[dg.AssetChecksDefinition]:
    checks = [build_rejection_rate_check(settings, partitions)]
    for stage in settings.stages:
        checks += [
            build_results_valid_check(stage.task, partitions),
            build_answers_loaded_check(stage.task, partitions),
            build_ledger_links_check(settings, stage.task, partitions),
            _stage_check(
                stage.task,
                "batches_completed",
                "Warns when a batch of the day expired, was cancelled or failed.",
                batches_completed,
                partitions,
            ),
        ]
    return checks

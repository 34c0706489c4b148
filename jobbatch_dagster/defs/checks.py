"""Data-quality checks per scrape day: rejection rate, schema-valid results, the accounting
identity's links (:mod:`jobbatch_dagster.pipeline.audit`), and batches that did not complete (a
warning, so an expired night is never mistaken for success).

Each asset evaluates its own checks in its own step, right after it wrote the warehouse, on the
same connection (``check_specs`` on the asset, results in its ``MaterializeResult``). Separate
check steps each paid Dagster's per-step machinery, a pool claim and a warehouse connection: 17
of a night's steps and a fifth of its time. A check that raises becomes a failed check saying
why, so a broken check never fails the load it checks; a transient provider error still fails
the step, whose retry policy tries the (idempotent) step again.

What each check computes lives in :mod:`jobbatch_dagster.pipeline`; here it becomes a Dagster
check result.
"""

import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Final

import dagster as dg
from duckdb import DuckDBPyConnection

from jobbatch_dagster.batch.client import BatchClient
from jobbatch_dagster.defs.metadata import markdown_table
from jobbatch_dagster.defs.retries import TRANSIENT_ERRORS
from jobbatch_dagster.defs.stages.keys import SCRAPED_JOBS_KEY, raw_output_key, results_key
from jobbatch_dagster.pipeline import audit, checks
from jobbatch_dagster.pipeline.audit import Link
from jobbatch_dagster.settings import Settings
from jobbatch_dagster.warehouse.results_schema import RESULT_TABLES

Evaluate = Callable[[DuckDBPyConnection, BatchClient | None, date], Iterable[dg.AssetCheckResult]]


@dataclass(frozen=True)
class Check:
    """One reading of the warehouse (and the provider, for the ledger links) that reports the
    checks named in ``descriptions``."""

    descriptions: dict[str, str]  # check name -> what it checks
    evaluate: Evaluate


@dataclass(frozen=True)
class AssetChecks:
    """The checks one asset evaluates in its own step."""

    asset: dg.AssetKey
    checks: tuple[Check, ...]
    partitions: dg.PartitionsDefinition

    @property
    def specs(self) -> list[dg.AssetCheckSpec]:
        # Checks are partitioned by scrape day like their assets; Dagster 1.13 calls that a preview.
        with warnings.catch_warnings():
            warnings.filterwarnings(
                "ignore", message="Specifying a partitions_def on an AssetCheckSpec"
            )
            return [
                dg.AssetCheckSpec(
                    name, asset=self.asset, description=text, partitions_def=self.partitions
                )
                for check in self.checks
                for name, text in check.descriptions.items()
            ]

    def evaluate(
        self, con: DuckDBPyConnection, client: BatchClient | None, day: date
    ) -> list[dg.AssetCheckResult]:
        """Every check's result; a check that raises (other than a transient provider error,
        which the step's retry policy handles) fails, saying why."""
        results: list[dg.AssetCheckResult] = []
        for check in self.checks:
            try:
                results += check.evaluate(con, client, day)
            except TRANSIENT_ERRORS:
                raise
            except Exception as exc:
                results += [
                    dg.AssetCheckResult(
                        check_name=name,
                        passed=False,
                        metadata={
                            "error": f"{type(exc).__name__}: {exc}",
                            "what_to_do": "the check could not be evaluated: materialize the "
                            "asset again, or run `jobbatch audit` for the day",
                        },
                    )
                    for name in check.descriptions
                ]
        return results


def scraped_jobs_checks(settings: Settings, partitions: dg.PartitionsDefinition) -> AssetChecks:
    def rejection_rate(
        con: DuckDBPyConnection, _client: BatchClient | None, day: date
    ) -> list[dg.AssetCheckResult]:
        found = checks.rejection_rate(con, settings, day)
        return [
            dg.AssetCheckResult(
                check_name="rejection_rate",
                passed=found.passed,
                metadata={
                    "rejection_rate": dg.MetadataValue.float(
                        round(found.quality.rejection_rate, 4)
                    ),
                    "max_rejection_rate": dg.MetadataValue.float(found.limit),
                    "rejected_rows": found.quality.rejected_rows,
                    "rejected_files": found.quality.rejected_files,
                    "postings": found.quality.postings,
                    "reasons": markdown_table(found.reasons.columns, found.reasons.rows),
                },
            )
        ]

    description = (
        "Rejections (rows, corrupt regions and whole files) stay under `[limits] "
        "max_rejection_rate` of what the day offered: more means a scraper changed its output "
        "and the lead list is silently shrinking. The same rate as the asset's metadata."
    )
    return AssetChecks(
        SCRAPED_JOBS_KEY, (Check({"rejection_rate": description}, rejection_rate),), partitions
    )


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
# and the downloaded lines. One reading of the provider's batches serves all four.
RAW_OUTPUT_LINKS: Final = {
    audit.MANIFESTS_LINK: "Every custom_id in the day's shard manifests has exactly one request "
    "record with its fingerprint, and every record is in a manifest.",
    audit.TOTALS_LINK: "Each batch's request total at the provider equals the requests recorded "
    "as sent in it.",
    audit.LINES_LINK: "Every downloaded output and error line answers a request sent in its batch.",
    audit.PROVIDER_LINK: "Every provider batch carrying the pipeline's metadata for the stage and "
    "day is in `batches`, and in `costs` once finished.",
}


def raw_output_checks(
    settings: Settings, stage: str, partitions: dg.PartitionsDefinition
) -> AssetChecks:
    def ledger_links(
        con: DuckDBPyConnection, client: BatchClient | None, day: date
    ) -> list[dg.AssetCheckResult]:
        if client is None:
            raise ValueError("the ledger links read the provider: no client was given")
        found = audit.audit_stage_day(
            con, client, settings, stage, day, list(client.recent_batches())
        )
        return [link_result(link) for link in found.links if link.name in RAW_OUTPUT_LINKS]

    def batches_completed(
        con: DuckDBPyConnection, _client: BatchClient | None, day: date
    ) -> list[dg.AssetCheckResult]:
        """A warning when a batch expired, was cancelled or failed: never reported as success."""
        completion = checks.batches_completed(con, stage, day)
        return [
            dg.AssetCheckResult(
                check_name="batches_completed",
                passed=completion.passed,
                severity=dg.AssetCheckSeverity.WARN,
                metadata={
                    "batches": len(completion.batches.rows),
                    "not_completed": completion.not_completed,
                    "batches_table": markdown_table(
                        completion.batches.columns, completion.batches.rows
                    ),
                },
            )
        ]

    completed = "Warns when a batch of the day expired, was cancelled or failed."
    return AssetChecks(
        raw_output_key(stage),
        (
            Check(dict(RAW_OUTPUT_LINKS), ledger_links),
            Check({"batches_completed": completed}, batches_completed),
        ),
        partitions,
    )


def results_checks(stage: str, partitions: dg.PartitionsDefinition) -> AssetChecks:
    table = RESULT_TABLES[stage]

    def results_valid(
        con: DuckDBPyConnection, _client: BatchClient | None, day: date
    ) -> list[dg.AssetCheckResult]:
        validity = checks.results_validity(con, stage, day)
        return [
            dg.AssetCheckResult(
                check_name=f"{table}_match_schema",
                passed=validity.passed,
                metadata={
                    "rows": validity.rows,
                    "invalid": len(validity.invalid),
                    "examples": markdown_table(["job_id", "problem"], validity.invalid),
                },
            )
        ]

    def answers_loaded(
        con: DuckDBPyConnection, _client: BatchClient | None, day: date
    ) -> list[dg.AssetCheckResult]:
        return [link_result(audit.answers_loaded(con, stage, day))]

    valid = f"Every `{table}` answer of the day validates against the `{stage}` result model."
    loaded = (
        f"The day's answered `{stage}` requests and the `{table}` rows match both ways: every "
        "answer is loaded, every covered posting has its row, every row is backed."
    )
    return AssetChecks(
        results_key(stage),
        (
            Check({f"{table}_match_schema": valid}, results_valid),
            Check({audit.ANSWERS_LINK: loaded}, answers_loaded),
        ),
        partitions,
    )

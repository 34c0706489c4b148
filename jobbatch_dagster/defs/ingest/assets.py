"""``scraped_jobs``: the day's scraper output, validated, de-duplicated and in the warehouse."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from jobbatch_dagster.defs.checks import scraped_jobs_checks
from jobbatch_dagster.defs.metadata import markdown_table
from jobbatch_dagster.defs.partitions import partition_day
from jobbatch_dagster.defs.resources import warehouse_connection
from jobbatch_dagster.home import DUCKDB_POOL
from jobbatch_dagster.pipeline.ingest import ingest_day
from jobbatch_dagster.settings import Settings

_MAX_WARNINGS_SHOWN = 20


def build_scraped_jobs(
    settings: Settings, partitions: dg.PartitionsDefinition
) -> dg.AssetsDefinition:
    checks = scraped_jobs_checks(settings, partitions)

    @dg.asset(
        name="scraped_jobs",
        group_name="ingest",
        partitions_def=partitions,
        pool=DUCKDB_POOL,
        kinds={"duckdb"},
        check_specs=checks.specs,
    )
    def scraped_jobs(
        context: dg.AssetExecutionContext, duckdb: DuckDBResource
    ) -> dg.MaterializeResult:
        """Every job posting the scrapers saw on the scrape day, one row per posting.

        Reads ``<incoming>/<YYYY-MM-DD>/`` (JSON in any shape, JSONL, CSV). A posting seen on an
        earlier day is not added again: its ``jobs`` row gets a new ``last_seen``, so reposts never
        inflate the funnel or the bill. Rows, corrupt regions and whole files that cannot be used
        land in ``rejected_jobs`` with file, line, a stable ``reason_code`` and a reason, so a
        broken scraper is visible the morning after instead of silently shrinking the lead list.
        """
        day = partition_day(context)
        with warehouse_connection(duckdb) as con:
            result = ingest_day(settings, con, day)
            found = checks.evaluate(con, None, day)
        counts, load = result.counts, result.load
        return dg.MaterializeResult(
            metadata={
                "postings": load.postings,
                "new_postings": load.new_postings,
                "seen_before": load.seen_before,
                "rejected": load.rejections,
                "rejected_rows": load.quality.rejected_rows,
                "rejected_files": load.quality.rejected_files,
                "rows_read": counts.rows_read,
                "duplicates_merged": counts.duplicates_merged,
                "rejection_rate": dg.MetadataValue.float(round(result.rejection_rate, 4)),
                "reasons": markdown_table(*result.reasons),
                "warnings": dg.MetadataValue.json(counts.warnings[:_MAX_WARNINGS_SHOWN]),
                "warnings_total": len(counts.warnings),
                "files": dg.MetadataValue.json(counts.files),
                "incoming_dir": str(settings.incoming_dir / context.partition_key),
                "preview": markdown_table(*result.preview),
            },
            check_results=found,
        )

    return scraped_jobs

"""``scraped_jobs``: the day's scraper output, validated, de-duplicated and in the warehouse."""

import dataclasses

import dagster as dg
from dagster_duckdb import DuckDBResource

from jobbatch_dagster.defs.metadata import markdown_table
from jobbatch_dagster.defs.partitions import partition_day
from jobbatch_dagster.defs.resources import warehouse_connection
from jobbatch_dagster.home import DUCKDB_POOL
from jobbatch_dagster.settings import Settings
from jobbatch_dagster.sources import read_day
from jobbatch_dagster.warehouse.loads import job_row, load_scrape_day
from jobbatch_dagster.warehouse.queries import rows

_PREVIEW_SQL = (
    "SELECT j.job_id, j.title, j.company, j.location, j.compensation, j.first_seen "
    "FROM job_sightings AS s JOIN jobs AS j USING (job_id) WHERE s.scrape_date = ? "
    "ORDER BY j.first_seen DESC, j.job_id LIMIT 10"
)


def build_scraped_jobs(
    settings: Settings, partitions: dg.PartitionsDefinition
) -> dg.AssetsDefinition:
    @dg.asset(
        name="scraped_jobs",
        group_name="ingest",
        partitions_def=partitions,
        pool=DUCKDB_POOL,
        kinds={"duckdb"},
    )
    def scraped_jobs(
        context: dg.AssetExecutionContext, duckdb: DuckDBResource
    ) -> dg.MaterializeResult:
        """Every job posting the scrapers saw on the scrape day, one row per posting.

        Reads ``<incoming>/<YYYY-MM-DD>/`` (JSON, JSONL, CSV). A posting seen on an earlier day is
        not added again: its ``jobs`` row gets a new ``last_seen``, so reposts never inflate the
        funnel or the bill. Rows that cannot be used land in ``rejected_jobs`` with file, line and
        reason, so a broken scraper is visible the morning after instead of silently shrinking the
        lead list.
        """
        day = partition_day(context)
        read = read_day(settings.incoming_dir, context.partition_key)
        jobs = [job_row(dataclasses.asdict(p), p.to_job_dict(), day) for p in read.postings]
        rejections = [dataclasses.asdict(r) for r in read.rejections]
        with warehouse_connection(duckdb) as con:
            load = load_scrape_day(con, day, jobs, rejections)
            columns, preview = rows(con, _PREVIEW_SQL, [day])
        rate = read.rejected_rows / read.rows_read if read.rows_read else 0.0
        return dg.MaterializeResult(
            metadata={
                "postings": load.postings,
                "new_postings": load.new_postings,
                "seen_before": load.seen_before,
                "rejected": load.rejections,
                "rows_read": read.rows_read,
                "duplicates_merged": read.duplicates_merged,
                "rejection_rate": dg.MetadataValue.float(round(rate, 4)),
                "files": dg.MetadataValue.json(read.files),
                "incoming_dir": str(settings.incoming_dir / context.partition_key),
                "preview": markdown_table(columns, preview),
            }
        )

    return scraped_jobs

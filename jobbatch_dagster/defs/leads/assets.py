"""``qualified_leads``: the morning's list, one row per posting worth contacting, everything joined."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from jobbatch_dagster.defs.metadata import markdown_table
from jobbatch_dagster.defs.partitions import partition_day
from jobbatch_dagster.defs.resources import warehouse_connection
from jobbatch_dagster.defs.stages.keys import LEADS_KEY, results_key
from jobbatch_dagster.home import DUCKDB_POOL
from jobbatch_dagster.settings import Settings
from jobbatch_dagster.warehouse.queries import rows, scalar
from jobbatch_dagster.warehouse.results import load_qualified_leads

_PREVIEW_SQL = (
    "SELECT job_id, score, confidence, title, company, deal_value_usd, urgency "
    "FROM top_leads WHERE scrape_date = ? LIMIT 10"
)


def build_qualified_leads(
    settings: Settings, partitions: dg.PartitionsDefinition
) -> dg.AssetsDefinition:
    @dg.asset(
        key=LEADS_KEY,
        deps=[results_key(s.task) for s in settings.stages],
        partitions_def=partitions,
        group_name="leads",
        pool=DUCKDB_POOL,
        kinds={"duckdb"},
    )
    def qualified_leads(
        context: dg.AssetExecutionContext, duckdb: DuckDBResource
    ) -> dg.MaterializeResult:
        """The day's sales leads: postings whose `qualify` score reaches the configured threshold,
        with the analysis, pain points and parsed fields joined as each arrives.

        Rebuilt after every stage finishes for the day, so the list fills in through the night:
        first the qualified postings, then their analysis, pain points and parsed details. The
        `top_leads` view orders them for the morning.
        """
        day = partition_day(context)
        with warehouse_connection(duckdb) as con:
            leads = load_qualified_leads(con, day, settings.qualify_threshold)
            analysed = scalar(
                con,
                "SELECT count(*) FROM qualified_leads WHERE scrape_date = ? AND analysis IS NOT NULL",
                [day],
            )
            columns, preview = rows(con, _PREVIEW_SQL, [day])
        return dg.MaterializeResult(
            metadata={
                "leads": leads,
                "leads_with_analysis": analysed,
                "threshold": settings.qualify_threshold,
                "preview": markdown_table(columns, preview),
            }
        )

    return qualified_leads

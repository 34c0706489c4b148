"""``qualified_leads``: the morning's list, one row per posting worth contacting, everything joined."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from jobbatch_dagster.defs.metadata import markdown_table
from jobbatch_dagster.defs.partitions import partition_day
from jobbatch_dagster.defs.resources import warehouse_connection
from jobbatch_dagster.defs.stages.keys import LEADS_KEY, results_key
from jobbatch_dagster.home import DUCKDB_POOL
from jobbatch_dagster.pipeline.leads import build_leads
from jobbatch_dagster.settings import Settings


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
        `top_leads` view orders them for the morning. A posting sighted again on a later day
        moves to that day, so `qualified_sightings` here may exceed `daily_funnel.leads`.
        """
        with warehouse_connection(duckdb) as con:
            built = build_leads(con, settings, partition_day(context))
        return dg.MaterializeResult(
            metadata={
                "qualified_sightings": built.qualified_sightings,
                "leads_with_analysis": built.with_analysis,
                "threshold": built.threshold,
                "preview": markdown_table(built.preview.columns, built.preview.rows),
            }
        )

    return qualified_leads

"""Daily partitions: one partition per scrape date, in the schedule's timezone."""

from __future__ import annotations

from datetime import date

import dagster as dg

from jobbatch_dagster.settings import Settings


def scrape_date_partitions(settings: Settings) -> dg.DailyPartitionsDefinition:
    """The scrape days from ``[schedule] first_partition``; a day's partition exists once it ends."""
    return dg.DailyPartitionsDefinition(
        start_date=settings.first_partition, timezone=settings.schedule_timezone
    )


def partition_day(context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext) -> date:
    """The scrape day a run or check is working on."""
    return date.fromisoformat(context.partition_key)

"""Daily partitions: one partition per scrape date, in the schedule's timezone."""

from __future__ import annotations

from datetime import date

import dagster as dg

from jobbatch_dagster.settings import Settings


def scrape_date_partitions(settings: Settings) -> dg.DailyPartitionsDefinition:
    """The scrape days from ``[schedule] first_partition``, today's included: a scraper that POSTs
    its results to `jobbatch serve` gets the day's run at once (the schedule still runs each day
    once more after it ends, and that run sends only what is new)."""
    return dg.DailyPartitionsDefinition(
        start_date=settings.first_partition, timezone=settings.schedule_timezone, end_offset=1
    )


def partition_day(context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext) -> date:
    """The scrape day a run or check is working on."""
    return date.fromisoformat(context.partition_key)

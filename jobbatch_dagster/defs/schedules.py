"""The nightly schedule: after midnight, submit the scrape day that just ended."""

import time
from collections.abc import Mapping
from datetime import datetime, timedelta

import dagster as dg

from jobbatch_dagster.defs.jobs import AssetJob
from jobbatch_dagster.settings import Settings

SCHEDULE_NAME = "nightly_schedule"
# When a scheduled night began (epoch seconds), on the schedule's run, the night driver's, and the
# harvest runs the sensor starts for their submissions (never on its resend runs). A
# `<stage>_batch` in such a run also sends what a person's cancel left waiting on earlier days, if
# the cancel was harvested before then; one harvested during the night waits for the next one.
NIGHT_TAG = "jobbatch/night_began"


def night_tag() -> dict[str, str]:
    """The tag of a scheduled night beginning now."""
    return {NIGHT_TAG: f"{time.time():.3f}"}


def night_began(tags: Mapping[str, str]) -> datetime | None:
    """When the night a run belongs to began (local time, as the warehouse stamps its rows), or
    None for a run of no scheduled night."""
    began = tags.get(NIGHT_TAG)
    return None if began is None else datetime.fromtimestamp(float(began))


def build_nightly_schedule(settings: Settings, nightly_job: AssetJob) -> dg.ScheduleDefinition:
    # A plain schedule rather than build_schedule_from_partitioned_job: that helper derives the
    # cron from the partitions, and the cron here is the user's, from the config file.
    @dg.schedule(
        name=SCHEDULE_NAME,
        job=nightly_job,
        cron_schedule=settings.schedule_cron,
        execution_timezone=settings.schedule_timezone,
        default_status=dg.DefaultScheduleStatus.RUNNING,
    )
    def nightly_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
        """At `[schedule] cron` in `[schedule] timezone` (02:00 UTC by default), reads and submits
        the scrape day that just ended (yesterday in that timezone), and sends again what a
        person's cancel left waiting on earlier days."""
        day = (context.scheduled_execution_time - timedelta(days=1)).date().isoformat()
        return dg.RunRequest(run_key=day, partition_key=day, tags=night_tag())

    return nightly_schedule

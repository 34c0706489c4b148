"""The nightly schedule: after midnight, submit the scrape day that just ended."""

from datetime import timedelta

import dagster as dg

from jobbatch_dagster.defs.jobs import AssetJob
from jobbatch_dagster.settings import Settings

SCHEDULE_NAME = "nightly_schedule"
# On the runs of a scheduled night (the schedule's, the night driver's): their `<stage>_batch`
# also sends what a person's cancel left waiting on earlier days. The sensor's runs never carry it,
# so a cancel is never resent the night it was made.
SCHEDULED_NIGHT_TAG = "jobbatch/scheduled_night"


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
        return dg.RunRequest(run_key=day, partition_key=day, tags={SCHEDULED_NIGHT_TAG: "true"})

    return nightly_schedule

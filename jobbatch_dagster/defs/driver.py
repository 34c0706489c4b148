"""Run one night for a partition through the real Dagster machinery, without the daemon.

What the daemon would do over hours, in one call: execute the schedule's job for the day, then
evaluate ``batch_status_sensor`` (``build_sensor_context``) and execute every run it requests, on
the given instance, until the sensor has nothing open and requests nothing more. Runs carry the
sensor's name and run key as tags, like daemon-launched runs, so a run key already executed is
skipped here and by the daemon of `make dev` later. `make demo` and the pipeline tests share this.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import dagster as dg
from dagster._core.storage.tags import RUN_KEY_TAG, SENSOR_NAME_TAG

from jobbatch_dagster.defs.jobs import HARVEST_JOB, NIGHTLY_JOB
from jobbatch_dagster.defs.schedules import SCHEDULE_NAME
from jobbatch_dagster.defs.sensors import SENSOR_NAME
from jobbatch_dagster.defs.tracking import SensorCursor


class NightDidNotSettle(RuntimeError):
    """The sensor still had open submissions when the driver's time ran out."""


@dataclass
class NightReport:
    partition: str
    runs: list[dg.DagsterRun] = field(default_factory=list)
    ticks: int = 0
    skipped_run_keys: list[str] = field(default_factory=list)
    cursor: str | None = None

    @property
    def failed_runs(self) -> list[dg.DagsterRun]:
        return [r for r in self.runs if r.status != dg.DagsterRunStatus.SUCCESS]


def _already_ran(instance: dg.DagsterInstance, run_key: str) -> bool:
    runs = instance.get_runs(
        filters=dg.RunsFilter(tags={RUN_KEY_TAG: run_key, SENSOR_NAME_TAG: SENSOR_NAME})
    )
    return any(r.status == dg.DagsterRunStatus.SUCCESS for r in runs)


def run_night(
    defs: dg.Definitions,
    instance: dg.DagsterInstance,
    partition: str,
    *,
    cursor: str | None = None,
    poll_seconds: float = 0.2,
    timeout_seconds: float = 300.0,
    on_event: Callable[[str], None] | None = None,
) -> NightReport:
    """Run ``partition``'s night to quiescence and return the runs it made and the sensor cursor.

    Pass the previous night's ``report.cursor`` to continue where the sensor stopped; with None the
    sensor re-reads every submission, and run keys already executed are skipped.
    """
    say = on_event or (lambda _message: None)
    report = NightReport(partition, cursor=cursor)
    nightly = defs.resolve_job_def(NIGHTLY_JOB)
    result = nightly.execute_in_process(
        instance=instance,
        partition_key=partition,
        tags={"dagster/schedule_name": SCHEDULE_NAME},
        raise_on_error=False,
    )
    report.runs.append(result.dagster_run)
    say(f"{NIGHTLY_JOB} [{partition}]: {result.dagster_run.status.value}")
    if not result.success:
        return report
    harvest = defs.resolve_job_def(HARVEST_JOB)
    sensor = defs.get_sensor_def(SENSOR_NAME)
    deadline = time.monotonic() + timeout_seconds
    while True:
        context = dg.build_sensor_context(
            instance=instance,
            cursor=report.cursor,
            definitions=defs,
            sensor_name=SENSOR_NAME,
            resources=defs.resources,
        )
        outcome = sensor.evaluate_tick(context)
        report.ticks += 1
        report.cursor = outcome.cursor
        for event in outcome.asset_events or []:  # the daemon records these the same way
            instance.report_runless_asset_event(event)
        for request in outcome.run_requests or []:
            if request.run_key and _already_ran(instance, request.run_key):
                report.skipped_run_keys.append(request.run_key)
                continue
            run = harvest.execute_in_process(
                instance=instance,
                partition_key=request.partition_key,
                asset_selection=list(request.asset_selection or []),
                tags={
                    **request.tags,
                    SENSOR_NAME_TAG: SENSOR_NAME,
                    RUN_KEY_TAG: request.run_key or "",
                },
                raise_on_error=False,
            )
            report.runs.append(run.dagster_run)
            say(f"{request.run_key}: {run.dagster_run.status.value}")
        if not SensorCursor.parse(report.cursor).open and not outcome.run_requests:
            return report
        if time.monotonic() > deadline:
            raise NightDidNotSettle(
                f"{partition}: batches still open after {timeout_seconds:g} s: "
                + ", ".join(s.run_key for s in SensorCursor.parse(report.cursor).open)
            )
        if not outcome.run_requests:
            time.sleep(poll_seconds)

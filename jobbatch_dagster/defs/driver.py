"""Run one night for a partition through the real Dagster machinery, without the daemon.

What the daemon would do over hours, in one call: execute the schedule's job for the day, then
evaluate ``batch_status_sensor`` (``build_sensor_context``) and execute every run it requests, on
the given instance, until the sensor has nothing open and requests nothing more. Runs carry the
tags a daemon-launched run carries (the schedule's or sensor's name, the run key, the code location's
repository label), so a run key already executed is skipped here and by the daemon of `make dev`
later, and the UI's schedule, sensor and job pages list these runs as their own. `make demo`, the
HTTP API's night runs and the pipeline tests share this.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import dagster as dg

from jobbatch_dagster.defs.harvest_retries import HARVEST_TAG
from jobbatch_dagster.defs.jobs import HARVEST_JOB, NIGHTLY_JOB
from jobbatch_dagster.defs.schedules import SCHEDULE_NAME, night_tag
from jobbatch_dagster.defs.sensors import SENSOR_NAME
from jobbatch_dagster.defs.watchdog import worker_tag
from jobbatch_dagster.pipeline.tracking import SensorCursor

# The tags Dagster's daemon puts on a schedule's and a sensor's runs (documented strings; dagster
# exports no public constants for them).
SCHEDULE_NAME_TAG = "dagster/schedule_name"
SENSOR_NAME_TAG = "dagster/sensor_name"
RUN_KEY_TAG = "dagster/run_key"
# The UI lists a schedule's, sensor's or job's runs by name AND this label, which runs launched from
# a code location carry: "<repository>@<location>". A Definitions object is the repository
# "__repository__"; the location is workspace.yaml's location_name.
REPOSITORY_LABEL_TAG = ".dagster/repository"
CODE_LOCATION = "jobbatch_dagster"
REPOSITORY_LABEL = f"__repository__@{CODE_LOCATION}"

# Run config that keeps the console to warnings (the runs' full logs stay in the instance).
QUIET_RUN_CONFIG: Mapping[str, Any] = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


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

    @property
    def unhealed_runs(self) -> list[dg.DagsterRun]:
        """Failed runs that no later attempt of the same harvest made good."""
        healed = {
            r.tags[HARVEST_TAG]
            for r in self.runs
            if r.status == dg.DagsterRunStatus.SUCCESS and HARVEST_TAG in r.tags
        }
        return [r for r in self.failed_runs if r.tags.get(HARVEST_TAG) not in healed]


def _already_ran(instance: dg.DagsterInstance, run_key: str) -> bool:
    runs = instance.get_runs(
        filters=dg.RunsFilter(tags={RUN_KEY_TAG: run_key, SENSOR_NAME_TAG: SENSOR_NAME})
    )
    return any(r.status == dg.DagsterRunStatus.SUCCESS for r in runs)


@dataclass
class NightDriver:
    """Drives one instance: the nightly job for a day, then the sensor until nothing is open."""

    defs: dg.Definitions
    instance: dg.DagsterInstance
    run_config: Mapping[str, Any] | None = None
    poll_seconds: float = 0.2
    timeout_seconds: float = 300.0
    on_event: Callable[[str], None] = lambda _message: None

    def nightly(self, report: NightReport, run_id: str | None = None) -> bool:
        """Execute the schedule's job for the report's partition; True when it succeeded."""
        result = self.defs.resolve_job_def(NIGHTLY_JOB).execute_in_process(
            instance=self.instance,
            partition_key=report.partition,
            run_id=run_id,
            tags={
                SCHEDULE_NAME_TAG: SCHEDULE_NAME,
                **night_tag(),
                REPOSITORY_LABEL_TAG: REPOSITORY_LABEL,
                **worker_tag(),
            },
            run_config=self.run_config,
            raise_on_error=False,
        )
        report.runs.append(result.dagster_run)
        self.on_event(f"{NIGHTLY_JOB} [{report.partition}]: {result.dagster_run.status.value}")
        return result.success

    def tick(self, report: NightReport) -> list[dg.RunRequest]:
        """One sensor evaluation, its observations recorded as the daemon records them."""
        context = dg.build_sensor_context(
            instance=self.instance,
            cursor=report.cursor,
            definitions=self.defs,
            sensor_name=SENSOR_NAME,
            resources=self.defs.resources,
        )
        outcome = self.defs.resolve_sensor_def(SENSOR_NAME).evaluate_tick(context)
        report.ticks += 1
        report.cursor = outcome.cursor
        for event in outcome.asset_events or []:
            self.instance.report_runless_asset_event(event)
            done = event.metadata.get("progress_pct")
            self.on_event(
                f"  {event.asset_key.to_user_string()} [{event.partition}]: "
                f"{done.value if done else '?'}% done"
            )
        return list(outcome.run_requests or [])

    def execute(self, request: dg.RunRequest, report: NightReport) -> None:
        """Run what the sensor asked for, tagged as the daemon would tag it; skip a done run key."""
        if request.run_key and _already_ran(self.instance, request.run_key):
            report.skipped_run_keys.append(request.run_key)
            return
        result = self.defs.resolve_job_def(HARVEST_JOB).execute_in_process(
            instance=self.instance,
            partition_key=request.partition_key,
            asset_selection=list(request.asset_selection or []),
            tags={
                **request.tags,
                SENSOR_NAME_TAG: SENSOR_NAME,
                RUN_KEY_TAG: request.run_key or "",
                **worker_tag(),
                REPOSITORY_LABEL_TAG: REPOSITORY_LABEL,
            },
            run_config=self.run_config,
            raise_on_error=False,
        )
        report.runs.append(result.dagster_run)
        self.on_event(f"{request.run_key}: {result.dagster_run.status.value}")

    def settle(self, report: NightReport) -> NightReport:
        """Tick and execute until the sensor has nothing open and requests nothing more."""
        deadline = time.monotonic() + self.timeout_seconds
        while True:
            requests = self.tick(report)
            for request in requests:
                self.execute(request, report)
            still_open = SensorCursor.parse(report.cursor).open
            if not still_open and not requests:
                return report
            if time.monotonic() > deadline:
                raise NightDidNotSettle(
                    f"{report.partition}: batches still open after {self.timeout_seconds:g} s: "
                    + ", ".join(s.run_key for s in still_open)
                )
            if not requests:
                time.sleep(self.poll_seconds)

    def night(
        self, partition: str, cursor: str | None = None, run_id: str | None = None
    ) -> NightReport:
        """The nightly job for ``partition``, then the sensor and its runs until quiescent.

        Pass the previous night's ``report.cursor`` to continue where the sensor stopped; with
        None it re-reads every submission, and run keys already executed are skipped. ``run_id``
        names the nightly run (by default Dagster picks one).
        """
        report = NightReport(partition, cursor=cursor)
        if self.nightly(report, run_id):
            self.settle(report)
        return report


def run_night(
    defs: dg.Definitions,
    instance: dg.DagsterInstance,
    partition: str,
    *,
    cursor: str | None = None,
    run_config: Mapping[str, Any] | None = None,
    on_event: Callable[[str], None] | None = None,
    run_id: str | None = None,
) -> NightReport:
    """Run ``partition``'s night to quiescence (see :class:`NightDriver`)."""
    driver = NightDriver(defs, instance, run_config=run_config)
    if on_event is not None:
        driver.on_event = on_event
    return driver.night(partition, cursor, run_id)

"""Wait for a night that the daemon runs: its nightly run, then the sensor's harvests, to settle.

The waiting side only reads the instance (PostgreSQL): the daemon launches the queued runs and
ticks ``batch_status_sensor``, which requests the harvests. A night is settled when its nightly
run succeeded, none of the day's runs is queued or in progress, and a sensor tick that began after
the last of them ended left nothing of the day open in its cursor.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

import dagster as dg

from jobbatch_dagster.defs.sensors import SENSOR_NAME
from jobbatch_dagster.pipeline.tracking import SensorCursor

PARTITION_TAG = "dagster/partition"
ENDED = {dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED}
POLL_SECONDS = 1.0


class NightFailed(RuntimeError):
    """The night's nightly run failed, or the night did not settle in time."""


def day_runs(
    instance: dg.DagsterInstance, day: str, since: datetime | None = None
) -> list[dg.DagsterRun]:
    """The runs of the day's partition (created at or after ``since``), oldest first."""
    records = instance.get_run_records(filters=dg.RunsFilter(tags={PARTITION_TAG: day}))
    # filtered here: the storage's ``created_after`` is strict, and would leave out ``since``'s run
    return [
        r.dagster_run for r in reversed(records) if since is None or r.create_timestamp >= since
    ]


def _sensor_settled(instance: dg.DagsterInstance, day: str, after: float) -> bool:
    """A tick of the sensor began after ``after``, ended, and left nothing of ``day`` open."""
    for state in instance.all_instigator_state():
        if state.instigator_name != SENSOR_NAME:
            continue
        ticks = instance.get_ticks(state.instigator_origin_id, state.selector_id, limit=1)
        if not ticks or ticks[0].timestamp <= after or ticks[0].status.value == "STARTED":
            return False
        cursor = SensorCursor.parse(state.instigator_data.cursor if state.instigator_data else None)
        return not any(s.day == day for s in cursor.open)
    return False


def wait_for_night(
    instance: dg.DagsterInstance,
    day: str,
    nightly_run_id: str,
    timeout_seconds: float,
    on_run: Callable[[dg.DagsterRun], None] = lambda _run: None,
) -> list[dg.DagsterRun]:
    """Block until ``day``'s night is settled (see the module docstring); its runs (the nightly
    run and those after it), oldest first.

    ``on_run`` is called once for every run of the day as it ends."""
    deadline = time.monotonic() + timeout_seconds
    nightly_record = instance.get_run_record_by_id(nightly_run_id)
    if nightly_record is None:
        raise NightFailed(f"{day}: no run {nightly_run_id} on this instance")
    since = nightly_record.create_timestamp  # earlier nights of the same day are not this one
    reported: set[str] = set()
    while True:
        runs = day_runs(instance, day, since)
        for run in runs:
            if run.status in ENDED and run.run_id not in reported:
                reported.add(run.run_id)
                on_run(run)
        nightly = next((r for r in runs if r.run_id == nightly_run_id), None)
        if nightly is not None and nightly.status in ENDED - {dg.DagsterRunStatus.SUCCESS}:
            raise NightFailed(
                f"{day}: the nightly run {nightly_run_id} ended {nightly.status.value}"
            )
        if nightly is not None and all(r.status in ENDED for r in runs):
            records = instance.get_run_records(
                filters=dg.RunsFilter(run_ids=[r.run_id for r in runs])
            )
            last_end = max((r.end_time or 0.0) for r in records)
            if _sensor_settled(instance, day, last_end):
                return runs
        if time.monotonic() > deadline:
            raise NightFailed(
                f"{day}: not settled after {timeout_seconds:g} s; runs: "
                + ", ".join(f"{r.job_name} {r.status.value}" for r in runs)
            )
        time.sleep(POLL_SECONDS)

"""A night run by the driver (`make demo`, the HTTP API) shows on the schedule's, the sensor's and
the jobs' pages of the UI: those pages ask the instance for runs by name AND repository label, and
these are the very filters they send (read from the UI's own queries)."""

from __future__ import annotations

import dagster as dg

from jobbatch_dagster.defs.jobs import HARVEST_JOB, NIGHTLY_JOB
from jobbatch_dagster.defs.schedules import SCHEDULE_NAME
from jobbatch_dagster.defs.sensors import SENSOR_NAME
from tests.pipeline.nights import DAY1, Pipeline

LABEL = {".dagster/repository": "__repository__@jobbatch_dagster"}  # workspace.yaml's location


def _listed(pipeline: Pipeline, **filters: object) -> set[str]:
    return {run.run_id for run in pipeline.instance.get_runs(filters=dg.RunsFilter(**filters))}


def test_the_schedule_sensor_and_job_pages_list_the_nights_runs(pipeline: Pipeline) -> None:
    pipeline.drop(DAY1)
    report = pipeline.night(DAY1)
    nightly, *harvests = (run.run_id for run in report.runs)
    assert harvests
    assert _listed(pipeline, tags={"dagster/schedule_name": SCHEDULE_NAME, **LABEL}) == {nightly}
    assert _listed(pipeline, tags={"dagster/sensor_name": SENSOR_NAME, **LABEL}) == set(harvests)
    assert _listed(pipeline, job_name=NIGHTLY_JOB, tags=LABEL) == {nightly}
    assert _listed(pipeline, job_name=HARVEST_JOB, tags=LABEL) == set(harvests)

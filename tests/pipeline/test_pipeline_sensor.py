"""batch_status_sensor and the nightly schedule, evaluated the way the daemon evaluates them."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from jobbatch_dagster.defs import build_defs
from jobbatch_dagster.defs.driver import NightReport
from jobbatch_dagster.defs.jobs import NIGHTLY_JOB
from jobbatch_dagster.defs.schedules import SCHEDULE_NAME
from jobbatch_dagster.defs.sensors import SENSOR_NAME
from jobbatch_dagster.defs.stages.keys import batch_key
from jobbatch_dagster.pipeline.tracking import SensorCursor
from jobbatch_dagster.settings import load_settings
from tests.pipeline.nights import DAY1, REPO, Pipeline

pytestmark = pytest.mark.integration


def test_a_day_with_nothing_to_send_still_gets_its_downstream_runs(pipeline: Pipeline) -> None:
    report = pipeline.night(DAY1)  # no scraper files at all for the day

    stages = [r.tags.get("jobbatch/stage") for r in report.runs[1:]]
    assert stages == ["qualify", "analyze", "extract_pain_points", "parse", "outreach"]
    assert pipeline.provider_batches() == []
    assert pipeline.one("SELECT count(*) FROM batches") == 0


def test_sensor_ticks_while_another_process_holds_the_warehouse(pipeline: Pipeline) -> None:
    pipeline.drop(DAY1)
    driver = pipeline.driver
    report = NightReport(DAY1)
    assert driver.nightly(report)
    holder = subprocess.Popen(
        [
            sys.executable, "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True); "
            "time.sleep(60)",
            str(pipeline.settings.warehouse_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "held"
        requests: list[dg.RunRequest] = []
        for _ in range(50):
            started = time.monotonic()
            requests = driver.tick(report)
            assert time.monotonic() - started < 10
            if requests:
                break
            time.sleep(0.2)
    finally:
        holder.kill()
        holder.wait()
    (request,) = requests
    assert request.partition_key == DAY1
    assert request.run_key.startswith(f"qualify:{DAY1}:")
    assert set(request.asset_selection) >= {batch_key("analyze"), dg.AssetKey("qualifications")}
    sensor = pipeline.defs.resolve_sensor_def(SENSOR_NAME)
    assert sensor.required_resource_keys == {"openai_batch"}  # no warehouse resource at all
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING


@pytest.mark.parametrize(
    ("timezone", "tick", "partition"),
    [
        ("UTC", datetime(2026, 11, 19, 2, 0), "2026-11-18"),
        ("America/Los_Angeles", datetime(2026, 11, 1, 2, 0), "2026-10-31"),
    ],
)
def test_nightly_schedule_runs_the_day_that_just_ended(
    tmp_path: Path, timezone: str, tick: datetime, partition: str
) -> None:
    settings = dataclasses.replace(
        load_settings(REPO / "jobbatch.toml"),
        warehouse_path=tmp_path / "warehouse.duckdb",
        schedule_timezone=timezone,
        first_partition="2026-10-01",
    )
    defs = build_defs(settings)
    schedule = defs.resolve_schedule_def(SCHEDULE_NAME)
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("0 2 * * *", timezone)
    context = dg.build_schedule_context(
        scheduled_execution_time=tick.replace(tzinfo=ZoneInfo(timezone)),
        repository_def=defs.get_repository_def(),
    )
    (request,) = schedule.evaluate_tick(context).run_requests
    assert request.partition_key == partition
    assert schedule.job_name == NIGHTLY_JOB


def test_a_batch_the_provider_does_not_know_keeps_its_day_open(pipeline: Pipeline) -> None:
    pipeline.instance.report_runless_asset_event(
        dg.AssetMaterialization(
            asset_key=batch_key("qualify"),
            partition=DAY1,
            metadata={"batch_ids": dg.MetadataValue.json(["batch_unknown_here"])},
        )
    )
    report = NightReport(DAY1)
    assert pipeline.driver.tick(report) == []
    (still_open,) = SensorCursor.parse(report.cursor).open
    assert still_open.batch_ids == ("batch_unknown_here",)

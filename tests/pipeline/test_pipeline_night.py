"""Whole nights through the real Dagster machinery against the emulator: what lands in DuckDB,
and that a second night pays for nothing and duplicates nothing."""

from __future__ import annotations

import dataclasses

import dagster as dg
import pytest

from jobbatch_dagster.defs import build_defs
from jobbatch_dagster.defs.stages.keys import batch_key, raw_output_key
from tests.pipeline.nights import DAY1, DAY2, Pipeline

pytestmark = pytest.mark.integration

TABLES = (
    "jobs", "job_sightings", "rejected_jobs", "batches", "batch_requests", "raw_outputs",
    "qualifications", "analyses", "pain_points", "parsed_jobs", "outreach", "qualified_leads",
    "costs",
)  # fmt: skip


def table_counts(pipeline: Pipeline) -> dict[str, int]:
    return {t: pipeline.one(f"SELECT count(*) FROM {t}") for t in TABLES}


def test_one_night_fills_every_table_and_view(pipeline: Pipeline) -> None:
    pipeline.drop(DAY1)
    report = pipeline.night(DAY1)

    # nightly job, then one harvest run per stage, each under a run key that names its submission
    assert len(report.runs) == 1 + 5
    assert len({r.tags[dg._core.storage.tags.RUN_KEY_TAG] for r in report.runs[1:]}) == 5
    postings = pipeline.one("SELECT count(*) FROM job_sightings WHERE scrape_date = ?", [DAY1])
    assert postings == pipeline.one("SELECT count(*) FROM jobs") > 40
    assert pipeline.one("SELECT count(*) FROM rejected_jobs") > 0
    # one batch per stage, all on the emulator, all completed, all requests answered
    assert pipeline.sql("SELECT stage, backend, status FROM batches ORDER BY stage") == [
        ("analyze", "emulator", "completed"),
        ("extract_pain_points", "emulator", "completed"),
        ("outreach", "emulator", "completed"),
        ("parse", "emulator", "completed"),
        ("qualify", "emulator", "completed"),
    ]
    assert len(pipeline.provider_batches()) == 5
    assert pipeline.sql("SELECT DISTINCT state FROM batch_requests") == [("answered",)]
    # every posting is qualified once (same-content reposts share one request)
    qualify_requests = pipeline.one("SELECT count(*) FROM batch_requests WHERE stage = 'qualify'")
    distinct_content = pipeline.one("SELECT count(DISTINCT content_fingerprint) FROM jobs")
    assert qualify_requests <= distinct_content <= postings
    assert pipeline.one("SELECT count(*) FROM qualifications") == postings
    # the follow-up stages ran on exactly the postings at or above the threshold
    threshold = pipeline.settings.qualify_threshold
    qualified = pipeline.one("SELECT count(*) FROM qualifications WHERE score >= ?", [threshold])
    assert 0 < qualified < postings
    for table in ("analyses", "pain_points", "parsed_jobs", "qualified_leads"):
        assert pipeline.one(f"SELECT count(*) FROM {table}") == qualified, table
    assert pipeline.one("SELECT count(*) FROM qualified_leads WHERE analysis IS NULL") == 0
    assert pipeline.one("SELECT min(score) FROM top_leads") >= threshold
    # the cost ledger: one row per batch, priced, batch half the live price
    costs = pipeline.sql("SELECT batch_usd, live_usd, saving_usd, input_tokens FROM costs")
    assert len(costs) == 5
    for batch_usd, live_usd, saving_usd, tokens in costs:
        assert tokens > 0 and batch_usd > 0
        assert saving_usd == pytest.approx(live_usd - batch_usd)
        assert batch_usd == pytest.approx(live_usd / 2)
    funnel = pipeline.sql(
        "SELECT postings, qualify_sent, answered, dead_lettered, pending, leads FROM daily_funnel"
    )
    assert funnel == [(postings, qualify_requests, funnel[0][2], 0, 0, qualified)]
    assert funnel[0][2] == pipeline.one("SELECT count(*) FROM batch_requests")
    # the raw output's metadata names the files it downloaded, and their size
    harvested = pipeline.instance.fetch_materializations(raw_output_key("qualify"), limit=1)
    metadata = harvested.records[0].asset_materialization.metadata
    files = metadata["files"].value
    assert len(files) == 1 and files[0].endswith(".jsonl")
    assert metadata["output_bytes"].value > 0
    # the key is in no event, no metadata and no table
    for run in report.runs:
        for entry in pipeline.instance.all_logs(run.run_id):
            assert pipeline.emulator.api_key not in str(entry)
    assert (
        pipeline.one(
            "SELECT count(*) FROM raw_outputs WHERE CAST(line AS VARCHAR) LIKE ?",
            [f"%{pipeline.emulator.api_key}%"],
        )
        == 0
    )


def test_sensor_progress_is_recorded_as_plottable_observations(pipeline: Pipeline) -> None:
    pipeline.drop(DAY1)
    pipeline.night(DAY1)
    records = pipeline.instance.fetch_observations(batch_key("qualify"), limit=10).records
    assert records, "the sensor recorded no observation on qualify_batch"
    observation = records[0].asset_observation
    assert observation.partition == DAY1
    metadata = observation.metadata
    assert isinstance(metadata["progress_pct"], dg.FloatMetadataValue)
    assert metadata["progress_pct"].value == 100.0
    assert metadata["batches_completed"].value == 1
    assert metadata["requests_total"].value > 0


def test_second_night_submits_nothing_and_duplicates_no_row(pipeline: Pipeline) -> None:
    pipeline.drop(DAY1)
    first = pipeline.night(DAY1)
    before, batches_before = table_counts(pipeline), len(pipeline.provider_batches())

    second = pipeline.night(DAY1, cursor=first.cursor)

    assert len(pipeline.provider_batches()) == batches_before
    assert table_counts(pipeline) == before
    first_keys = {r.tags.get("dagster/run_key") for r in first.runs}
    assert first_keys.isdisjoint({r.tags.get("dagster/run_key") for r in second.runs[1:]})
    submitted = pipeline.instance.fetch_materializations(batch_key("qualify"), limit=1)
    assert submitted.records[0].asset_materialization.metadata["batches_created"].value == 0


def test_reposts_reuse_answers_across_days(pipeline: Pipeline) -> None:
    pipeline.drop(DAY1)
    pipeline.drop(DAY2)
    first = pipeline.night(DAY1)
    pipeline.night(DAY2, cursor=first.cursor)

    # a posting seen on both days is one jobs row with both sightings
    both = pipeline.one(
        "SELECT count(*) FROM jobs WHERE first_seen = ? AND last_seen = ?", [DAY1, DAY2]
    )
    assert both > 0
    assert pipeline.one("SELECT count(*) FROM jobs") == pipeline.one(
        "SELECT count(DISTINCT job_id) FROM job_sightings"
    )
    # no fingerprint was ever requested twice for a stage
    assert (
        pipeline.sql(
            "SELECT stage, request_fingerprint FROM batch_requests GROUP BY ALL HAVING count(*) > 1"
        )
        == []
    )
    reused = pipeline.one(
        "SELECT count(*) FROM stage_postings WHERE stage = 'qualify' AND scrape_date = ? "
        "AND disposition = 'reused'",
        [DAY2],
    )
    assert reused >= both
    # ...and every posting of day 2 still has its qualification, reused or fresh
    day2 = pipeline.one("SELECT count(*) FROM job_sightings WHERE scrape_date = ?", [DAY2])
    answered_day2 = pipeline.one(
        "SELECT count(*) FROM stage_postings AS sp JOIN qualifications AS q "
        "USING (job_id, request_fingerprint) WHERE sp.stage = 'qualify' AND sp.scrape_date = ?",
        [DAY2],
    )
    assert answered_day2 == day2


def test_budget_refuses_a_submission_before_anything_is_uploaded(pipeline: Pipeline) -> None:
    pipeline.drop(DAY1)
    tight = dataclasses.replace(pipeline.settings, max_usd_per_submission=0.0001)
    report = Pipeline(tight, build_defs(tight), pipeline.instance, pipeline.emulator).driver.night(
        DAY1
    )

    (run,) = report.runs
    assert run.status == dg.DagsterRunStatus.FAILURE
    (failure,) = pipeline.instance.all_logs(run.run_id, of_type=dg.DagsterEventType.STEP_FAILURE)
    message = failure.dagster_event.step_failure_data.error.cause.message
    assert "exceeds the configured max $0.00" in message
    assert pipeline.provider_batches() == []
    assert list(pipeline.emulator.client().files.list()) == []
    assert pipeline.sql("SELECT DISTINCT state, batch_id FROM batch_requests") == [
        ("pending", None)
    ]

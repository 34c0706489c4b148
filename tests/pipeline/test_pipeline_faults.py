"""Faults injected at the emulator: expired and cancelled batches are reported as such and their
finished answers kept; failed and schema-invalid lines are dead-lettered with the provider's error.
The nights run on a persistent instance from the project's dagster.yaml (the `duckdb` pool's one
slot in force)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import dagster as dg
import pytest

from jobbatch_dagster.batch.client import BatchClient
from jobbatch_dagster.batch.custom_ids import base_custom_id
from jobbatch_dagster.batch.submit import submit_shard
from jobbatch_dagster.defs.driver import NightReport
from jobbatch_dagster.defs.stages.keys import (
    SCRAPED_JOBS_KEY,
    batch_input_key,
    batch_key,
    raw_output_key,
)
from jobbatch_dagster.pipeline.inputs import pending_shards, stage_dir
from jobbatch_dagster.pipeline.shard_files import load_shard
from jobbatch_dagster.settings import Settings
from jobbatch_dagster.sources import read_day
from jobbatch_dagster.tasks import get_task
from tests.pipeline.nights import DAY1, Pipeline, one_posting_per_request, shipped_settings

pytestmark = [pytest.mark.integration, pytest.mark.pooled_instance]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The shipped configuration, qualify one posting per request: the faults here are keyed by
    a posting's custom id and count requests per posting (see one_posting_per_request)."""
    return one_posting_per_request(shipped_settings(tmp_path))


def check_results(pipeline: Pipeline, report: NightReport) -> dict[tuple[str, str], bool]:
    """(asset, check) -> passed, over every run of the night."""
    outcome = {}
    for run in report.runs:
        for record in pipeline.instance.get_records_for_run(
            run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
        ).records:
            evaluation = record.event_log_entry.dagster_event.event_specific_data
            outcome[(evaluation.asset_key.to_user_string(), evaluation.check_name)] = (
                evaluation.passed
            )
    return outcome


def test_expired_batch_keeps_its_answers_and_the_sensor_resends_the_rest(
    pipeline: Pipeline,
) -> None:
    pipeline.drop(DAY1)
    pipeline.emulator.inject(expire_after_requests=7)  # the next batch (qualify) expires
    report = pipeline.night(DAY1)

    (expired,) = pipeline.sql("SELECT batch_id FROM batches WHERE status = 'expired'")
    assert pipeline.sql(
        "SELECT attempt, parent_batch_id, status FROM batches WHERE stage = 'qualify' "
        "ORDER BY attempt"
    ) == [(1, None, "expired"), (2, expired[0], "completed")]
    # the unrun requests went out as attempt 2 of the same records, with no person involved
    attempts = dict(
        pipeline.sql(
            "SELECT attempt, count(*) FROM batch_requests WHERE stage = 'qualify' GROUP BY ALL"
        )
    )
    assert attempts[1] == 7 and attempts[2] > 0
    assert pipeline.sql("SELECT DISTINCT state FROM batch_requests WHERE stage = 'qualify'") == [
        ("answered",)
    ]
    assert pipeline.one("SELECT count(*) FROM qualifications") == sum(attempts.values())
    checks = check_results(pipeline, report)
    assert checks[("qualify_raw_output", "batches_completed")] is False
    assert checks[("qualify_raw_output", "requests_accounted_for")] is True
    harvest = pipeline.instance.fetch_materializations(raw_output_key("qualify"), limit=1)
    metadata = harvest.records[0].asset_materialization.metadata
    assert list(metadata["not_completed"].value.values()) == ["expired"]
    assert metadata["requests_to_send"].value == 0
    observed = pipeline.instance.fetch_observations(batch_key("qualify"), limit=1).records[0]
    assert observed.asset_observation.metadata["batches_expired"].value == 1
    (followup,) = [b for b in pipeline.provider_batches() if b.metadata.get("attempt") == "2"]
    assert followup.metadata["parent_batch_id"] == expired[0]
    assert followup.request_counts.total == attempts[2]
    shards = pending_shards(
        stage_dir(pipeline.settings, "qualify", date.fromisoformat(DAY1)) / "input"
    )
    assert [p.name.split("-")[4] for p in shards] == ["000", "a2"]


def test_failed_batch_is_reported_failed_and_its_requests_are_sent_again_as_attempt_2(
    pipeline: Pipeline,
) -> None:
    pipeline.drop(DAY1)
    pipeline.emulator.inject(token_limit_exceeded=True)  # the next batch (qualify) fails
    report = pipeline.night(DAY1)

    (failed,) = pipeline.sql("SELECT batch_id FROM batches WHERE status = 'failed'")
    assert check_results(pipeline, report)[("qualify_raw_output", "batches_completed")] is False
    assert pipeline.sql(
        "SELECT attempt, parent_batch_id, status FROM batches WHERE stage = 'qualify' "
        "ORDER BY attempt"
    ) == [(1, None, "failed"), (2, failed[0], "completed")]
    assert pipeline.sql("SELECT DISTINCT state FROM batch_requests WHERE stage = 'qualify'") == [
        ("answered",)
    ]
    # a day re-run sends nothing: the failed shard is not submitted again beside its follow-up
    resent = pipeline.materialize(DAY1, dg.AssetKey("qualify_batch_input"), batch_key("qualify"))
    assert resent.success
    assert len(pipeline.sql("SELECT * FROM batches WHERE stage = 'qualify'")) == 2


def test_cancelled_batch_is_reported_cancelled_with_its_answers(pipeline: Pipeline) -> None:
    pipeline.drop(DAY1)
    pipeline.emulator.inject(stall_finalizing="until_released")
    driver = pipeline.driver
    report = NightReport(DAY1)
    assert driver.nightly(report)
    (batch_id,) = (r[0] for r in pipeline.sql("SELECT batch_id FROM batches"))
    client = BatchClient()
    while client.status(batch_id).status != "finalizing":
        driver.tick(report)  # the sensor sees it running and requests nothing
    assert client.cancel(batch_id).status in ("cancelling", "cancelled")
    driver.settle(report)

    assert pipeline.sql("SELECT status FROM batches WHERE batch_id = ?", [batch_id]) == [
        ("cancelled",)
    ]
    answered = pipeline.one(
        "SELECT count(*) FROM batch_requests WHERE batch_id = ? AND state = 'answered'", [batch_id]
    )
    assert answered == pipeline.one(
        "SELECT request_total FROM batches WHERE batch_id = ?", [batch_id]
    )
    checks = check_results(pipeline, report)
    assert checks[("qualify_raw_output", "batches_completed")] is False
    assert pipeline.one("SELECT count(*) FROM qualified_leads") > 0


def test_failed_and_schema_invalid_lines_are_dead_lettered(pipeline: Pipeline) -> None:
    pipeline.drop(DAY1)
    postings = read_day(pipeline.settings.incoming_dir, DAY1).postings
    broken, invalid = (base_custom_id(p.job_id, p.title) for p in postings[:2])
    pipeline.emulator.inject(
        fail_lines={broken: {"status_code": 400, "code": "context_length_exceeded"}},
        schema_invalid=[invalid],
    )
    report = pipeline.night(DAY1)

    dead = dict(
        pipeline.sql(
            "SELECT custom_id, error_code FROM batch_requests "
            "WHERE stage = 'qualify' AND state = 'dead_lettered'"
        )
    )
    assert dead == {broken: "context_length_exceeded", invalid: "schema_mismatch"}
    # the 400 at once; the invalid answer after its one schema-repair resend, invalid again
    failed = pipeline.sql(
        "SELECT custom_id, count(*) FROM raw_outputs WHERE custom_id IN (?, ?) "
        "AND kind = 'failed' AND stage = 'qualify' GROUP BY ALL",
        [broken, invalid],
    )
    assert dict(failed) == {broken: 1, invalid: 2}
    loaded = {r[0] for r in pipeline.sql("SELECT custom_id FROM qualifications")}
    assert not loaded & {broken, invalid}
    checks = check_results(pipeline, report)
    assert checks[("qualifications", "qualifications_match_schema")] is True
    assert checks[("qualify_raw_output", "requests_accounted_for")] is True
    assert checks[("qualify_raw_output", "batches_completed")] is True


def test_a_submit_that_crashed_after_create_is_reconciled_not_paid_twice(
    pipeline: Pipeline,
) -> None:
    pipeline.drop(DAY1)
    built = pipeline.materialize(DAY1, SCRAPED_JOBS_KEY, batch_input_key("qualify"))
    rebuilt = pipeline.materialize(DAY1, batch_input_key("qualify"))  # a rebuild loses nothing
    sent = [
        r.asset_materializations_for_node("qualify_batch_input")[0].metadata["requests"].value
        for r in (built, rebuilt)
    ]
    assert sent[0] == sent[1] == pipeline.one("SELECT count(*) FROM batch_requests") > 0
    stage = pipeline.settings.stage("qualify")
    (path,) = pending_shards(
        stage_dir(pipeline.settings, "qualify", date.fromisoformat(DAY1)) / "input"
    )
    # the batch reached the provider, then the process died before the warehouse heard of it
    record = submit_shard(BatchClient(), load_shard(path, get_task("qualify"), stage.model).shard)

    submitted = pipeline.materialize(DAY1, batch_key("qualify"))

    metadata = submitted.asset_materializations_for_node("qualify_batch")[0].metadata
    assert (metadata["batches_created"].value, metadata["batches_reconciled"].value) == (0, 1)
    assert [b.id for b in pipeline.provider_batches()] == [record.batch_id]
    assert pipeline.sql("SELECT batch_id FROM batches") == [(record.batch_id,)]
    assert pipeline.sql("SELECT DISTINCT state, batch_id FROM batch_requests") == [
        ("submitted", record.batch_id)
    ]

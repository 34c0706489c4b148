"""The asset checks fail when the data is wrong, and only then."""

from __future__ import annotations

import datetime

import dagster as dg
import duckdb
import httpx
import openai
import pytest

from jobbatch_dagster.defs.checks import AssetChecks, Check
from jobbatch_dagster.defs.partitions import scrape_date_partitions
from jobbatch_dagster.defs.stages.keys import SCRAPED_JOBS_KEY, raw_output_key, results_key
from jobbatch_dagster.settings import Settings
from tests.pipeline.nights import DAY1, Pipeline

pytestmark = pytest.mark.integration


def evaluations(result: dg.ExecuteInProcessResult) -> dict[str, bool]:
    return {e.check_name: e.passed for e in result.get_asset_check_evaluations()}


def write(pipeline: Pipeline, sql: str, params: list | None = None) -> None:
    with duckdb.connect(str(pipeline.settings.warehouse_path)) as con:
        con.execute(sql, params or [])


@pytest.fixture
def night(pipeline: Pipeline) -> Pipeline:
    pipeline.drop(DAY1)
    pipeline.night(DAY1)
    return pipeline


def test_rejection_rate_fails_when_a_scraper_emits_junk(pipeline: Pipeline) -> None:
    pipeline.drop(DAY1)
    assert evaluations(pipeline.materialize(DAY1, SCRAPED_JOBS_KEY)) == {"rejection_rate": True}
    junk = pipeline.settings.incoming_dir / DAY1 / "broken-scraper.jsonl"
    junk.write_text('{"title": ""}\n' * 200, encoding="utf-8")
    result = pipeline.materialize(DAY1, SCRAPED_JOBS_KEY)
    assert evaluations(result) == {"rejection_rate": False}
    (evaluation,) = result.get_asset_check_evaluations()
    assert evaluation.metadata["rejection_rate"].value > pipeline.settings.max_rejection_rate


def test_schema_check_fails_on_an_answer_that_does_not_match(night: Pipeline) -> None:
    assert evaluations(night.materialize(DAY1, results_key("qualify"))) == {
        "qualifications_match_schema": True,
        "answers_loaded": True,
    }
    # an answer stored by an older version of the task, now out of schema
    write(
        night,
        "UPDATE raw_outputs SET content = ? WHERE custom_id = "
        "(SELECT min(custom_id) FROM raw_outputs WHERE stage = 'qualify' AND kind = 'answered')",
        ['{"qualified": true, "score": 250, "confidence": "sure", "reasons": []}'],
    )
    result = night.materialize(DAY1, results_key("qualify"))
    assert evaluations(result) == {"qualifications_match_schema": False, "answers_loaded": True}
    (evaluation,) = [
        e for e in result.get_asset_check_evaluations() if e.check_name.endswith("schema")
    ]
    assert evaluation.metadata["invalid"].value == 1


LEDGER_LINKS = (
    "requests_accounted_for",
    "provider_totals_match_ledger",
    "output_lines_match_requests",
    "provider_batches_on_ledger",
)


def test_ledger_links_fail_on_a_lost_request_record_and_a_batch_made_behind_their_back(
    night: Pipeline,
) -> None:
    result = night.materialize(DAY1, raw_output_key("qualify"))
    assert evaluations(result) == {**dict.fromkeys(LEDGER_LINKS, True), "batches_completed": True}
    # the ledger loses a request the manifest lists ...
    write(
        night,
        "DELETE FROM batch_requests WHERE stage = 'qualify' AND custom_id = "
        "(SELECT min(custom_id) FROM batch_requests WHERE stage = 'qualify')",
    )
    # ... and someone sends the day's shard again with the pipeline's metadata, not through it
    shard = next((night.settings.batches_dir / "qualify" / DAY1 / "input").glob("*[0-9a-f].jsonl"))
    sdk = night.emulator.client()
    rogue = sdk.batches.create(
        input_file_id=sdk.files.create(file=shard.open("rb"), purpose="batch").id,
        endpoint="/v1/chat/completions",
        completion_window="24h",
        metadata={"source": "jobbatch", "task": "qualify", "partition": DAY1},
    )
    result = night.materialize(DAY1, raw_output_key("qualify"))
    assert evaluations(result) == {
        "requests_accounted_for": False,
        "provider_totals_match_ledger": True,
        "output_lines_match_requests": True,
        "provider_batches_on_ledger": False,
        "batches_completed": True,
    }
    (behind,) = [
        e
        for e in result.get_asset_check_evaluations()
        if e.check_name == "provider_batches_on_ledger"
    ]
    assert rogue.id in behind.metadata["first_problems"].value


def test_a_check_that_raises_fails_saying_why_and_a_transient_provider_error_is_retried() -> None:
    def broken(con, client, day):
        raise KeyError("a column this version does not know")

    def fine(con, client, day):
        return [dg.AssetCheckResult(check_name="fine", passed=True)]

    def storm(con, client, day):
        request = httpx.Request("GET", "http://127.0.0.1/v1/batches")
        raise openai.InternalServerError(
            "busy", response=httpx.Response(500, request=request), body=None
        )

    partitions = scrape_date_partitions(Settings())
    day = datetime.date(2026, 11, 18)
    checks = AssetChecks(
        SCRAPED_JOBS_KEY,
        (Check({"a": "", "b": ""}, broken), Check({"fine": ""}, fine)),
        partitions,
    )
    found = {r.check_name: r for r in checks.evaluate(None, None, day)}
    assert {name: r.passed for name, r in found.items()} == {"a": False, "b": False, "fine": True}
    assert "KeyError" in found["a"].metadata["error"].value
    assert [spec.name for spec in checks.specs] == ["a", "b", "fine"]
    with pytest.raises(openai.InternalServerError):
        AssetChecks(SCRAPED_JOBS_KEY, (Check({"c": ""}, storm),), partitions).evaluate(
            None, None, day
        )


@pytest.mark.pooled_instance
def test_a_check_broken_by_a_hostile_folder_fails_saying_why_and_the_harvest_still_lands(
    night: Pipeline,
) -> None:
    # someone turns the day's qualify manifest into a folder: the ledger links cannot read it
    inputs = night.settings.batches_dir / "qualify" / DAY1 / "input"
    manifest = next(inputs.glob("*.manifest.jsonl"))
    manifest.unlink()
    manifest.mkdir()
    result = night.materialize(DAY1, raw_output_key("qualify"))
    assert result.success
    assert result.asset_materializations_for_node(raw_output_key("qualify").path[-1])
    assert evaluations(result) == {**dict.fromkeys(LEDGER_LINKS, False), "batches_completed": True}
    for evaluation in result.get_asset_check_evaluations():
        if evaluation.check_name in LEDGER_LINKS:
            assert "IsADirectoryError" in evaluation.metadata["error"].value
            assert "jobbatch audit" in evaluation.metadata["what_to_do"].value
    # the instance keeps the failed evaluations for the day's partition, as the UI shows them
    record = night.instance.event_log_storage.get_latest_asset_check_execution_by_key(
        [dg.AssetCheckKey(raw_output_key("qualify"), "requests_accounted_for")]
    )
    [execution] = record.values()
    assert execution.event.dagster_event.event_specific_data.partition == DAY1
    assert not execution.event.dagster_event.event_specific_data.passed

"""Self-healing nights against the emulator's faults: what the provider did not get to is resent
by the sensor as attempt n+1 of the same requests, nothing is sent or paid twice, and every batch
the provider holds is on the ledger. A person's cancel waits out its night and is sent by the next
scheduled one. The nights run on a persistent instance from the project's dagster.yaml, with the
`duckdb` pool's one slot in force."""

from __future__ import annotations

import dataclasses
import json
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from click.testing import CliRunner

from jobbatch_dagster.batch.client import BatchClient
from jobbatch_dagster.batch.custom_ids import base_custom_id
from jobbatch_dagster.batch.submit import submit_shard
from jobbatch_dagster.cli import main
from jobbatch_dagster.defs import build_defs
from jobbatch_dagster.defs.driver import QUIET_RUN_CONFIG, SCHEDULE_NAME_TAG, NightReport
from jobbatch_dagster.defs.harvest_retries import HARVEST_TAG
from jobbatch_dagster.defs.resend import RESEND_TAG
from jobbatch_dagster.defs.schedules import NIGHT_TAG, SCHEDULE_NAME
from jobbatch_dagster.defs.stages.keys import batch_input_key, batch_key, raw_output_key
from jobbatch_dagster.emulator.process import EmulatorProcess
from jobbatch_dagster.pipeline.inputs import build_stage_input, pending_shards, stage_dir
from jobbatch_dagster.pipeline.shard_files import load_shard
from jobbatch_dagster.pipeline.submit import submit_stage
from jobbatch_dagster.settings import Settings
from jobbatch_dagster.sources import read_day
from jobbatch_dagster.tasks import get_task
from tests.pipeline.nights import (
    DAY1,
    DAY2,
    FIRST_DAY,
    REPO,
    SUBSET,
    Pipeline,
    duckdb_pool_slots,
    ingest,
    night_without_dagster,
    one_posting_per_request,
    shipped_settings,
)

pytestmark = [pytest.mark.integration, pytest.mark.pooled_instance]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The shipped configuration, qualify one posting per request: the faults here are keyed by
    a posting's custom id (see one_posting_per_request)."""
    return one_posting_per_request(shipped_settings(tmp_path))


@pytest.fixture
def slow(pipeline: Pipeline, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Pipeline]:
    """The pipeline over an emulator whose batches take 6 s, so a person can cancel one midway;
    the qualify stage alone, so each night is one round of 6 s batches."""
    settings = dataclasses.replace(pipeline.settings, stages=(pipeline.settings.stage("qualify"),))
    with EmulatorProcess(data_dir=tmp_path / "slow-emulator", latency=6.0) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        yield dataclasses.replace(
            pipeline, settings=settings, defs=build_defs(settings), emulator=server
        )


def cancel_midway(batch_id: str) -> None:
    """A person cancels the batch once it has answered a few requests (not all of them)."""
    client = BatchClient()
    while client.status(batch_id).completed < 3:
        time.sleep(0.05)
    client.cancel(batch_id)


QUALIFY_STATES = "SELECT state, count(*) FROM batch_requests WHERE stage = 'qualify' GROUP BY ALL"


def answered_at_provider(pipeline: Pipeline) -> Counter[tuple[str, str, str]]:
    """How many provider batches answered each request body, as (stage, custom id, body), read
    from their input and output files (a schema repair is another body: it carries the error)."""
    sdk = pipeline.emulator.client()
    answered: Counter[tuple[str, str, str]] = Counter()
    for batch in pipeline.provider_batches():
        if not batch.output_file_id:
            continue
        bodies = {
            (line := json.loads(text))["custom_id"]: json.dumps(line["body"], sort_keys=True)
            for text in sdk.files.content(batch.input_file_id).text.splitlines()
        }
        for text in sdk.files.content(batch.output_file_id).text.splitlines():
            custom_id = json.loads(text)["custom_id"]
            answered[batch.metadata["task"], custom_id, bodies[custom_id]] += 1
    return answered


def qualify_batches(pipeline: Pipeline) -> list:
    return [b for b in pipeline.provider_batches() if b.metadata.get("task") == "qualify"]


def assert_healed(pipeline: Pipeline) -> None:
    """Every request answered or dead-lettered with a reason, none answered twice at the
    provider, every provider batch in `batches` and, once finished, in `costs`."""
    assert (
        pipeline.one("SELECT count(*) FROM batch_requests WHERE state IN ('pending', 'submitted')")
        == 0
    )
    assert (
        pipeline.one(
            "SELECT count(*) FROM batch_requests WHERE state = 'dead_lettered' "
            "AND (error_code IS NULL OR error_message IS NULL)"
        )
        == 0
    )
    twice = {cid: n for cid, n in answered_at_provider(pipeline).items() if n > 1}
    assert not twice
    provider = {b.id for b in pipeline.provider_batches()}
    assert provider == {r[0] for r in pipeline.sql("SELECT batch_id FROM batches")}
    assert provider == {r[0] for r in pipeline.sql("SELECT batch_id FROM costs")}
    # the writes queued for the one slot of the duckdb pool, and every slot was given back
    assert duckdb_pool_slots(pipeline.instance) == (1, 0)


def test_a_batch_that_expired_having_answered_nothing_is_resent_and_completes(
    pipeline: Pipeline,
) -> None:
    pipeline.drop(DAY1)
    pipeline.emulator.inject(expire_after_requests=0)
    report = pipeline.night(DAY1)

    (expired,) = pipeline.sql("SELECT batch_id FROM batches WHERE status = 'expired'")
    rows = pipeline.sql(
        "SELECT attempt, parent_batch_id, status, input_fingerprint FROM batches "
        "WHERE stage = 'qualify' ORDER BY attempt"
    )
    # the follow-up carries the same bytes as the expired shard, but is attempt 2: not skipped
    assert [r[:3] for r in rows] == [(1, None, "expired"), (2, expired[0], "completed")]
    assert rows[0][3] == rows[1][3]
    # the sensor's resend is not the night's: it would never send a person's cancel
    (resend,) = [r for r in report.runs if RESEND_TAG in r.tags]
    assert NIGHT_TAG in report.runs[0].tags and NIGHT_TAG not in resend.tags
    assert dict(pipeline.sql(QUALIFY_STATES)) == {
        "answered": pipeline.one("SELECT count(*) FROM batch_requests WHERE stage = 'qualify'")
    }
    assert pipeline.one("SELECT count(*) FROM qualified_leads") > 0
    assert_healed(pipeline)


def test_requests_left_unrun_at_their_last_attempt_are_dead_lettered_with_the_last_reason(
    pipeline: Pipeline,
) -> None:
    pipeline.drop(DAY1)
    postings = read_day(pipeline.settings.incoming_dir, DAY1).postings
    stuck = base_custom_id(postings[0].job_id, postings[0].title)
    pipeline.emulator.inject(fail_lines={stuck: {"status_code": 503, "code": "server_error"}})
    pipeline.night(DAY1)

    assert pipeline.sql(
        "SELECT attempt, state, error_code FROM batch_requests WHERE custom_id = ? "
        "AND stage = 'qualify'",
        [stuck],
    ) == [(3, "dead_lettered", "server_error")]
    message = pipeline.one(
        "SELECT error_message FROM batch_requests WHERE custom_id = ? AND stage = 'qualify'",
        [stuck],
    )
    assert "gave up after 3 attempts" in message
    # three batches, each a follow-up of the one before, the later two carrying only this request
    batches = pipeline.sql(
        "SELECT attempt, request_total FROM batches WHERE stage = 'qualify' ORDER BY attempt"
    )
    assert [b[0] for b in batches] == [1, 2, 3] and [b[1] for b in batches[1:]] == [1, 1]
    assert_healed(pipeline)


def test_dead_letters_are_not_resent_by_a_rerun_only_when_a_person_asks(
    pipeline: Pipeline,
) -> None:
    pipeline.drop(DAY1)
    postings = read_day(pipeline.settings.incoming_dir, DAY1).postings
    broken = base_custom_id(postings[0].job_id, postings[0].title)
    pipeline.emulator.inject(
        fail_lines={broken: {"status_code": 400, "code": "context_length_exceeded"}}
    )
    report = pipeline.night(DAY1)
    assert (
        pipeline.one(
            "SELECT state FROM batch_requests WHERE custom_id = ? AND stage = 'qualify'", [broken]
        )
        == "dead_lettered"
    )
    pipeline.emulator.reset_faults()

    rerun = pipeline.materialize(DAY1, batch_input_key("qualify"), batch_key("qualify"))
    built = rerun.asset_materializations_for_node("qualify_batch_input")[0].metadata
    assert built["requests"].value == 0 and built["skipped_dead_lettered"].value == 1
    assert len(qualify_batches(pipeline)) == 1

    # a person's retry: the Dagster job with config, then the sensor harvests it
    retried = pipeline.defs.resolve_job_def("retry_requests_job").execute_in_process(
        instance=pipeline.instance,
        partition_key=DAY1,
        run_config={"ops": {"qualify_batch": {"config": {"retry_requests": True}}}},
        raise_on_error=False,
    )
    assert retried.success
    pipeline.driver.settle(NightReport(DAY1, cursor=report.cursor))
    assert pipeline.sql(
        "SELECT attempt, state FROM batch_requests WHERE custom_id = ? AND stage = 'qualify'",
        [broken],
    ) == [(2, "answered")]
    assert_healed(pipeline)


def test_a_failed_day_rerun_after_a_late_file_sends_each_request_once(pipeline: Pipeline) -> None:
    pipeline.drop(DAY1, SUBSET[:1])
    pipeline.emulator.inject(token_limit_exceeded=True)
    driver = pipeline.driver
    report = NightReport(DAY1)
    assert driver.nightly(report)
    client = BatchClient()
    (failed,) = (r[0] for r in pipeline.sql("SELECT batch_id FROM batches"))
    client.wait(failed, interval=0.05, timeout=30)
    # before the sensor has harvested it, the late file arrives and a person re-runs the night
    pipeline.drop(DAY1)
    assert driver.nightly(report)
    driver.settle(report)

    total = pipeline.one("SELECT count(*) FROM batch_requests WHERE stage = 'qualify'")
    sent = sum(b.request_counts.total for b in qualify_batches(pipeline) if b.status != "failed")
    assert sent == total  # not the failed shard again beside its follow-up
    assert_healed(pipeline)


def test_a_run_killed_after_create_then_rerun_with_a_late_file_adopts_the_first_batch(
    pipeline: Pipeline,
) -> None:
    pipeline.drop(DAY1, SUBSET[:1])
    pipeline.materialize(DAY1, dg.AssetKey("scraped_jobs"), batch_input_key("qualify"))
    stage = pipeline.settings.stage("qualify")
    (path,) = pending_shards(
        stage_dir(pipeline.settings, "qualify", date.fromisoformat(DAY1)) / "input"
    )
    # the batch reached the provider, then the run was killed before the warehouse heard of it
    orphan = submit_shard(
        BatchClient(),
        load_shard(path, get_task("qualify"), stage.model).shard,
        partition=DAY1,
    )
    pipeline.drop(DAY1)  # a late scraper file, then the night again
    pipeline.night(DAY1)

    qualify = qualify_batches(pipeline)
    assert len(qualify) == 2 and orphan.batch_id in {b.id for b in qualify}
    assert (
        pipeline.one("SELECT count(*) FROM batch_requests WHERE batch_id = ?", [orphan.batch_id])
        == orphan.request_count
    )
    submitted = pipeline.instance.fetch_materializations(batch_key("qualify"), limit=10)
    adopted = [r.asset_materialization.metadata["batches_adopted"].value for r in submitted.records]
    assert 1 in adopted
    assert_healed(pipeline)


CANCELLED_WAITING = (
    "SELECT custom_id FROM batch_requests WHERE stage = 'qualify' AND state = 'pending' "
    "AND error_code = 'batch_cancelled' ORDER BY 1"
)


def test_a_persons_cancel_waits_out_its_night_and_the_next_scheduled_night_sends_it(
    slow: Pipeline,
) -> None:
    slow.drop(DAY1)
    driver = slow.driver
    report = NightReport(DAY1)
    assert driver.nightly(report)
    (cancelled,) = (r[0] for r in slow.sql("SELECT batch_id FROM batches"))
    cancel_midway(cancelled)
    driver.settle(report)

    assert slow.sql("SELECT status FROM batches WHERE stage = 'qualify'") == [("cancelled",)]
    waiting = [r[0] for r in slow.sql(CANCELLED_WAITING)]
    assert waiting
    harvest = slow.instance.fetch_materializations(raw_output_key("qualify"), limit=1)
    metadata = harvest.records[0].asset_materialization.metadata
    assert (metadata["waiting_for_a_person"].value, metadata["requests_to_send"].value) == (
        len(waiting),
        0,
    )
    assert metadata["cancelled_resent_by"].value.startswith("the first nightly_schedule run")
    # a re-run of the day does not send them either
    slow.materialize(DAY1, batch_input_key("qualify"), batch_key("qualify"))
    assert len(qualify_batches(slow)) == 1
    assert slow.one("SELECT pending FROM daily_funnel WHERE scrape_date = ?", [FIRST_DAY]) >= len(
        waiting
    )

    # the next night, as the schedule launches it at its tick, then the sensor until quiescent
    slow.drop(DAY2)
    schedule = slow.defs.resolve_schedule_def(SCHEDULE_NAME)
    tick = dg.build_schedule_context(
        instance=slow.instance,
        scheduled_execution_time=datetime(2026, 11, 20, 2, tzinfo=UTC),
        repository_def=slow.defs.get_repository_def(),
    )
    (request,) = schedule.evaluate_tick(tick).run_requests or []
    assert request.partition_key == DAY2
    night = slow.defs.resolve_job_def(schedule.job_name).execute_in_process(
        instance=slow.instance,
        partition_key=request.partition_key,
        tags={**request.tags, SCHEDULE_NAME_TAG: SCHEDULE_NAME},
        run_config=QUIET_RUN_CONFIG,
    )
    submitted = night.asset_materializations_for_node("qualify_batch")[0].metadata
    # every batch of DAY1 for the sensor to watch: the cancelled one and its follow-up
    (resent,) = set(submitted["resumed_batch_ids"].value[DAY1]) - {cancelled}
    second = driver.settle(NightReport(DAY2, cursor=report.cursor))
    # the night goes on in its harvest runs, for both days: their next stages' submissions are
    # the night's too
    assert {(r.tags["jobbatch/stage"], r.tags.get(NIGHT_TAG)) for r in second.runs} == {
        ("qualify", request.tags[NIGHT_TAG])
    }
    assert {r.tags[HARVEST_TAG].split(":")[1] for r in second.runs} == {DAY1, DAY2}

    assert slow.sql(
        "SELECT scrape_date, attempt, parent_batch_id, status FROM batches "
        "WHERE stage = 'qualify' ORDER BY scrape_date, attempt"
    ) == [
        (FIRST_DAY, 1, None, "cancelled"),
        (FIRST_DAY, 2, cancelled, "completed"),
        (date.fromisoformat(DAY2), 1, None, "completed"),
    ]
    assert set(
        slow.sql(
            "SELECT state, attempt, batch_id FROM batch_requests WHERE stage = 'qualify' "
            "AND custom_id IN (SELECT unnest(?::VARCHAR[])) AND scrape_date = ?",
            [waiting, FIRST_DAY],
        )
    ) == {("answered", 2, resent)}
    # harvested under their own day: its typed answers, funnel and leads are whole again
    assert slow.one(
        "SELECT count(*) FROM qualifications WHERE scrape_date = ?", [FIRST_DAY]
    ) == slow.one(
        "SELECT count(*) FROM batch_requests WHERE stage = 'qualify' AND scrape_date = ?",
        [FIRST_DAY],
    )
    assert slow.one("SELECT pending FROM daily_funnel WHERE scrape_date = ?", [FIRST_DAY]) == 0
    assert_healed(slow)


def test_run_day_sends_an_earlier_days_cancelled_requests_with_the_next_night(
    slow: Pipeline, con: duckdb.DuckDBPyConnection
) -> None:
    settings, stage = slow.settings, slow.settings.stage("qualify")
    ingest(con, settings, DAY1)
    build_stage_input(con, settings, stage, FIRST_DAY)
    (cancelled,) = submit_stage(con, BatchClient(), settings, stage, FIRST_DAY).batches
    cancel_midway(cancelled.batch_id)
    first = night_without_dagster(con, settings, slow.emulator)  # the cancel waits out the night
    waiting = [r[0] for r in con.execute(CANCELLED_WAITING).fetchall()]
    assert waiting and first.stages["qualify"].harvested.cancelled == len(waiting)
    assert not first.resumed and len(qualify_batches(slow)) == 1

    ingest(con, settings, DAY2)
    second = night_without_dagster(con, settings, slow.emulator, date.fromisoformat(DAY2))

    assert list(second.resumed) == [FIRST_DAY]
    assert (
        second.resumed[FIRST_DAY].stages["qualify"].results.rows
        == con.execute(
            "SELECT count(*) FROM batch_requests WHERE stage = 'qualify' AND scrape_date = ?",
            [FIRST_DAY],
        ).fetchone()[0]
    )
    assert set(
        con.execute(
            "SELECT r.state, r.attempt, b.parent_batch_id, b.scrape_date FROM batch_requests r "
            "JOIN batches b USING (batch_id) WHERE r.stage = 'qualify' "
            "AND r.custom_id IN (SELECT unnest(?::VARCHAR[])) AND r.scrape_date = ?",
            [waiting, FIRST_DAY],
        ).fetchall()
    ) == {("answered", 2, cancelled.batch_id, FIRST_DAY)}
    assert con.execute(
        "SELECT count(*) FROM batch_requests WHERE state IN ('pending', 'submitted')"
    ).fetchone() == (0,)


def test_shards_over_the_enqueued_token_limit_wait_queued_and_the_sensor_sends_them(
    pipeline: Pipeline,
) -> None:
    stage = pipeline.settings.stage("qualify")
    settings = dataclasses.replace(
        pipeline.settings, max_requests_per_batch=20, enqueued_token_limits={stage.model: 1}
    )
    tight = Pipeline(settings, build_defs(settings), pipeline.instance, pipeline.emulator)
    tight.drop(DAY1)
    tight.night(DAY1)

    submitted = tight.instance.fetch_materializations(batch_key("qualify"), limit=100).records
    queued = [r.asset_materialization.metadata["shards_queued"].value for r in submitted]
    assert max(queued) > 0  # the first submission sent one shard and queued the rest
    shards = tight.one("SELECT count(*) FROM batches WHERE stage = 'qualify'")
    assert shards > 1
    assert_healed(tight)


def test_an_invalid_answer_gets_one_repair_resend_carrying_its_validation_error(
    pipeline: Pipeline,
) -> None:
    pipeline.drop(DAY1)
    postings = read_day(pipeline.settings.incoming_dir, DAY1).postings
    healed, stubborn = (base_custom_id(p.job_id, p.title) for p in postings[:2])
    pipeline.emulator.inject(malformed_json=[healed], schema_invalid=[stubborn])
    driver = pipeline.driver
    report = NightReport(DAY1)
    assert driver.nightly(report)
    while not pipeline.sql("SELECT 1 FROM batch_requests WHERE error_code = 'schema_repair'"):
        for request in driver.tick(report):
            driver.execute(request, report)
    # the model "learns" for one of them: the other stays invalid on its repair resend
    pipeline.emulator.reset_faults()
    pipeline.emulator.inject(schema_invalid=[stubborn])
    driver.settle(report)

    states = dict(
        pipeline.sql(
            "SELECT custom_id, state || ' ' || attempt FROM batch_requests "
            "WHERE stage = 'qualify' AND custom_id IN (?, ?)",
            [healed, stubborn],
        )
    )
    assert states == {healed: "answered 2", stubborn: "dead_lettered 2"}
    assert pipeline.one(
        "SELECT error_message FROM batch_requests WHERE custom_id = ? AND stage = 'qualify'",
        [stubborn],
    ).startswith("still invalid after one repair resend")
    (repair,) = [b for b in qualify_batches(pipeline) if b.metadata.get("attempt") == "2"]
    sent = pipeline.emulator.client().files.content(repair.input_file_id).text
    lines = {json.loads(line)["custom_id"]: json.loads(line) for line in sent.splitlines()}
    assert set(lines) == {healed, stubborn}
    last = lines[healed]["body"]["messages"][-1]
    assert last["role"] == "user" and "not JSON" in last["content"]
    assert_healed(pipeline)


def leads_of(pipeline: Pipeline) -> list[tuple]:
    return pipeline.sql("SELECT job_id, score FROM qualified_leads ORDER BY job_id")


def test_a_storm_night_heals_to_the_leads_of_a_clean_night(
    pipeline: Pipeline,
    pooled_instances: Callable[[str], dg.DagsterInstance],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the clean night: its own emulator, warehouse and instance
    with EmulatorProcess(data_dir=tmp_path / "clean-emulator", latency=0.0) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        settings = dataclasses.replace(
            pipeline.settings,
            incoming_dir=tmp_path / "clean" / "incoming",
            batches_dir=tmp_path / "clean" / "batches",
            warehouse_path=tmp_path / "clean" / "warehouse.duckdb",
        )
        clean = Pipeline(settings, build_defs(settings), pooled_instances("clean-home"), server)
        clean.drop(DAY1)
        clean.night(DAY1)
        expected = leads_of(clean)
    assert expected
    monkeypatch.setenv("OPENAI_BASE_URL", pipeline.emulator.base_url)

    started = time.monotonic()
    pipeline.drop(DAY1, SUBSET[:1])
    pipeline.materialize(DAY1, dg.AssetKey("scraped_jobs"), batch_input_key("qualify"))
    postings = read_day(pipeline.settings.incoming_dir, DAY1).postings
    line_500, malformed = (base_custom_id(p.job_id, p.title) for p in postings[:2])
    emulator = pipeline.emulator
    emulator.inject(fail_lines={line_500: {"status_code": 500}}, malformed_json=[malformed])
    (path,) = pending_shards(
        stage_dir(pipeline.settings, "qualify", date.fromisoformat(DAY1)) / "input"
    )
    stage = pipeline.settings.stage("qualify")
    shard = load_shard(path, get_task("qualify"), stage.model).shard
    client = BatchClient()
    client.upload(shard.path)  # a run that died after its upload ...
    submit_shard(client, shard, partition=DAY1)  # ... and one that died after its create
    pipeline.drop(DAY1)  # the late scraper file
    emulator.inject(http_errors={"status": 429, "count": 4}, token_limit_exceeded=True)
    driver = pipeline.driver
    report = NightReport(DAY1)
    assert driver.nightly(report)
    while not pipeline.instance.fetch_materializations(raw_output_key("qualify"), limit=1).records:
        for request in driver.tick(report):
            driver.execute(request, report)
    # the provider's bad hour moves on: a 5xx storm on the harvests, the next batch expires
    emulator.reset_faults()
    emulator.inject(http_errors={"status": 500, "count": 4}, expire_after_requests=2)
    driver.settle(report)
    minutes = (time.monotonic() - started) / 60

    assert leads_of(pipeline) == expected
    assert_healed(pipeline)
    assert not report.failed_runs
    attempts = pipeline.one("SELECT max(attempt) FROM batches")
    statuses = Counter(b.status for b in pipeline.provider_batches())
    assert statuses["failed"] >= 1 and statuses["expired"] >= 1 and attempts >= 2
    print(
        f"storm night: {sum(statuses.values())} batches {dict(statuses)}, up to attempt "
        f"{attempts}, {len(report.runs)} runs, {minutes:.2f} min"
    )


def test_jobbatch_requests_retry_sends_a_days_dead_letters_again(
    pipeline: Pipeline, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pipeline.drop(DAY1)
    postings = read_day(pipeline.settings.incoming_dir, DAY1).postings
    broken = base_custom_id(postings[0].job_id, postings[0].title)
    pipeline.emulator.inject(fail_lines={broken: {"status_code": 400, "code": "invalid_request"}})
    pipeline.night(DAY1)
    pipeline.emulator.reset_faults()
    config = tmp_path / "jobbatch.toml"
    text = (REPO / "jobbatch.toml").read_text(encoding="utf-8")
    for default, path in (
        ("data/incoming", pipeline.settings.incoming_dir),
        ("data/batches", pipeline.settings.batches_dir),
        ("data/warehouse.duckdb", pipeline.settings.warehouse_path),
    ):
        text = text.replace(f'"{default}"', json.dumps(str(path)))
    config.write_text(text, encoding="utf-8")
    monkeypatch.setenv("JOBBATCH_CONFIG", str(config))
    monkeypatch.delenv("JOBBATCH_WAREHOUSE", raising=False)

    args = ["requests", "retry", "--stage", "qualify", "--day", DAY1, "--poll-seconds", "0.05"]
    result = CliRunner().invoke(main, args)

    assert result.exit_code == 0, result.output
    assert "qualify 2026-11-18: 1 requests reopened" in result.output
    assert pipeline.sql(
        "SELECT attempt, state FROM batch_requests WHERE custom_id = ? AND stage = 'qualify'",
        [broken],
    ) == [(2, "answered")]
    wrong = CliRunner().invoke(main, ["requests", "retry", "--stage", "qualfy", "--day", DAY1])
    assert wrong.exit_code != 0 and "no stage named 'qualfy'" in wrong.output


def test_a_run_killed_after_its_upload_reuses_the_file_on_the_rerun(pipeline: Pipeline) -> None:
    pipeline.drop(DAY1)
    pipeline.materialize(DAY1, dg.AssetKey("scraped_jobs"), batch_input_key("qualify"))
    (path,) = pending_shards(
        stage_dir(pipeline.settings, "qualify", date.fromisoformat(DAY1)) / "input"
    )
    uploaded = BatchClient().upload(path)  # the run died here, before `create`

    pipeline.night(DAY1)

    (batch,) = qualify_batches(pipeline)
    assert batch.input_file_id == uploaded.id
    names = [f.filename for f in pipeline.emulator.client().files.list(purpose="batch")]
    assert names.count(path.name) == 1
    assert_healed(pipeline)

"""qualify judging several postings per request, through the real SDK and the emulator: a verdict
the answer leaves out costs a retry of that posting alone (then a dead letter with its reason), a
re-run pays nothing, and a repost on another day reuses the answers."""

from __future__ import annotations

import dataclasses
from datetime import date

import duckdb

from jobbatch_dagster.batch.client import BatchClient
from jobbatch_dagster.emulator.process import EmulatorProcess
from jobbatch_dagster.pipeline.day import Patience, retry_stage_day, run_stage_day
from jobbatch_dagster.pipeline.inputs import build_stage_input
from jobbatch_dagster.settings import RetrySettings, Settings, StageConfig
from tests.pipeline.nights import DAY1, DAY2, ingest

PER_REQUEST = 5
PATIENCE = Patience(poll_seconds=0.05, timeout_seconds=60)


def grouped(settings: Settings) -> tuple[Settings, StageConfig]:
    stage = dataclasses.replace(settings.stage("qualify"), postings_per_request=PER_REQUEST)
    quick = RetrySettings(max_attempts=2, backoff_seconds=0)
    return dataclasses.replace(settings, stages=(stage,), retries=quick), stage


def test_a_missing_verdict_retries_that_posting_alone_then_dead_letters_it_with_its_reason(
    con: duckdb.DuckDBPyConnection, settings: Settings, fresh_emulator: EmulatorProcess
) -> None:
    settings, stage = grouped(settings)
    postings = ingest(con, settings)
    day = date.fromisoformat(DAY1)
    first = next(build_stage_input(con, settings, stage, day).build.shards[0].manifest())
    assert first.request_id and first.key == "1"
    fresh_emulator.inject(missing_verdict=[first.request_id])  # its last posting goes unanswered
    client = BatchClient(api_key=fresh_emulator.api_key, base_url=fresh_emulator.base_url)

    run = run_stage_day(con, client, settings, stage, day, PATIENCE)

    lines = -(-postings // PER_REQUEST)
    batches = con.execute("SELECT attempt, request_total FROM batches ORDER BY attempt").fetchall()
    # the follow-up carried one line with the one posting, never the four answered beside it
    assert batches == [(1, lines), (2, 1)]
    states = con.execute(
        "SELECT state, error_code, count(*) FROM batch_requests GROUP BY ALL ORDER BY state"
    ).fetchall()
    assert states == [("answered", None, postings - 1), ("dead_lettered", "missing_verdict", 1)]
    lost = con.execute(
        "SELECT request_id, request_key, error_message FROM batch_requests "
        "WHERE state = 'dead_lettered'"
    ).fetchone()
    assert lost[:2] == (first.request_id, str(PER_REQUEST)) and "no verdict" in lost[2]
    assert run.results.rows == postings - 1
    costs = con.execute("SELECT sum(requests) FROM costs").fetchone()
    assert costs == (lines + 1,)

    fresh_emulator.reset_faults()
    retried = retry_stage_day(con, client, settings, stage, day, PATIENCE)
    assert retried.reopened == 1
    assert con.execute("SELECT DISTINCT state FROM batch_requests").fetchall() == [("answered",)]
    spent = con.execute("SELECT count(*), sum(requests) FROM costs").fetchone()

    again = run_stage_day(con, client, settings, stage, day, PATIENCE)
    assert again.built.build.request_count == 0 and not again.submitted.created
    assert con.execute("SELECT count(*), sum(requests) FROM costs").fetchone() == spent


def test_a_repost_reuses_its_posting_answer_from_a_grouped_request(
    con: duckdb.DuckDBPyConnection, settings: Settings, fresh_emulator: EmulatorProcess
) -> None:
    settings, stage = grouped(settings)
    postings = ingest(con, settings)
    client = BatchClient(api_key=fresh_emulator.api_key, base_url=fresh_emulator.base_url)
    run_stage_day(con, client, settings, stage, date.fromisoformat(DAY1), PATIENCE)
    ingest(con, settings, DAY2, source=DAY1)  # the same postings scraped again the next day

    reposted = run_stage_day(con, client, settings, stage, date.fromisoformat(DAY2), PATIENCE)

    assert reposted.built.reused == postings and reposted.built.build.request_count == 0
    assert not reposted.submitted.created
    reused = con.execute(
        "SELECT count(*) FROM stage_postings AS p JOIN qualifications AS q "
        "USING (job_id, request_fingerprint) WHERE p.scrape_date = ? AND p.disposition = 'reused'",
        [date.fromisoformat(DAY2)],
    ).fetchone()
    assert reused == (postings,)  # each reposted posting has its typed answer from day one
    assert con.execute("SELECT count(*) FROM batches").fetchone() == (1,)

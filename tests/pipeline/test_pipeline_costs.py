"""What a night costs, as the ledger and the morning's ``lead_costs`` report it: cached input at
the cached rate, and cost per posting, per lead and per stage. A real day through ``pipeline/``
(no Dagster), the real SDK over HTTP to the emulator, a real DuckDB file."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Iterator
from datetime import date

import duckdb
import pytest

from jobbatch_dagster.batch.client import BatchClient
from jobbatch_dagster.batch.pricing import price_for
from jobbatch_dagster.emulator.process import EmulatorProcess
from jobbatch_dagster.pipeline.day import Patience, run_day
from jobbatch_dagster.pipeline.ingest import ingest_day
from jobbatch_dagster.settings import Settings, StageConfig
from jobbatch_dagster.tasks.profile import LeadProfile
from jobbatch_dagster.warehouse import ensure_schema
from jobbatch_dagster.warehouse.lead_costs import ALL_STAGES, total_costs
from tests.pipeline.nights import DAY1, SAMPLE, SUBSET

DAY = date.fromisoformat(DAY1)
# A seller who describes the offer at length: the system prompt alone passes the 1,024 tokens the
# service needs before it caches a prefix.
LONG_OFFER = " ".join(
    f"Case {i}: we automated order entry, invoice keying and CRM updates for a client in {i} weeks."
    for i in range(1, 60)
)


@pytest.fixture
def con(settings: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    for name in SUBSET:
        target = settings.incoming_dir / DAY1
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy(SAMPLE / DAY1 / name, target / name)
    connection = duckdb.connect(str(settings.warehouse_path))
    ensure_schema(connection)
    ingest_day(settings, connection, DAY)
    yield connection
    connection.close()


def night(con: duckdb.DuckDBPyConnection, settings: Settings, emulator: EmulatorProcess) -> None:
    client = BatchClient(api_key=emulator.api_key, base_url=emulator.base_url)
    run_day(con, client, settings, DAY, Patience(poll_seconds=0.05, timeout_seconds=60))


def test_a_cached_prefix_is_billed_at_the_cached_rate_and_reported_as_a_share(
    con: duckdb.DuckDBPyConnection, settings: Settings, fresh_emulator: EmulatorProcess
) -> None:
    settings = dataclasses.replace(
        settings,
        lead_profile=LeadProfile(offer=LONG_OFFER),
        # one posting per request: the long prefix is then most of every request's input
        stages=(dataclasses.replace(settings.stage("qualify"), postings_per_request=1),),
    )
    night(con, settings, fresh_emulator)

    usage = con.execute(
        "SELECT model, requests, input_tokens, cached_input_tokens, output_tokens, batch_usd "
        "FROM costs"
    ).fetchall()
    assert len(usage) == 1
    model, requests, input_tokens, cached, output_tokens, batch_usd = usage[0]
    # every request after the first found the system prompt cached: >= 1,024 tokens, 128 at a time
    assert cached % 128 == 0 and cached >= 1024 * (requests - 1) > 0
    rates = price_for(model).batch
    fresh = input_tokens - cached
    expected = (
        fresh * rates.input + cached * rates.cached_input + output_tokens * rates.output
    ) / 1e6
    assert batch_usd == pytest.approx(expected)
    assert batch_usd < (input_tokens * rates.input + output_tokens * rates.output) / 1e6
    share = con.execute(
        "SELECT cached_share FROM lead_costs WHERE scrape_date IS NULL AND stage = 'qualify'"
    ).fetchone()[0]
    assert share == pytest.approx(cached / input_tokens) == total_costs(con)["qualify"].cached_share
    assert share > 0.5


def test_lead_costs_reports_cost_per_posting_lead_and_stage(
    con: duckdb.DuckDBPyConnection, settings: Settings, fresh_emulator: EmulatorProcess
) -> None:
    settings = dataclasses.replace(
        settings, stages=(*settings.stages, StageConfig("extract_pain_points", after="qualify"))
    )
    night(con, settings, fresh_emulator)

    postings = con.execute("SELECT count(*) FROM job_sightings").fetchone()[0]
    leads = con.execute("SELECT count(*) FROM qualified_leads").fetchone()[0]
    spent = dict(con.execute("SELECT stage, sum(batch_usd) FROM costs GROUP BY stage").fetchall())
    assert set(spent) == {s.task for s in settings.stages}
    rows = con.execute(
        "SELECT stage, postings, leads, batch_usd, usd_per_posting, usd_per_1000_postings, "
        "usd_per_lead FROM lead_costs WHERE scrape_date = ?",
        [DAY],
    ).fetchall()
    by_stage = {row[0]: row[1:] for row in rows}
    assert set(by_stage) == set(spent) | {ALL_STAGES}
    for stage, usd in [*spent.items(), (ALL_STAGES, sum(spent.values()))]:
        day_postings, day_leads, batch_usd, per_posting, per_1000, per_lead = by_stage[stage]
        assert (day_postings, day_leads) == (postings, leads) and 0 < leads < postings
        assert batch_usd == pytest.approx(usd)
        assert per_posting == pytest.approx(usd / postings)
        assert per_1000 == pytest.approx(1000 * usd / postings)
        assert per_lead == pytest.approx(usd / leads)
    # every night together: one day here, so the same totals
    assert total_costs(con)[ALL_STAGES].batch_usd == pytest.approx(sum(spent.values()))

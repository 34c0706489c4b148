"""History is recorded as it happens and a re-run never rewrites it: running a day again leaves
``daily_funnel`` as it was, and only a genuinely new posting adds to it."""

from __future__ import annotations

import json
from datetime import date

import duckdb
import pytest

from jobbatch_dagster.emulator.process import EmulatorProcess
from jobbatch_dagster.settings import Settings
from tests.pipeline.nights import DAY1, DAY2, ingest, night_without_dagster

NEW_POSTING = {
    "id": "history-9001",
    "title": "Accounts Payable Clerk",
    "company": "Lakeside Plumbing Supply",
    "location": "Evanston",
    "compensation": "$24/hr",
    "url": "https://chicago.craigslist.org/chc/acc/d/ap-clerk/history-9001.html",
    "description": (
        "Lakeside Plumbing Supply needs an accounts payable clerk now: vendor invoices arrive "
        "as PDF attachments and are keyed by hand into QuickBooks, about 80 a day, and we are "
        "weeks behind. Match each invoice to its purchase order and file it."
    ),
}


def funnel(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, object]]:
    cursor = con.execute("SELECT * FROM daily_funnel")
    names = [d[0] for d in cursor.description]
    return {str(row[0]): dict(zip(names[1:], row[1:], strict=True)) for row in cursor.fetchall()}


@pytest.fixture
def first(
    con: duckdb.DuckDBPyConnection, settings: Settings, fresh_emulator: EmulatorProcess
) -> dict[str, object]:
    """The first day's funnel row after its first night."""
    ingest(con, settings)
    night_without_dagster(con, settings, fresh_emulator)
    return funnel(con)[DAY1]


def test_running_a_day_again_leaves_its_funnel_as_it_was(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    fresh_emulator: EmulatorProcess,
    first: dict[str, object],
) -> None:
    assert first["qualify_sent"] > 0 and first["requests"] == first["answered"] > 0
    assert first["batch_usd"] > 0 and first["pending"] == 0

    ingest(con, settings)  # the day read again
    again = night_without_dagster(con, settings, fresh_emulator)
    assert all(not s.submitted.created for s in again.stages.values())
    # today's ledger calls every posting reused on the re-run; history still says sent
    assert con.execute(
        "SELECT DISTINCT disposition FROM stage_postings WHERE stage = 'qualify'"
    ).fetchall() == [("reused",)]
    assert funnel(con)[DAY1] == first


def test_a_genuinely_new_posting_on_a_rerun_adds_to_the_funnel(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    fresh_emulator: EmulatorProcess,
    first: dict[str, object],
) -> None:

    late = settings.incoming_dir / DAY1 / "late-scraper.jsonl"
    late.write_text(json.dumps(NEW_POSTING) + "\n", encoding="utf-8")
    ingest(con, settings)  # the day read again
    night_without_dagster(con, settings, fresh_emulator)
    after = funnel(con)[DAY1]

    assert after["postings"] == first["postings"] + 1
    assert after["qualify_sent"] == first["qualify_sent"] + 1
    assert after["qualify_reused"] == first["qualify_reused"]
    # one more qualify request, and one per later stage the new posting reached
    added = after["requests"] - first["requests"]
    assert added >= 1
    assert after["requests"] == con.execute("SELECT count(*) FROM batch_requests").fetchone()[0]
    assert after["answered"] == first["answered"] + added and after["pending"] == 0
    assert after["batch_usd"] > first["batch_usd"]


def test_a_later_day_that_resights_postings_reuses_them_without_touching_the_earlier_day(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    fresh_emulator: EmulatorProcess,
    first: dict[str, object],
) -> None:
    ingest(con, settings, DAY2, source=DAY1)  # the next day's scrapers list the same postings
    night_without_dagster(con, settings, fresh_emulator, date.fromisoformat(DAY2))
    days = funnel(con)
    assert days[DAY1] | {"leads": first["leads"]} == first  # a lead moves to its latest sighting
    assert days[DAY2]["qualify_sent"] == 0 and days[DAY2]["requests"] == 0
    assert days[DAY2]["qualify_reused"] == days[DAY2]["postings"] > 0
    assert days[DAY2]["batch_usd"] is None

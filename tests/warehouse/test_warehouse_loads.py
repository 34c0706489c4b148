"""Scrape-day loads on a real DuckDB file: upserts, idempotence, sightings and rejections."""

from __future__ import annotations

import dataclasses
from datetime import date

import duckdb
import pytest

from jobbatch_dagster.warehouse import TABLE_DDL, VIEW_DDL, ensure_schema
from jobbatch_dagster.warehouse.loads import (
    JobRow,
    RejectionRow,
    day_jobs,
    job_row,
    load_scrape_day,
    load_scrape_day_chunks,
)
from jobbatch_dagster.warehouse.results_schema import RESULT_TABLES

DAY1 = date(2026, 11, 18)
DAY2 = date(2026, 11, 19)


def posting(job_id: str, title: str = "Data entry clerk", fingerprint: str = "fp-a") -> dict:
    return {
        "job_id": job_id,
        "source": "craigslist",
        "source_id": job_id,
        "url": f"https://example.org/{job_id}",
        "title": title,
        "company": "Acme",
        "location": "Oakland",
        "compensation": "$20/h",
        "description": "Type orders into Excel all day.",
        "posted_date": "2026-11-17",
        "content_fingerprint": fingerprint,
        "source_file": "2026-11-18/a.jsonl",
        "source_line": 1,
    }


def rows_for(day: date, *postings: dict) -> list[JobRow]:
    return [job_row(p, {"id": p["job_id"], "title": p["title"]}, day) for p in postings]


def test_schema_has_every_fixed_table_and_view(con: duckdb.DuckDBPyConnection) -> None:
    names = {
        r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    }
    fixed = {
        "jobs",
        "rejected_jobs",
        "batches",
        "batch_requests",
        "raw_outputs",
        "qualified_leads",
        "costs",
    }
    assert fixed | set(RESULT_TABLES.values()) | set(VIEW_DDL) <= names
    assert set(TABLE_DDL) <= names
    ensure_schema(con)  # a second call on an existing warehouse changes nothing and does not fail


def test_reposted_job_updates_last_seen_without_a_second_row(
    con: duckdb.DuckDBPyConnection,
) -> None:
    first = load_scrape_day(con, DAY1, rows_for(DAY1, posting("a"), posting("b")), [])
    second = load_scrape_day(
        con, DAY2, rows_for(DAY2, posting("a", title="Data entry (repost)")), []
    )
    assert (first.new_postings, second.new_postings, second.seen_before) == (2, 0, 1)
    assert con.execute("SELECT count(*) FROM jobs").fetchone()[0] == 2
    row = con.execute("SELECT first_seen, last_seen, title FROM jobs WHERE job_id = 'a'").fetchone()
    assert row == (DAY1, DAY2, "Data entry (repost)")


def test_reloading_an_older_day_keeps_the_newest_content(con: duckdb.DuckDBPyConnection) -> None:
    load_scrape_day(con, DAY2, rows_for(DAY2, posting("a", title="new")), [])
    load_scrape_day(con, DAY1, rows_for(DAY1, posting("a", title="old")), [])
    assert con.execute("SELECT first_seen, last_seen, title FROM jobs").fetchall() == [
        (DAY1, DAY2, "new")
    ]


def test_reloading_a_day_replaces_its_sightings_and_rejections(
    con: duckdb.DuckDBPyConnection,
) -> None:
    rejection = RejectionRow(DAY1, "2026-11-18/a.jsonl", 3, "missing_title", "missing title", "{}")
    for _ in range(2):
        again = load_scrape_day(con, DAY1, rows_for(DAY1, posting("a"), posting("b")), [rejection])
        assert (again.new_postings, again.seen_before) == (2, 0)  # the same report every time
    load_scrape_day(con, DAY2, rows_for(DAY2, posting("a")), [])
    counts = con.execute(
        "SELECT scrape_date, count(*) FROM job_sightings GROUP BY ALL ORDER BY 1"
    ).fetchall()
    assert counts == [(DAY1, 2), (DAY2, 1)]
    assert con.execute("SELECT file, line, reason FROM rejected_jobs").fetchall() == [
        ("2026-11-18/a.jsonl", 3, "missing title")
    ]
    assert [j["id"] for j in day_jobs(con, DAY1)] == ["a", "b"]
    funnel = con.execute(
        "SELECT scrape_date, postings, new_postings, rejected FROM daily_funnel"
    ).fetchall()
    assert funnel == [(DAY1, 2, 2, 1), (DAY2, 1, 0, 0)]


def test_the_days_last_row_of_a_posting_wins_within_and_across_chunks(
    con: duckdb.DuckDBPyConnection,
) -> None:
    load_scrape_day(con, DAY1, rows_for(DAY1, posting("a", title="day one")), [])
    chunks = [
        (
            rows_for(DAY2, posting("a", title="first"), posting("b"), posting("a", title="second")),
            [],
        ),
        (rows_for(DAY2, posting("c")), []),
        (rows_for(DAY2, posting("a", title="last", fingerprint="fp-last")), []),
    ]
    load = load_scrape_day_chunks(con, DAY2, chunks)
    assert (load.postings, load.new_postings, load.seen_before) == (3, 2, 1)
    assert con.execute(
        "SELECT first_seen, last_seen, title FROM jobs WHERE job_id = 'a'"
    ).fetchone() == (
        DAY1,
        DAY2,
        "last",
    )
    sightings = con.execute(
        "SELECT job_id, content_fingerprint FROM job_sightings WHERE scrape_date = ? ORDER BY 1",
        [DAY2],
    ).fetchall()
    assert sightings == [("a", "fp-last"), ("b", "fp-a"), ("c", "fp-a")]


def test_a_failed_load_leaves_the_day_as_it_was(con: duckdb.DuckDBPyConnection) -> None:
    load_scrape_day(con, DAY1, rows_for(DAY1, posting("a")), [])
    broken = [dataclasses.replace(row, title=None) for row in rows_for(DAY1, posting("b"))]
    # title = None violates NOT NULL: the whole load must roll back
    with pytest.raises(duckdb.ConstraintException):
        load_scrape_day(con, DAY1, broken, [])
    assert con.execute("SELECT job_id FROM job_sightings").fetchall() == [("a",)]

"""Loading a scrape day: postings into ``jobs`` and ``job_sightings``, bad rows into ``rejected_jobs``.

A posting seen again updates its ``jobs`` row (``last_seen``, and its content when this sighting is
the newest) instead of adding one, so ``jobs`` has one row per posting however often it is reposted.
The day's sightings and rejections are replaced as a whole, which makes re-reading a day idempotent.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb

from jobbatch_dagster.warehouse.frames import insert_rows
from jobbatch_dagster.warehouse.transaction import transaction

_CONTENT_COLUMNS = (
    "source", "source_id", "url", "title", "company", "location", "compensation", "description",
    "posted_date", "content_fingerprint", "source_file", "source_line", "job_json",
)  # fmt: skip

_JOBS_UPSERT = "ON CONFLICT (job_id) DO UPDATE SET " + ", ".join(
    [
        "first_seen = least(jobs.first_seen, excluded.first_seen)",
        "last_seen = greatest(jobs.last_seen, excluded.last_seen)",
        *(
            f"{c} = CASE WHEN excluded.last_seen >= jobs.last_seen THEN excluded.{c} ELSE jobs.{c} END"
            for c in _CONTENT_COLUMNS
        ),
    ]
)


@dataclass(frozen=True)
class ScrapeDayLoad:
    """What loading one scrape day did."""

    postings: int
    new_postings: int
    seen_before: int
    rejections: int


def job_row(posting: Mapping[str, Any], job: Mapping[str, Any], day: date) -> dict[str, Any]:
    """A ``jobs`` row from a posting's fields and the job dict the engine reads."""
    row = {c: posting.get(c) for c in _CONTENT_COLUMNS if c != "job_json"}
    row.update(job_id=posting["job_id"], first_seen=day, last_seen=day)
    row["job_json"] = json.dumps(dict(job), ensure_ascii=False, default=str)
    return row


def load_scrape_day(
    con: duckdb.DuckDBPyConnection,
    day: date,
    jobs: Sequence[Mapping[str, Any]],
    rejections: Sequence[Mapping[str, Any]],
) -> ScrapeDayLoad:
    """Upsert the day's postings (rows from :func:`job_row`) and replace its sightings and rejections."""
    with transaction(con):
        con.execute("DELETE FROM job_sightings WHERE scrape_date = ?", [day])
        con.execute("DELETE FROM rejected_jobs WHERE scrape_date = ?", [day])
        insert_rows(con, "jobs", jobs, on_conflict=_JOBS_UPSERT)
        sightings = [
            {
                "scrape_date": day,
                "job_id": r["job_id"],
                "content_fingerprint": r["content_fingerprint"],
            }
            for r in jobs
        ]
        insert_rows(con, "job_sightings", sightings)
        insert_rows(con, "rejected_jobs", [{"scrape_date": day, **r} for r in rejections])
        # new = first seen on this day, so re-reading a day reports the same numbers again
        new = con.execute(
            "SELECT count(*) FROM job_sightings AS s JOIN jobs AS j USING (job_id) "
            "WHERE s.scrape_date = ? AND j.first_seen = ?",
            [day, day],
        ).fetchone()[0]
    return ScrapeDayLoad(len(jobs), new, len(jobs) - new, len(rejections))


def day_jobs(con: duckdb.DuckDBPyConnection, day: date) -> list[dict[str, Any]]:
    """The job dicts (as the engine reads them) of every posting sighted on ``day``."""
    rows = con.execute(
        "SELECT j.job_json FROM job_sightings AS s JOIN jobs AS j USING (job_id) "
        "WHERE s.scrape_date = ? ORDER BY j.job_id",
        [day],
    ).fetchall()
    return [json.loads(r[0]) for r in rows]


def qualified_day_jobs(
    con: duckdb.DuckDBPyConnection, day: date, after_stage: str, after_table: str, threshold: int
) -> list[dict[str, Any]]:
    """The job dicts of the day's postings whose ``after_stage`` answer scores >= threshold."""
    rows = con.execute(
        f"SELECT j.job_json FROM stage_postings AS sp "
        f"JOIN {after_table} AS r USING (job_id, request_fingerprint) "
        "JOIN jobs AS j USING (job_id) "
        "WHERE sp.stage = ? AND sp.scrape_date = ? AND r.score >= ? ORDER BY j.job_id",
        [after_stage, day, threshold],
    ).fetchall()
    return [json.loads(r[0]) for r in rows]

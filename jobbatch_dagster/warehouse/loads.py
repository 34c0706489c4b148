"""Loading a scrape day: postings into ``jobs`` and ``job_sightings``, bad rows into ``rejected_jobs``.

A posting seen again updates its ``jobs`` row (``last_seen``, and its content when this sighting is
the newest) instead of adding one, so ``jobs`` has one row per posting however often it is reposted.
The day's sightings and rejections are replaced as a whole, which makes re-reading a day idempotent.
A day is staged in chunks (:func:`load_scrape_day_chunks`), so its size never has to fit in memory,
and merged in one transaction, so a failure leaves the warehouse as it was.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb
import orjson

from jobbatch_dagster.warehouse.frames import insert_records, memory_limit
from jobbatch_dagster.warehouse.transaction import transaction

_CONTENT_COLUMNS = (
    "source", "source_id", "url", "title", "company", "location", "compensation", "description",
    "posted_date", "content_fingerprint", "source_file", "source_line", "job_json",
)  # fmt: skip

# A posting seen again: first and last sighting widen, and the content is the newest sighting's.
_JOBS_MERGE = (
    "UPDATE jobs SET "
    + ", ".join(
        [
            "first_seen = least(jobs.first_seen, d.first_seen)",
            "last_seen = greatest(jobs.last_seen, d.last_seen)",
            *(
                f"{c} = CASE WHEN d.last_seen >= jobs.last_seen THEN d.{c} ELSE jobs.{c} END"
                for c in _CONTENT_COLUMNS
            ),
        ]
    )
    + " FROM _day_jobs AS d WHERE jobs.job_id = d.job_id"
)
_JOBS_NEW = (
    "INSERT INTO jobs BY NAME SELECT * EXCLUDE (chunk) FROM _day_jobs AS d "
    "WHERE NOT EXISTS (SELECT 1 FROM jobs WHERE jobs.job_id = d.job_id)"
)
# Within a day the later sighting of a posting wins: a chunk keeps its last row per job id (in
# Python), and across chunks the latest chunk's row is kept.
_DAY_DUPLICATES = (
    "DELETE FROM _day_jobs AS d USING (SELECT job_id, max(chunk) AS last FROM _day_jobs "
    "GROUP BY job_id HAVING count(*) > 1) AS dup WHERE d.job_id = dup.job_id AND d.chunk < dup.last"
)
_PREVIEW_SQL = (
    "SELECT j.job_id, j.title, j.company, j.location, j.compensation, j.first_seen "
    "FROM job_sightings AS s JOIN jobs AS j USING (job_id) WHERE s.scrape_date = ? "
    "ORDER BY j.first_seen DESC, j.job_id LIMIT ?"
)


@dataclass(frozen=True)
class JobRow:
    """One row of ``jobs``."""

    job_id: str
    source: str
    source_id: str | None
    url: str | None
    title: str
    company: str | None
    location: str | None
    compensation: str | None
    description: str
    posted_date: str | None
    content_fingerprint: str
    source_file: str | None
    source_line: int | None
    first_seen: date
    last_seen: date
    job_json: str  # the dict the engine builds requests from, as JSON


@dataclass(frozen=True)
class RejectionRow:
    """One row of ``rejected_jobs``: a row, region (``line`` set) or file (``line`` None) refused."""

    scrape_date: date
    file: str
    line: int | None
    reason_code: str
    reason: str
    raw: str | None
    byte_offset: int | None = None


@dataclass(frozen=True)
class ScrapeDayQuality:
    """A loaded day's postings and rejections, as the warehouse holds them, and the one rejection
    rate the asset's metadata and its check both report."""

    postings: int  # distinct postings sighted on the day (duplicates merged)
    rejected_rows: int  # rows and corrupt regions refused
    rejected_files: int  # files refused whole (unreadable, empty, outside incoming/, ...)

    @property
    def rejections(self) -> int:
        return self.rejected_rows + self.rejected_files

    @property
    def rejection_rate(self) -> float:
        """Refused units (rows, regions, whole files) over everything the day offered: a refused
        file counts as one, so a day whose only file is unreadable has a rate of 1."""
        total = self.rejections + self.postings
        return self.rejections / total if total else 0.0


@dataclass(frozen=True)
class ScrapeDayLoad:
    """What loading one scrape day did."""

    postings: int
    new_postings: int
    seen_before: int
    rejections: int
    quality: ScrapeDayQuality


def job_row(posting: Mapping[str, Any], job: Mapping[str, Any], day: date) -> JobRow:
    """A ``jobs`` row from a posting's fields and the job dict the engine reads."""
    # Positional, in JobRow's field order: this runs for every posting of a day.
    return JobRow(
        posting["job_id"],
        *map(posting.get, _CONTENT_COLUMNS[:-1]),
        day,
        day,
        _job_json(dict(job)),
    )


def _job_json(job: dict[str, Any]) -> str:
    """The job dict as JSON text: orjson, many times faster than json on every posting of a day;
    json for what orjson refuses (integers past 64 bits)."""
    try:
        return orjson.dumps(job, default=str).decode()
    except orjson.JSONEncodeError:
        return json.dumps(job, ensure_ascii=False, default=str)


# DuckDB keeps written blocks cached up to 80% of RAM by default; a scrape day is loaded under this
# cap instead, so its peak memory stays flat however big the day is (blocks are spilled, not kept).
# At 256 MB a 300,000-row day peaked at about 600 MB of growth, the most a day may take; at 192 MB,
# about 530 MB.
LOAD_MEMORY_LIMIT = "192MB"
_STAGING_DDL = (
    "CREATE OR REPLACE TEMP TABLE _day_jobs AS SELECT *, 0 AS chunk FROM jobs LIMIT 0",
    "CREATE OR REPLACE TEMP TABLE _day_rejections AS SELECT * FROM rejected_jobs LIMIT 0",
)


def load_scrape_day_chunks(
    con: duckdb.DuckDBPyConnection,
    day: date,
    chunks: Iterable[tuple[Sequence[JobRow], Sequence[RejectionRow]]],
) -> ScrapeDayLoad:
    """Load a day from chunks of rows (postings, rejections), in bounded memory.

    Chunks are appended to temporary tables as they come (plain appends, the cheapest write DuckDB
    has, spilled to disk under :data:`LOAD_MEMORY_LIMIT`). At the end the day is merged set-based in
    one transaction: the later row of a posting wins, postings already known are updated and new
    ones inserted, and the day's sightings and rejections replaced. Until then the warehouse shows
    what it showed before, and a failed load leaves it so (re-running it is idempotent).
    """
    with memory_limit(con, LOAD_MEMORY_LIMIT):
        try:
            for ddl in _STAGING_DDL:
                con.execute(ddl)
            for number, (jobs, rejections) in enumerate(chunks):
                latest = list({row.job_id: row for row in jobs}.values())
                insert_records(con, "_day_jobs", latest, constants={"chunk": number})
                insert_records(con, "_day_rejections", rejections)
            con.execute(_DAY_DUPLICATES)
            with transaction(con):
                con.execute(_JOBS_MERGE)
                con.execute(_JOBS_NEW)
                con.execute("DELETE FROM job_sightings WHERE scrape_date = ?", [day])
                con.execute("DELETE FROM rejected_jobs WHERE scrape_date = ?", [day])
                con.execute(
                    "INSERT INTO job_sightings SELECT ?, job_id, content_fingerprint FROM _day_jobs",
                    [day],
                )
                con.execute("INSERT INTO rejected_jobs BY NAME SELECT * FROM _day_rejections")
        finally:
            con.execute("DROP TABLE IF EXISTS _day_jobs")
            con.execute("DROP TABLE IF EXISTS _day_rejections")
    # new = first seen on this day, so re-reading a day reports the same numbers again
    postings, new = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE j.first_seen = ?) "
        "FROM job_sightings AS s JOIN jobs AS j USING (job_id) WHERE s.scrape_date = ?",
        [day, day],
    ).fetchone()  # type: ignore[misc]
    quality = scrape_day_quality(con, day)
    return ScrapeDayLoad(postings, new, postings - new, quality.rejections, quality)


def load_scrape_day(
    con: duckdb.DuckDBPyConnection,
    day: date,
    jobs: Sequence[JobRow],
    rejections: Sequence[RejectionRow],
) -> ScrapeDayLoad:
    """Load a whole day at once (rows from :func:`job_row`): for a day already in memory."""
    return load_scrape_day_chunks(con, day, [(jobs, rejections)])


def scrape_day_quality(con: duckdb.DuckDBPyConnection, day: date) -> ScrapeDayQuality:
    """The day's postings and rejections as loaded (see :attr:`ScrapeDayQuality.rejection_rate`)."""
    postings, rows, files = con.execute(
        "SELECT (SELECT count(*) FROM job_sightings WHERE scrape_date = $day), "
        "count(*) FILTER (WHERE line IS NOT NULL), count(*) FILTER (WHERE line IS NULL) "
        "FROM rejected_jobs WHERE scrape_date = $day",
        {"day": day},
    ).fetchone()  # type: ignore[misc]
    return ScrapeDayQuality(postings, rows, files)


def rejection_reasons(
    con: duckdb.DuckDBPyConnection, day: date, limit: int = 10
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """The day's most frequent rejection codes, with an example message: (columns, rows)."""
    cursor = con.execute(
        "SELECT reason_code, count(*) AS n, any_value(reason) AS example FROM rejected_jobs "
        "WHERE scrape_date = ? GROUP BY reason_code ORDER BY n DESC, reason_code LIMIT ?",
        [day, limit],
    )
    return [d[0] for d in cursor.description], cursor.fetchall()


def scrape_day_preview(
    con: duckdb.DuckDBPyConnection, day: date, limit: int = 10
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """The newest postings sighted on the day: (columns, rows) for a preview table."""
    cursor = con.execute(_PREVIEW_SQL, [day, limit])
    return [d[0] for d in cursor.description], cursor.fetchall()


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

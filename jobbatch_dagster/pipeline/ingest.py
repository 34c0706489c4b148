"""Ingesting one scrape day: every file in ``<incoming>/<day>/`` read, validated and loaded.

The day is streamed: rows are read one at a time and staged in the warehouse in chunks of
:data:`CHUNK_ROWS`, so peak memory does not grow with the day's size; the day is merged into
``jobs``, ``job_sightings`` and ``rejected_jobs`` in one transaction at the end, so a failed load
leaves the warehouse as it was.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

import duckdb

from jobbatch_dagster.settings import Settings
from jobbatch_dagster.sources import DayCounts, Posting, SourceRejection, scan_day
from jobbatch_dagster.warehouse.loads import (
    JobRow,
    RejectionRow,
    ScrapeDayLoad,
    job_row,
    load_scrape_day_chunks,
    rejection_reasons,
    scrape_day_preview,
)

CHUNK_ROWS: Final = (
    5_000  # rows per warehouse write: large enough to be fast, small enough to stay lean
)


@dataclass(frozen=True)
class IngestResult:
    """What ingesting a day read and loaded; ``load.quality`` holds the day's one rejection rate."""

    day: date
    counts: DayCounts
    load: ScrapeDayLoad
    reasons: tuple[list[str], list[tuple[Any, ...]]] = field(default=([], []))
    preview: tuple[list[str], list[tuple[Any, ...]]] = field(default=([], []))

    @property
    def rejection_rate(self) -> float:
        return self.load.quality.rejection_rate


def rejection_row(day: date, rejection: SourceRejection) -> RejectionRow:
    return RejectionRow(
        scrape_date=day,
        file=rejection.file,
        line=rejection.line,
        reason_code=rejection.code,
        reason=rejection.reason,
        raw=rejection.raw or None,
        byte_offset=rejection.offset,
    )


def posting_row(day: date, posting: Posting) -> JobRow:
    return job_row(vars(posting), posting.to_job_dict(), day)


def ingest_day(settings: Settings, con: duckdb.DuckDBPyConnection, day: date) -> IngestResult:
    """Read ``<incoming>/<day>/`` and replace the day's postings and rejections in the warehouse."""
    counts = DayCounts()
    rows = scan_day(settings.incoming_dir, day.isoformat(), counts, fields=settings.field_map)
    load = load_scrape_day_chunks(con, day, _chunks(day, rows))
    return IngestResult(
        day, counts, load, rejection_reasons(con, day), scrape_day_preview(con, day)
    )


def _chunks(
    day: date, rows: Iterator[Posting | SourceRejection]
) -> Iterator[tuple[list[JobRow], list[RejectionRow]]]:
    """The day's rows as warehouse rows, :data:`CHUNK_ROWS` at a time."""
    jobs: list[JobRow] = []
    rejections: list[RejectionRow] = []
    for row in rows:
        if isinstance(row, SourceRejection):
            rejections.append(rejection_row(day, row))
        else:
            jobs.append(posting_row(day, row))
        if len(jobs) + len(rejections) >= CHUNK_ROWS:
            yield jobs, rejections
            jobs, rejections = [], []
    yield jobs, rejections

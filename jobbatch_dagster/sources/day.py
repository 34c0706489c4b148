"""One scrape day: every file the scrapers dropped in ``<incoming>/<YYYY-MM-DD>/``, read together.

Within a day the same posting often appears twice (two search pages, two scraper runs). It is kept
once, with the content of its last occurrence (files in name order, rows in file order), because the
last scrape is the freshest; how many were merged is reported so a jump is visible.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from jobbatch_dagster.sources.posting import Posting, SourceRejection
from jobbatch_dagster.sources.readers import read_file

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass
class DayRead:
    """What one day's files held: postings (merged by job id), rejections, and the counts behind them."""

    postings: list[Posting] = field(default_factory=list)
    rejections: list[SourceRejection] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # "<day>/<file name>", in reading order
    rows_read: int = 0  # rows seen in readable files: postings before merging plus rejected rows
    duplicates_merged: int = 0  # postings dropped because a later row had the same job id

    @property
    def rejected_rows(self) -> int:
        """Rejections of single rows; whole-file rejections are not rows."""
        return sum(1 for rejection in self.rejections if rejection.line is not None)


def day_files(incoming_dir: Path, day: str) -> list[Path]:
    """The files of one day in name order; hidden files (``.DS_Store``, editors' swap files) are skipped."""
    folder = incoming_dir / day
    if not folder.is_dir():
        return []
    return sorted(
        (path for path in folder.iterdir() if path.is_file() and not path.name.startswith(".")),
        key=lambda path: path.name,
    )


def read_day(incoming_dir: Path, day: str) -> DayRead:
    """Read, validate and merge one day's scraper output. A missing folder is an empty day.

    ``day`` must be ``YYYY-MM-DD`` (a Dagster daily partition key); anything else is a programming
    error and raises ValueError rather than silently reading nothing.
    """
    if not _DAY.fullmatch(day):
        raise ValueError(f"scrape day {day!r} is not a date written YYYY-MM-DD")
    date.fromisoformat(day)  # and a real one: 2026-02-30 raises
    result = DayRead()
    by_id: dict[str, Posting] = {}
    for path in day_files(incoming_dir, day):
        name = f"{day}/{path.name}"
        result.files.append(name)
        for row in read_file(path, name=name):
            if isinstance(row, SourceRejection):
                result.rejections.append(row)
                if row.line is not None:  # a whole-file rejection is not a row
                    result.rows_read += 1
                continue
            result.rows_read += 1
            if row.job_id in by_id:
                result.duplicates_merged += 1
            by_id[row.job_id] = row  # the last occurrence wins; the first one's position is kept
    result.postings = list(by_id.values())
    return result

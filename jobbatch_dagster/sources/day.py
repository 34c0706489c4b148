"""One scrape day: every file the scrapers dropped in ``<incoming>/<YYYY-MM-DD>/``, read together.

Only what is inside the incoming folder is read: a symlink leading out of it (or to nothing), a
folder, a device, pipe or socket is a rejection naming the entry, never followed or opened.

Within a day the same posting often appears twice (two search pages, two scraper runs). It is kept
once, with the content of its last occurrence (files in name order, rows in file order), because the
last scrape is the freshest; how many were merged is reported so a jump is visible.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from jobbatch_dagster.sources.fields import DEFAULT_FIELDS, FieldMap
from jobbatch_dagster.sources.posting import Posting, SourceRejection
from jobbatch_dagster.sources.readers import read_file
from jobbatch_dagster.sources.rows import FileContext, Row

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass
class DayCounts:
    """What reading a day saw, filled in while its rows stream past."""

    files: list[str] = field(default_factory=list)  # "<day>/<file name>", in reading order
    rows_read: int = 0  # rows and corrupt regions seen: postings before merging plus rejected rows
    duplicates_merged: int = 0  # postings dropped because a later row had the same job id
    rejected_rows: int = 0  # rejections of one row or region (``line`` set)
    rejected_files: int = 0  # whole-file rejections (``line`` None)
    warnings: list[str] = field(default_factory=list)  # for a person: guessed encodings, ...


@dataclass
class DayRead(DayCounts):
    """A day read whole into memory (postings merged by job id): for tests, the CLI and notebooks.
    The pipeline streams the same rows with :func:`scan_day` instead."""

    postings: list[Posting] = field(default_factory=list)
    rejections: list[SourceRejection] = field(default_factory=list)


def day_entries(incoming_dir: Path, day: str) -> Iterator[tuple[str, Path | SourceRejection]]:
    """Each entry of a day's folder in name order, as a file to read or the reason it is not read.

    Hidden files (``.DS_Store``, editors' swap files) are skipped without a trace.
    """
    root = incoming_dir.resolve()
    folder = incoming_dir / day
    if not folder.is_dir():
        return
    if not folder.resolve().is_relative_to(root):
        ctx = FileContext(day, day)
        yield day, ctx.rejection(None, "symlink_outside", _OUTSIDE)
        return
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        if entry.name.startswith("."):
            continue
        name = f"{day}/{entry.name}"
        ctx = FileContext(name, entry.name)
        if entry.is_symlink():
            try:
                target = Path(entry.path).resolve(strict=True)
            except (OSError, RuntimeError):
                yield name, ctx.rejection(None, "broken_symlink", _BROKEN)
                continue
            if not target.is_relative_to(root):
                yield name, ctx.rejection(None, "symlink_outside", _OUTSIDE)
                continue
            yield name, target
        elif entry.is_dir(follow_symlinks=False):
            yield name, ctx.rejection(None, "unsupported_file", _FOLDER)
        else:
            yield name, Path(entry.path)


_OUTSIDE = (
    "a symlink that leads outside the incoming folder: not followed; copy the file in instead"
)
_BROKEN = "a symlink to a file that does not exist: remove it, or copy the file in instead"
_FOLDER = "a folder inside the day's folder: not read; put the scraper's files directly in the day"


def scan_day(
    incoming_dir: Path, day: str, counts: DayCounts, *, fields: FieldMap = DEFAULT_FIELDS
) -> Iterator[Row]:
    """Every posting and rejection of one day, streamed in file order; ``counts`` is filled in.

    ``day`` must be ``YYYY-MM-DD`` (a Dagster daily partition key); anything else is a programming
    error and raises ValueError rather than silently reading nothing. A missing folder is an empty day.
    """
    if not _DAY.fullmatch(day):
        raise ValueError(f"scrape day {day!r} is not a date written YYYY-MM-DD")
    date.fromisoformat(day)  # and a real one: 2026-02-30 raises
    seen: set[str] = set()
    for name, entry in day_entries(incoming_dir, day):
        counts.files.append(name)
        rows = (
            iter([entry])
            if isinstance(entry, SourceRejection)
            else read_file(entry, name=name, fields=fields, warnings=counts.warnings)
        )
        for row in rows:
            if isinstance(row, SourceRejection):
                if row.line is None:
                    counts.rejected_files += 1
                else:
                    counts.rejected_rows += 1
                    counts.rows_read += 1
            else:
                counts.rows_read += 1
                if row.job_id in seen:
                    counts.duplicates_merged += 1
                seen.add(row.job_id)
            yield row


def read_day(incoming_dir: Path, day: str, *, fields: FieldMap = DEFAULT_FIELDS) -> DayRead:
    """Read, validate and merge one day's scraper output into memory (see :func:`scan_day`)."""
    result = DayRead()
    by_id: dict[str, Posting] = {}
    for row in scan_day(incoming_dir, day, result, fields=fields):
        if isinstance(row, SourceRejection):
            result.rejections.append(row)
        else:
            by_id[row.job_id] = row  # the last occurrence wins; the first one's position is kept
    result.postings = list(by_id.values())
    return result

"""Reading scraper output: JSON arrays, JSON Lines and CSV files in the ``scrape_results`` shape.

Plain Python, no Dagster: ``read_day(Path("data/incoming"), "2026-11-18")`` gives the day's
validated, normalised, de-duplicated postings and a rejection (file, line, reason, raw text) for
every row that could not be used.
"""

from jobbatch_dagster.sources.dates import parse_posted_date
from jobbatch_dagster.sources.day import DayRead, day_files, read_day
from jobbatch_dagster.sources.identity import content_fingerprint, stable_job_id
from jobbatch_dagster.sources.posting import (
    FIELD_ALIASES,
    InvalidPosting,
    Posting,
    SourceRejection,
    normalize_posting,
)
from jobbatch_dagster.sources.readers import SUPPORTED_SUFFIXES, read_file
from jobbatch_dagster.sources.text import html_to_text, normalize_whitespace
from jobbatch_dagster.sources.urls import canonical_url, site_of

__all__ = [
    "FIELD_ALIASES",
    "SUPPORTED_SUFFIXES",
    "DayRead",
    "InvalidPosting",
    "Posting",
    "SourceRejection",
    "canonical_url",
    "content_fingerprint",
    "day_files",
    "html_to_text",
    "normalize_posting",
    "normalize_whitespace",
    "parse_posted_date",
    "read_day",
    "read_file",
    "site_of",
    "stable_job_id",
]

"""Reading scraper output: JSON arrays, JSON Lines and CSV files in the ``scrape_results`` shape.

Plain Python, no Dagster::

    from pathlib import Path
    from jobbatch_dagster.sources import read_day

    day = read_day(Path("data/incoming"), "2026-11-18")
    jobs = [posting.to_job_dict() for posting in day.postings]  # what the engine takes
    for rejection in day.rejections:
        print(rejection.file, rejection.line, rejection.reason)

The input contract, for whoever writes a scraper:

- Files go in ``<incoming>/<YYYY-MM-DD>/``: ``.json`` (an array of objects), ``.jsonl`` / ``.ndjson``
  (one object per line) or ``.csv`` (header row), UTF-8 (a BOM is fine). Hidden files are skipped;
  any other file is rejected whole, as is a file that is not UTF-8 or a JSON array that does not
  parse. Prefer JSONL: a broken line costs that line only.
- Each row: ``title`` and ``description`` (text or HTML) are required; ``url``, ``company``,
  ``location``, ``compensation``, ``posted_date`` and ``id`` are optional (other spellings accepted:
  see ``FIELD_ALIASES``). ``id`` and ``compensation`` may be numbers; every other value must be text.
- A posting's ``job_id`` is ``<site>:<id>`` when the row has an id, else ``<site>:url-<hash>`` of its
  canonical URL, else ``<file stem>:content-<hash>``; ``<site>`` comes from the URL's host
  (``sfbay.craigslist.org`` -> ``craigslist``). Keep ids stable across days so reposts are recognised.
- Its ``content_fingerprint`` covers title, company, location, compensation and description,
  ignoring case, spacing and markup: the same words under a new id still match.
- Descriptions are kept whole; cutting them to ``limits.max_description_chars`` is the engine's job,
  when it builds a request, so the warehouse keeps what the scraper saw.
"""

from jobbatch_dagster.sources.dates import parse_posted_date
from jobbatch_dagster.sources.day import DayCounts, DayRead, day_entries, read_day, scan_day
from jobbatch_dagster.sources.fields import (
    DEFAULT_FIELDS,
    FIELD_ALIASES,
    REQUIRED_FIELDS,
    FieldMap,
    fold_key,
)
from jobbatch_dagster.sources.identity import content_fingerprint, stable_job_id
from jobbatch_dagster.sources.posting import (
    InvalidPosting,
    Posting,
    SourceRejection,
    normalize_posting,
)
from jobbatch_dagster.sources.readers import SUPPORTED_SUFFIXES, read_file
from jobbatch_dagster.sources.text import (
    TRUNCATION_MARKER,
    html_to_text,
    normalize_whitespace,
    truncate,
)
from jobbatch_dagster.sources.urls import canonical_url, site_of

__all__ = [
    "DEFAULT_FIELDS",
    "FIELD_ALIASES",
    "REQUIRED_FIELDS",
    "SUPPORTED_SUFFIXES",
    "TRUNCATION_MARKER",
    "DayCounts",
    "DayRead",
    "FieldMap",
    "InvalidPosting",
    "Posting",
    "SourceRejection",
    "canonical_url",
    "content_fingerprint",
    "day_entries",
    "fold_key",
    "html_to_text",
    "normalize_posting",
    "normalize_whitespace",
    "parse_posted_date",
    "read_day",
    "read_file",
    "scan_day",
    "site_of",
    "stable_job_id",
    "truncate",
]

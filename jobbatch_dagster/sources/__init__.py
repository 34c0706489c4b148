"""Reading scraper output: JSON in every shape scrapers write, JSON Lines and CSV.

Plain Python, no Dagster::

    from pathlib import Path
    from jobbatch_dagster.sources import read_day

    day = read_day(Path("data/incoming"), "2026-11-18")
    jobs = [posting.to_job_dict() for posting in day.postings]  # what the engine takes
    for rejection in day.rejections:
        print(rejection.file, rejection.line, rejection.code, rejection.reason)

The input contract, for whoever writes a scraper:

- Files go in ``<incoming>/<YYYY-MM-DD>/``: ``.json``, ``.jsonl`` / ``.ndjson`` (arrays, wrapper
  objects, one object per line, concatenated values: see ``json_files``) or ``.csv`` (header row;
  ``,``, ``;`` or tab). UTF-8 (BOM or not), UTF-16/32 with a BOM; a CSV that is not UTF-8 is read as
  Windows-1252 with a warning. Hidden files are skipped; other entries (other extensions, folders,
  devices, empty files, symlinks leaving the folder) are each one rejection. A corrupt row or region
  costs only itself.
- Each row: ``title`` and ``description`` (text or HTML) are required; ``url``, ``company``,
  ``location``, ``compensation``, ``posted_date``, ``employment_type`` and ``id`` are optional,
  under any spelling in ``FIELD_ALIASES`` (case, spaces, dashes, underscores ignored) or the user's
  ``[sources.fields]``; other keys are kept in ``Posting.extra``. ``id`` and ``compensation`` may
  be numbers; every other field must be text. Titles over 300 characters are cut with a marker.
- A posting's ``job_id`` is ``<site>:<id>`` when the row has an id, else ``<site>:url-<hash>`` of its
  canonical URL, else ``<file stem>:content-<hash>``; ``<site>`` comes from the URL's host
  (``sfbay.craigslist.org`` -> ``craigslist``). Keep ids stable across days so reposts are recognised.
- Its ``content_fingerprint`` covers title, company, location, compensation and description,
  ignoring case, spacing and markup: the same words under a new id still match.
- The engine (``batch/requests.py``) takes ``REQUIRED_FIELDS`` and the text normalisation from here.
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

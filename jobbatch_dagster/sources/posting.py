"""One scraped row turned into a validated, normalised :class:`Posting`, or a reason it cannot be.

The row shape is the original system's ``scrape_results`` job dict: ``title`` and ``description``
required; ``url``, ``company``, ``location``, ``compensation``, ``posted_date`` and ``id`` optional.
A few spellings other scrapers use (``salary``, ``link``, ``date_posted``, ...) are accepted too, so a
new scraper does not have to be rewritten before its first night; the canonical key wins when both
are present.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jobbatch_dagster.sources.dates import parse_posted_date
from jobbatch_dagster.sources.identity import content_fingerprint, slug, stable_job_id
from jobbatch_dagster.sources.text import clean_text, normalize_whitespace
from jobbatch_dagster.sources.urls import canonical_url, site_of

FIELD_ALIASES: Mapping[str, tuple[str, ...]] = {
    "id": ("id", "post_id", "posting_id"),
    "title": ("title",),
    "description": ("description", "body"),
    "url": ("url", "link"),
    "company": ("company", "employer"),
    "location": ("location", "city"),
    "compensation": ("compensation", "salary", "pay"),
    "posted_date": ("posted_date", "date_posted", "posted", "date"),
}
REQUIRED_FIELDS = ("title", "description")
_NUMBER_OK = frozenset({"id", "compensation"})  # scrapers often emit these as bare numbers
_MAX_SOURCE_ID_CHARS = 200


class InvalidPosting(ValueError):
    """A row that cannot become a posting; the message is the reason shown to the user."""


@dataclass(frozen=True)
class Posting:
    """A validated, normalised job posting as read from one scraper file."""

    job_id: str
    source: str
    source_id: str | None
    url: str | None
    title: str
    company: str | None
    location: str | None
    compensation: str | None
    description: str
    posted_date: str | None  # ISO YYYY-MM-DD when the scraper's date could be parsed, else None
    content_fingerprint: str
    source_file: str
    source_line: int

    def to_job_dict(self) -> dict[str, str | None]:
        """The ``scrape_results``-shaped dict the engine takes, with every key always present."""
        return {
            "id": self.job_id,
            "title": self.title,
            "description": self.description,
            "url": self.url,
            "company": self.company,
            "location": self.location,
            "compensation": self.compensation,
            "posted_date": self.posted_date,
        }


@dataclass(frozen=True)
class SourceRejection:
    """A row (``line`` set) or a whole file (``line`` None) that could not be read, and why."""

    file: str
    line: int | None
    reason: str
    raw: str


def type_name(value: object) -> str:
    """A JSON-ish name for a value's type, as a user who wrote the file would call it."""
    return {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}.get(
        type(value), type(value).__name__
    )


def _field(raw: Mapping[str, Any], name: str) -> str | None:
    """The row's value for ``name`` (under any accepted key) as a string, None when absent or blank."""
    for key in FIELD_ALIASES[name]:
        value = raw.get(key)
        if value is None or value == "":
            continue
        if isinstance(value, str):
            return value if value.strip() else None
        if name in _NUMBER_OK and isinstance(value, int | float) and not isinstance(value, bool):
            if not math.isfinite(value):
                raise InvalidPosting(f"{key} is not a number we can use (got {value})")
            return str(value)
        raise InvalidPosting(f"{key} is not a string (got {type_name(value)})")
    return None


def _text(raw: Mapping[str, Any], name: str, *, multiline: bool = False) -> str | None:
    value = _field(raw, name)
    if value is None:
        return None
    return clean_text(value, multiline=multiline) or None  # markup-only text is no text


def normalize_posting(
    raw: Mapping[str, Any], *, source_file: str, line: int, source: str
) -> Posting:
    """Validate and normalise one scraped row; raises :class:`InvalidPosting` with the reason.

    ``source`` names the site when the row has no URL (the file's stem); with a URL, the site is
    taken from its host (``sfbay.craigslist.org`` -> ``craigslist``).
    """
    if not raw:
        raise InvalidPosting("empty row (no fields)")
    title = _text(raw, "title")
    description = _text(raw, "description", multiline=True)
    if title is None:
        raise InvalidPosting("missing title")
    if description is None:
        raise InvalidPosting("missing description")
    url = _field(raw, "url")
    if url is not None:
        try:
            url = canonical_url(url)
        except ValueError as exc:
            raise InvalidPosting(str(exc)) from exc
        source = site_of(url)
    source_id = _field(raw, "id")
    if source_id is not None:
        source_id = normalize_whitespace(source_id)[:_MAX_SOURCE_ID_CHARS] or None
    company = _text(raw, "company")
    location = _text(raw, "location")
    compensation = _text(raw, "compensation")
    posted = _field(raw, "posted_date")
    source = slug(source)
    return Posting(
        job_id=stable_job_id(
            source=source,
            source_id=source_id,
            url=url,
            title=title,
            company=company,
            description=description,
        ),
        source=source,
        source_id=source_id,
        url=url,
        title=title,
        company=company,
        location=location,
        compensation=compensation,
        description=description,
        posted_date=parse_posted_date(posted) if posted else None,
        content_fingerprint=content_fingerprint(
            title=title,
            company=company,
            location=location,
            compensation=compensation,
            description=description,
        ),
        source_file=source_file,
        source_line=line,
    )

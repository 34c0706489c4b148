"""One scraped row turned into a validated, normalised :class:`Posting`, or a reason it cannot be.

The row shape is the original system's ``scrape_results`` job dict: ``title`` and ``description``
required; ``url``, ``company``, ``location``, ``compensation``, ``posted_date``, ``employment_type``
and ``id`` optional, under any of the names in :data:`~jobbatch_dagster.sources.fields.FIELD_ALIASES`
(case, spaces, dashes and underscores ignored). Keys that are no field's name are kept in
``Posting.extra``, so nothing the scraper wrote is dropped.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from jobbatch_dagster.sources.dates import parse_posted_date
from jobbatch_dagster.sources.fields import DEFAULT_FIELDS, FieldMap
from jobbatch_dagster.sources.identity import content_fingerprint, slug, stable_job_id
from jobbatch_dagster.sources.text import clean_text, normalize_whitespace, truncate
from jobbatch_dagster.sources.urls import canonical_url, site_of

_NUMBER_OK = frozenset({"id", "compensation"})  # scrapers often emit these as bare numbers
_MAX_SOURCE_ID_CHARS = 200
MAX_TITLE_CHARS = 300  # a title longer than this is a scraper putting the page in the wrong field


class InvalidPosting(ValueError):
    """A row that cannot become a posting; the message is the reason shown to the user."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code


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
    employment_type: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)  # the row's keys that are no field

    def to_job_dict(self) -> dict[str, Any]:
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
        } | self._more()

    def _more(self) -> dict[str, Any]:
        """Keys only some rows have: left out when empty so most job dicts stay the seed's shape."""
        more: dict[str, Any] = {}
        if self.employment_type:
            more["employment_type"] = self.employment_type
        if self.extra:
            more["extra"] = dict(self.extra)
        return more


@dataclass(frozen=True)
class SourceRejection:
    """A row or region (``line`` set) or a whole file (``line`` None) that could not be read, and why.

    ``code`` is stable (``invalid_json``, ``missing_title``, ``symlink_outside``, ...) for grouping;
    ``reason`` is the message for a person, naming what to do. ``offset`` is the byte offset of the
    row or region in its file, when known.
    """

    file: str
    line: int | None
    code: str
    reason: str
    raw: str = ""
    offset: int | None = None


def type_name(value: object) -> str:
    """A JSON-ish name for a value's type, as a user who wrote the file would call it."""
    return {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}.get(
        type(value), type(value).__name__
    )


def _value(name: str, key: str, value: Any) -> str:
    """A field's value as a string; numbers only where scrapers write them as numbers."""
    if isinstance(value, str):
        return value
    if name in _NUMBER_OK and isinstance(value, int | float) and not isinstance(value, bool):
        if isinstance(value, float) and not math.isfinite(value):
            raise InvalidPosting("invalid_value", f"{key} is not a number we can use (got {value})")
        return str(value)
    raise InvalidPosting("wrong_type", f"{key} is not a string (got {type_name(value)})")


def _storable(value: Any) -> Any:
    """``value`` with NaN and infinities (which JSON cannot hold) as None, so the row can be stored."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, list):
        return [_storable(v) for v in value]
    if isinstance(value, dict):
        return {k: _storable(v) for k, v in value.items()}
    return value


def normalize_posting(
    raw: Mapping[str, Any],
    *,
    source_file: str,
    line: int,
    source: str,
    fields: FieldMap = DEFAULT_FIELDS,
) -> Posting:
    """Validate and normalise one scraped row; raises :class:`InvalidPosting` with code and reason.

    ``source`` names the site when the row has no URL (the file's stem); with a URL, the site is
    taken from its host (``sfbay.craigslist.org`` -> ``craigslist``).
    """
    if not raw:
        raise InvalidPosting("empty_row", "empty row (no fields)")
    found, extra = fields.split(raw)
    values = {
        name: value if type(value) is str else _value(name, key, value)
        for name, (key, value) in found.items()
    }

    def text(name: str, *, multiline: bool = False) -> str | None:
        value = values.get(name)
        return clean_text(value, multiline=multiline) or None if value else None

    title = text("title")
    description = text("description", multiline=True)
    if title is None:
        raise InvalidPosting("missing_title", "missing title")
    if description is None:
        raise InvalidPosting("missing_description", "missing description")
    title = truncate(title, MAX_TITLE_CHARS)[0]
    url = values.get("url")
    if url is not None:
        try:
            url = canonical_url(url)
        except ValueError as exc:
            raise InvalidPosting("invalid_url", str(exc)) from exc
        source = site_of(url)
    source_id = values.get("id")
    if source_id is not None:
        source_id = normalize_whitespace(source_id)[:_MAX_SOURCE_ID_CHARS] or None
    company, location, compensation = text("company"), text("location"), text("compensation")
    posted = values.get("posted_date")
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
        employment_type=text("employment_type"),
        extra=_storable(extra) if extra else extra,
    )

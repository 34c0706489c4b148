"""Scraper dates in the many spellings sites use, read as ISO ``YYYY-MM-DD``.

A date we cannot read is not worth rejecting a posting over (the model does not need it), so the
parser returns None instead of raising.
"""

from __future__ import annotations

import functools
import re
from datetime import date, datetime

_ISO_PREFIX = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:$|[T\s])")
_FORMATS = (
    "%Y/%m/%d",
    "%m/%d/%Y",
    "%m/%d/%y",
    "%b %d, %Y",
    "%B %d, %Y",
    "%b %d %Y",
    "%B %d %Y",
    "%d %b %Y",
    "%d %B %Y",
    "%a, %d %b %Y",
)


@functools.lru_cache(maxsize=4096)  # a scrape day's rows share a few dates, written a few ways
def parse_posted_date(text: str) -> str | None:
    """``2026-11-18T09:30:00-08:00``, ``11/18/2026``, ``Nov 18, 2026`` ... -> ``2026-11-18``.

    The date is taken as written (no time-zone shift): it is the day the site showed.
    """
    text = " ".join(text.split())
    match = _ISO_PREFIX.match(text)
    if match:
        try:
            return date(*map(int, match.groups())).isoformat()
        except ValueError:
            return None
    head = text.split(" ")
    for fmt in _FORMATS:
        words = fmt.count(" ") + 1
        try:
            return datetime.strptime(" ".join(head[:words]), fmt).date().isoformat()
        except ValueError:
            continue
    return None

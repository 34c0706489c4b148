"""Who a posting is (its stable id) and what it says (its content fingerprint).

The id follows a posting across days, so a repost updates ``last_seen`` instead of adding a row.
The fingerprint covers only what the model reads, so a posting reposted under a new id with the same
words has the same fingerprint and the engine reuses the answer instead of paying again.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata

_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_ID_HASH_CHARS = 20  # 80 bits: collisions are out of reach for any number of postings we will see


def _digest(*parts: str | None) -> str:
    # Each part is followed by the unit separator, so ("ab", "c") and ("a", "bc") hash differently;
    # one joined update hashes the same bytes as one update per part, in one call.
    joined = "\x1f".join([part or "" for part in parts]) + "\x1f"
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()


def fold(text: str | None) -> str:
    """The comparison form of a field: unicode-compatible, case-folded, whitespace collapsed."""
    if not text:
        return ""
    if text.isascii():  # NFKC changes no ASCII text, and casefold is lower() there
        # Stored text is mostly one line already collapsed: then splitting and joining would
        # rebuild the same string, and C-speed scans show it.
        if text.isprintable() and "  " not in text and text[0] != " " and text[-1] != " ":
            return text.lower()
        return " ".join(text.lower().split())
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


@functools.lru_cache(maxsize=1024)  # a day has a handful of sites and file stems
def slug(text: str) -> str:
    """A short lower-case name safe inside ids: ``Craigslist SF`` -> ``craigslist-sf``."""
    return _NOT_SLUG.sub("-", text.lower()).strip("-") or "unknown"


def content_fingerprint(
    *,
    title: str,
    company: str | None,
    location: str | None,
    compensation: str | None,
    description: str,
) -> str:
    """sha256 (hex) of the fields a model reads, insensitive to case and whitespace.

    URL, id and dates are left out on purpose: they change on a repost while the answer would not.
    """
    return _digest(
        fold(title), fold(company), fold(location), fold(compensation), fold(description)
    )


def stable_job_id(
    *,
    source: str,
    source_id: str | None,
    url: str | None,
    title: str,
    company: str | None,
    description: str,
) -> str:
    """``<source>:<source id>``; else ``<source>:url-<hash of canonical URL>``; else a content hash.

    ``url`` must already be canonical. The content form (``<source>:content-<hash>``) covers title,
    company and description, for scrapers that give neither an id nor a URL.
    """
    source = slug(source)
    if source_id:
        return f"{source}:{source_id}"
    if url:
        return f"{source}:url-{_digest(url)[:_ID_HASH_CHARS]}"
    return f"{source}:content-{_digest(fold(title), fold(company), fold(description))[:_ID_HASH_CHARS]}"

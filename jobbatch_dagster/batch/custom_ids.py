"""Descriptive, unique custom ids for request lines.

The guide's advice (``job-<id>-<title>``) makes a result line readable on its own, but scraped ids
and titles contain anything: spaces, slashes, quotes, emoji, thousands of characters, duplicates.
A custom id here is ``job-<id>-<slug>`` restricted to ``[A-Za-z0-9_-]`` and at most
:data:`MAX_CUSTOM_ID_CHARS` long, so it is safe in file names, URLs, logs and SQL literals; when
two postings would get the same id in one build, the later one gets a short ``-<n>`` suffix.
Allocation is deterministic: the same postings in the same order give the same ids.
"""

from __future__ import annotations

import re
import unicodedata

MAX_CUSTOM_ID_CHARS = 64
_UNSAFE = re.compile(r"[^A-Za-z0-9]+")


def slugify(text: str, max_chars: int) -> str:
    """Lower-case ASCII words joined by ``-``: accents folded, everything else dropped."""
    # ASCII text is its own fold; the decomposition is only needed for the rest.
    folded = text if text.isascii() else _fold_to_ascii(text)
    slug = _UNSAFE.sub("-", folded.lower()).strip("-")
    return slug[:max_chars].rstrip("-")


def _fold_to_ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def _safe_id(job_id: str) -> str:
    """A job id with unsafe runs replaced by ``_`` (keeps ids like ``7f3a/9`` recognisable)."""
    return re.sub(r"[^A-Za-z0-9_-]+", "_", job_id).strip("_-")


def base_custom_id(job_id: str, title: str, max_chars: int = MAX_CUSTOM_ID_CHARS) -> str:
    """``job-<id>-<slug>`` within ``max_chars``; the id wins over the slug when space is short."""
    head = f"job-{_safe_id(job_id)[: max_chars // 2] or 'x'}"
    room = max_chars - len(head) - 1
    slug = slugify(title, room) if room > 0 else ""
    return f"{head}-{slug}" if slug else head


class CustomIdAllocator:
    """Hands out custom ids that are unique within one build (one set of shards)."""

    def __init__(self, max_chars: int = MAX_CUSTOM_ID_CHARS) -> None:
        if max_chars < 16:
            raise ValueError("custom ids need at least 16 characters to stay unique and readable")
        self.max_chars = max_chars
        self._taken: set[str] = set()
        self._next_suffix: dict[str, int] = {}  # base id -> next n to try, so collisions stay O(1)

    def allocate(self, job_id: str, title: str) -> str:
        """A fresh id for this posting; a ``-<n>`` suffix (n >= 2) resolves collisions."""
        base = base_custom_id(job_id, title, self.max_chars)
        candidate = base
        n = self._next_suffix.get(base, 2)
        while candidate in self._taken:
            suffix = f"-{n}"
            candidate = base_custom_id(job_id, title, self.max_chars - len(suffix)) + suffix
            n += 1
        self._next_suffix[base] = n
        self._taken.add(candidate)
        return candidate

    def __contains__(self, custom_id: object) -> bool:
        return custom_id in self._taken

    def __len__(self) -> int:
        return len(self._taken)

"""What every reader yields per row, and the helpers that turn a decoded row into it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jobbatch_dagster.sources.posting import (
    InvalidPosting,
    Posting,
    SourceRejection,
    normalize_posting,
    type_name,
)

RAW_MAX_CHARS = 2_000  # raw text kept per rejection: enough to find and fix the row

Row = Posting | SourceRejection


def clip(raw: str) -> str:
    """Raw text short enough to store with a rejection; a whole broken file is not worth keeping."""
    return raw if len(raw) <= RAW_MAX_CHARS else raw[:RAW_MAX_CHARS] + "…[truncated]"


def to_row(value: Any, *, name: str, line: int, raw: str, source: str, where: str = "") -> Row:
    """A posting from one decoded row, or the rejection saying what is wrong with it."""
    if not isinstance(value, Mapping):
        reason = f"row is not an object (got {type_name(value)})"
    else:
        try:
            return normalize_posting(value, source_file=name, line=line, source=source)
        except InvalidPosting as exc:
            reason = str(exc)
    return SourceRejection(file=name, line=line, reason=where + reason, raw=clip(raw))


def file_rejection(name: str, reason: str, raw: str = "") -> SourceRejection:
    """A whole file refused: ``line`` is None, which tells it apart from a row's rejection."""
    return SourceRejection(file=name, line=None, reason=reason, raw=clip(raw))

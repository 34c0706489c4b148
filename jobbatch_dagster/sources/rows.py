"""What every reader yields per row, and the helpers that turn a decoded row into it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from jobbatch_dagster.sources.fields import DEFAULT_FIELDS, FieldMap
from jobbatch_dagster.sources.posting import (
    InvalidPosting,
    Posting,
    SourceRejection,
    normalize_posting,
    type_name,
)
from jobbatch_dagster.sources.text import replace_lone_surrogates

RAW_MAX_CHARS = 2_000  # raw text kept per rejection: enough to find and fix the row
MAX_WARNINGS_PER_FILE = 50  # a file with a problem on every row says so, not 300,000 times

Row = Posting | SourceRejection


@dataclass
class FileContext:
    """One file being read: its name in postings and rejections, the source for rows without a URL,
    the field names to accept, and the warnings a person should see (kept in asset metadata)."""

    name: str
    source: str
    fields: FieldMap = DEFAULT_FIELDS
    encoding: str = "utf-8"
    warnings: list[str] = field(default_factory=list)

    def warn(self, message: str) -> None:
        if len(self.warnings) < MAX_WARNINGS_PER_FILE:
            self.warnings.append(message)
        elif len(self.warnings) == MAX_WARNINGS_PER_FILE:
            self.warnings.append(f"{self.name}: more warnings like these, not listed")

    def rejection(
        self, line: int | None, code: str, reason: str, raw: str = "", offset: int | None = None
    ) -> SourceRejection:
        return SourceRejection(self.name, line, code, reason, clip(raw), offset)


def clip(raw: str) -> str:
    """Raw text short enough to store with a rejection; a whole broken file is not worth keeping."""
    raw = replace_lone_surrogates(raw)[0]
    return raw if len(raw) <= RAW_MAX_CHARS else raw[:RAW_MAX_CHARS] + "…[truncated]"


def _without_surrogates(value: Any) -> tuple[Any, int]:
    """``value`` with every lone surrogate in its strings (keys too) replaced, and how many."""
    if isinstance(value, str):
        return replace_lone_surrogates(value)
    if isinstance(value, list):
        parts = [_without_surrogates(v) for v in value]
        return [v for v, _ in parts], sum(n for _, n in parts)
    if isinstance(value, dict):
        fixed, count = {}, 0
        for key, item in value.items():
            (key, n), (item, m) = _without_surrogates(key), _without_surrogates(item)
            fixed[key] = item
            count += n + m
        return fixed, count
    return value, 0


def to_row(value: Any, ctx: FileContext, *, line: int, raw: str, offset: int | None = None) -> Row:
    """A posting from one decoded row, or the rejection saying what is wrong with it.

    Nothing a row holds can stop the file: any error becomes this row's rejection.
    """
    if not isinstance(value, Mapping):
        return ctx.rejection(
            line, "not_an_object", f"row is not an object (got {type_name(value)})", raw, offset
        )
    try:
        if "\\u" in raw:  # only a JSON escape can spell a lone surrogate
            value, replaced = _without_surrogates(value)
            if replaced:
                ctx.warn(
                    f"{ctx.name} line {line}: {replaced} lone surrogate(s) (half an emoji) "
                    "replaced with U+FFFD; the scraper cut a character in two"
                )
        return normalize_posting(
            value, source_file=ctx.name, line=line, source=ctx.source, fields=ctx.fields
        )
    except InvalidPosting as exc:
        return ctx.rejection(line, exc.code, str(exc), raw, offset)
    except RecursionError:
        reason = "row is nested too deeply to read: flatten it (a posting needs no nesting)"
        return ctx.rejection(line, "too_deep", reason, raw, offset)
    except Exception as exc:  # whatever a row raises costs that row only
        reason = f"row could not be read ({type(exc).__name__}: {exc}): fix or drop it"
        return ctx.rejection(line, "row_error", reason, raw, offset)

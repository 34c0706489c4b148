"""Which key of a scraped row holds which posting field, however the scraper spelled it.

Keys are compared folded: case, spaces, dashes and underscores are ignored, so ``Job Title``,
``job-title``, ``JOB_TITLE`` and ``jobTitle`` are all ``jobtitle``. Each field has a list of names in
order of preference: when a row has two of them (``title`` and ``name``), the earlier one wins.
Users add their own names in ``[sources.fields]`` of ``jobbatch.toml``; theirs come after ours.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

# The posting fields the engine reads (``id`` and ``url`` identify a posting, the rest is content).
FIELD_ALIASES: Final[Mapping[str, tuple[str, ...]]] = {
    "id": ("id", "post_id", "posting_id", "pid", "listing_id", "job_id"),
    "title": ("title", "job_title", "position", "name"),
    "description": ("description", "body", "content", "text", "details", "job_description"),
    "url": ("url", "link", "href", "job_url", "permalink"),
    "company": ("company", "employer", "organization", "company_name", "hiring_organization"),
    "location": ("location", "address", "city", "area", "region"),
    "compensation": ("compensation", "salary", "pay", "wage", "rate"),
    "posted_date": (
        "posted_date", "date_posted", "posted", "posted_at", "date", "datetime", "time",
    ),
    "employment_type": ("employment_type", "job_type", "type"),
}  # fmt: skip
REQUIRED_FIELDS: Final = ("title", "description")
_SEPARATORS = re.compile(r"[\s_\-]+")
_UNSEEN: Final = ("", -1)
_MAX_REMEMBERED_KEYS: Final = 10_000  # a file with a new key on every row must not grow memory
_MAX_REMEMBERED_PLANS: Final = 1_000
_UNPLANNED: Final[Any] = object()
_Plan = tuple[tuple[tuple[Any, str], ...], tuple[Any, ...]]


def fold_key(key: str) -> str:
    """The comparison form of a column name: ``Posted-Date`` and ``posted_date`` -> ``posteddate``."""
    return _SEPARATORS.sub("", key).casefold()


@dataclass(frozen=True)
class FieldMap:
    """Folded key -> (field, preference); unknown keys are the row's extras, kept as they came."""

    by_key: Mapping[str, tuple[str, int]]
    # Rows of one file repeat the same keys: fold each spelling once (bounded by distinct spellings).
    _seen: dict[str, tuple[str, int] | None] = field(default_factory=dict, compare=False)
    # ... and the same key lists: where each field is in a row with these keys, found once per list.
    _plans: dict[tuple[Any, ...], _Plan | None] = field(default_factory=dict, compare=False)

    @classmethod
    def build(cls, extra: Mapping[str, Iterable[str]] | None = None) -> FieldMap:
        """Our aliases plus a user's own names per field (``{"title": ["Headline"]}``)."""
        names = {name: list(aliases) for name, aliases in FIELD_ALIASES.items()}
        for name, aliases in (extra or {}).items():
            if name not in names:
                known = ", ".join(FIELD_ALIASES)
                raise ValueError(f"[sources.fields] has no field {name!r}: the fields are {known}")
            names[name] += list(aliases)
        by_key: dict[str, tuple[str, int]] = {}
        for name, aliases in names.items():
            for rank, alias in enumerate(aliases):
                by_key.setdefault(fold_key(alias), (name, rank))
        return cls(by_key)

    def split(self, row: Mapping[str, Any]) -> tuple[dict[str, tuple[str, Any]], dict[str, Any]]:
        """The row's fields (field -> (key as written, value), the preferred non-blank key each) and
        its extras (every key that is no field's name)."""
        keys = tuple(row)
        plan = self._plans.get(keys, _UNPLANNED)
        if plan is _UNPLANNED:
            plan = self._plan(keys)
            if len(self._plans) < _MAX_REMEMBERED_PLANS:
                self._plans[keys] = plan
        if plan is None:
            return self._split_ranked(row)
        fields, extra_keys = plan
        found: dict[str, tuple[str, Any]] = {}
        for key, name in fields:
            value = row[key]
            if value is not None and (not isinstance(value, str) or value.strip()):
                found[name] = (key, value)
        return found, {str(key): row[key] for key in extra_keys}

    def _plan(self, keys: tuple[Any, ...]) -> _Plan | None:
        """(key, field) in row order and the extra keys, when no field has two keys in the row;
        None when one has, so preference ranks must decide per row."""
        fields: list[tuple[Any, str]] = []
        extra_keys: list[Any] = []
        for key in keys:
            match = self.by_key.get(fold_key(str(key)))
            if match is None:
                extra_keys.append(key)
            else:
                fields.append((key, match[0]))
        if len({name for _, name in fields}) < len(fields):
            return None
        return tuple(fields), tuple(extra_keys)

    def _split_ranked(
        self, row: Mapping[str, Any]
    ) -> tuple[dict[str, tuple[str, Any]], dict[str, Any]]:
        found: dict[str, tuple[int, str, Any]] = {}
        extras: dict[str, Any] = {}
        for key, value in row.items():
            match = self._seen.get(key, _UNSEEN)
            if match is _UNSEEN:
                match = self.by_key.get(fold_key(str(key)))
                if len(self._seen) < _MAX_REMEMBERED_KEYS:
                    self._seen[key] = match
            if match is None:
                extras[str(key)] = value
                continue
            name, rank = match
            if value is None or (isinstance(value, str) and not value.strip()):
                continue
            if name not in found or rank < found[name][0]:
                found[name] = (rank, key, value)
        return {name: (key, value) for name, (_, key, value) in found.items()}, extras


DEFAULT_FIELDS: Final = FieldMap.build()

"""What a configuration file may hold: its sections, their keys, each value's type and range.

Every error names the file and the ``[section] key`` and says what to do; a name that is not known
is answered with the nearest valid one, so ``max_usd_per_submision`` or ``[budgets]`` fail loudly
instead of silently turning the budget guard off.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jobbatch_dagster.tasks import TASK_NAMES, TASKS
from jobbatch_dagster.tasks.profile import LeadProfile

LAKE_CATALOG_PREFIX = "postgres:"
STAGE_KEYS = ("model", "after", "threshold", "top", "description_chars", "postings_per_request")
PROFILE_TEXT_KEYS = ("name", "offer", "ideal_customer")
PROFILE_LIST_KEYS = ("fit_signals", "disqualifiers")
PROFILE_KEYS = (*PROFILE_TEXT_KEYS, *PROFILE_LIST_KEYS, "average_deal_value_usd")
SECTION_KEYS: Mapping[str, tuple[str, ...]] = {
    "paths": ("incoming", "batches", "warehouse"),
    "warehouse": ("catalog", "data_path"),
    "schedule": ("cron", "timezone", "first_partition"),
    "limits": (
        "max_requests_per_batch",
        "max_bytes_per_batch",
        "max_description_chars",
        "max_rejection_rate",
    ),
    "budget": ("max_usd_per_submission", "max_usd_live_per_day"),
    "retries": ("max_attempts", "backoff_seconds"),
    "quota": ("usage_tier", "enqueued_tokens"),
    "sources": ("fields",),
    "instance": (
        "home",
        "storage",
        "max_concurrent_runs",
        "sensor_interval_seconds",
        "watchdog_interval_seconds",
    ),
    "stages": (),  # one table per stage, named after its task (checked on their own)
    "lead_profile": PROFILE_KEYS,
}


class ConfigError(ValueError):
    """The configuration file is unreadable or holds a value we cannot use."""


def nearest(name: str, valid: Collection[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest valid name, with the whole list for reference."""
    close = difflib.get_close_matches(name, list(valid), n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"{hint} (valid: {', '.join(valid) or 'none'})"


class Section:
    """One table of the file, read key by key with the checks that key needs."""

    def __init__(self, data: Any, where: str, valid: Sequence[str] | None) -> None:
        if not isinstance(data, Mapping):
            raise ConfigError(f"{where} must be a table, got {data!r}")
        if valid is not None:
            for key in data:
                if key not in valid:
                    raise ConfigError(f"{where}: unknown key {key!r}{nearest(key, valid)}")
        self.data, self.where = data, where

    def names(self) -> list[str]:
        return list(self.data)

    def _value(self, key: str, kinds: tuple[type, ...], required: bool) -> Any:
        if key not in self.data:
            if required:
                raise ConfigError(f"{self.where}: {key} is missing; add it to this table")
            return None
        value = self.data[key]
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            expected = " or ".join(k.__name__ for k in kinds)
            raise ConfigError(f"{self.where}: {key} must be {expected}, got {value!r}")
        return value

    def _in_range(self, key: str, value: float, low: float | None, high: float | None) -> None:
        if (low is not None and value < low) or (high is not None and value > high):
            bounds = f"between {low:g} and {high:g}" if high is not None else f">= {low:g}"
            raise ConfigError(f"{self.where}: {key} must be {bounds}, got {value!r}")

    def text(self, key: str, default: str | None = None, *, required: bool = False) -> Any:
        value = self._value(key, (str,), required)
        if value is not None and not value.strip():
            raise ConfigError(f"{self.where}: {key} is empty; give it a value or remove the line")
        return default if value is None else value

    def integer(
        self,
        key: str,
        default: int,
        *,
        low: int | None = None,
        high: int | None = None,
        required: bool = False,
    ) -> int:
        value = self._value(key, (int,), required)
        if value is None:
            return default
        self._in_range(key, value, low, high)
        return value

    def number(
        self, key: str, default: float, *, low: float | None = None, high: float | None = None
    ) -> float:
        value = self._value(key, (int, float), False)
        if value is None:
            return default
        self._in_range(key, value, low, high)
        return float(value)

    def choice(self, key: str, default: int, choices: Sequence[int]) -> int:
        value = self.integer(key, default)
        if value not in choices:
            raise ConfigError(
                f"{self.where}: {key} must be one of {', '.join(map(str, choices))}, got {value!r}"
            )
        return value

    def cron(self, key: str, default: str) -> str:
        value = self.text(key, default)
        if len(value.split()) != 5:
            raise ConfigError(
                f"{self.where}: {key} must be a 5-field cron string like '0 2 * * *', got {value!r}"
            )
        return value

    def timezone(self, key: str, default: str) -> str:
        value = self.text(key, default)
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(
                f"{self.where}: {key} {value!r} is not an IANA time zone (e.g. 'UTC', "
                "'Europe/Berlin')"
            ) from None
        return value

    def iso_date(self, key: str, default: str) -> str:
        value = self.text(key, default)
        try:
            date.fromisoformat(value)
        except ValueError:
            raise ConfigError(
                f"{self.where}: {key} must be a date YYYY-MM-DD, got {value!r}"
            ) from None
        return value

    def subtable(self, key: str, valid: Sequence[str] | None = None) -> Section:
        return Section(self.data.get(key, {}), f"{self.where[:-1]}.{key}]", valid)

    def subtables(self) -> dict[str, Section]:
        """The tables of ``[stages]``, one per stage, each a registered task with known keys."""
        for name in self.data:
            if name not in TASK_NAMES:
                raise ConfigError(
                    f"{self.where[:-1]}.{name}]: no task is called {name!r}{nearest(name, TASK_NAMES)}"
                )
        return {name: self.subtable(name, STAGE_KEYS) for name in self.data}

    def lead_profile(self) -> LeadProfile:
        for key in PROFILE_TEXT_KEYS:
            self.text(key)
        for key in PROFILE_LIST_KEYS:
            items = self._value(key, (list,), False) or []
            if not all(isinstance(item, str) for item in items):
                raise ConfigError(f"{self.where}: {key} must be a list of strings")
        self.integer("average_deal_value_usd", 0, low=0)
        return LeadProfile.from_mapping(self.data)


def lake_settings(section: Section) -> tuple[str, str | None] | None:
    """``[warehouse]``: (catalog, data_path or None for the default) of a DuckLake, or None for
    the DuckDB file.

    The catalog is a PostgreSQL database as ``postgres:<libpq key=value string>``; its password
    never goes in the file (``PGPASSWORD`` in the environment)."""
    catalog = section.text("catalog")
    data_path = section.text("data_path")
    if catalog is None:
        if data_path is not None:
            raise ConfigError(
                f"{section.where}: data_path is set but catalog is not; add catalog = "
                '"postgres:host=... dbname=..." (or remove data_path to keep the DuckDB file)'
            )
        return None
    if not catalog.startswith(LAKE_CATALOG_PREFIX):
        raise ConfigError(
            f"{section.where}: catalog must be a PostgreSQL database, "
            f'"{LAKE_CATALOG_PREFIX}host=... port=... user=... dbname=...", got {catalog!r}'
        )
    if "password=" in catalog:
        raise ConfigError(
            f"{section.where}: catalog holds a password; remove it and set PGPASSWORD in the "
            "environment instead (secrets never go in the file)"
        )
    return catalog, data_path


def check_sections(data: Mapping[str, Any], source: Path | None) -> dict[str, Section]:
    """Every known section of the file (empty when absent); an unknown one is an error."""
    file = str(source or "configuration")
    for name in data:
        if name not in SECTION_KEYS:
            raise ConfigError(
                f"{file}: unknown section [{name}]{nearest(name, list(SECTION_KEYS))}"
            )
    return {
        name: Section(data.get(name, {}), f"{file} [{name}]", keys or None)
        for name, keys in SECTION_KEYS.items()
    }


def check_stage_plan(stages: Section, plan: Sequence[tuple[str, str | None]]) -> None:
    """At least one stage runs on every posting, every ``after`` names a stage whose answers have a
    score to hold against its threshold, and following ``after`` from any stage ends at such a
    first stage (no cycles)."""
    after = dict(plan)
    if not plan:
        raise ConfigError(f"{stages.where}: no stages; add at least [stages.qualify]")
    for name, parent in plan:
        if parent is not None and parent not in after:
            raise ConfigError(
                f"{stages.where[:-1]}.{name}]: after = {parent!r} names no stage"
                f"{nearest(parent, list(after))}"
            )
    for name, _ in plan:
        seen = [name]
        while (parent := after[seen[-1]]) is not None:
            if parent in seen:
                raise ConfigError(
                    f"{stages.where}: the stages' `after` form a cycle: "
                    + " -> ".join([*seen[seen.index(parent) :], parent])
                    + "; one of them must run on every posting (no `after`)"
                )
            seen.append(parent)
    scored = [n for n in after if "score" in TASKS[n].result_model.model_fields]
    for name, parent in plan:
        # A lead stage (a task that reads earlier answers, like outreach) takes the day's best leads
        # by the first stage's score, so its own `after` needs no score.
        if TASKS[name].context_fields:
            continue
        if parent is not None and parent not in scored:
            raise ConfigError(
                f"{stages.where[:-1]}.{name}]: after = {parent!r}, but {parent} answers have no "
                f"score to compare with a threshold; name one of: {', '.join(scored) or 'none'}"
            )

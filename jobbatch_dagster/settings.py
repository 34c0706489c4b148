"""The project configuration: one TOML file for stages, models, thresholds, budgets and the lead profile.

Resolution order: the path in ``JOBBATCH_CONFIG``; else ``jobbatch.toml`` in the working directory;
else the built-in defaults below. Paths in the file are relative to the working directory.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jobbatch_dagster.contract import MAX_BATCH_FILE_BYTES, MAX_REQUESTS_PER_BATCH
from jobbatch_dagster.tasks.profile import LeadProfile

CONFIG_ENV = "JOBBATCH_CONFIG"
WAREHOUSE_ENV = "JOBBATCH_WAREHOUSE"
DEFAULT_CONFIG_FILE = "jobbatch.toml"
DEFAULT_MODEL = "gpt-4o-mini"
# Outreach goes to the day's best leads only: at most this many, scoring at least this much.
OUTREACH_TOP = 10
OUTREACH_MIN_SCORE = 80


class ConfigError(ValueError):
    """The configuration file is unreadable or holds a value we cannot use."""


@dataclass(frozen=True)
class StageConfig:
    """One stage of the pipeline: a task run over a set of postings."""

    task: str
    model: str = DEFAULT_MODEL
    after: str | None = (
        None  # None: runs on every new posting; else on those that qualify in `after`
    )
    threshold: int = 60
    # A lead stage (outreach) takes only the day's best `top` leads scoring >= threshold; None: all.
    top: int | None = None


@dataclass(frozen=True)
class Settings:
    incoming_dir: Path = Path("data/incoming")
    batches_dir: Path = Path("data/batches")
    warehouse_path: Path = Path("data/warehouse.duckdb")
    schedule_cron: str = "0 2 * * *"
    schedule_timezone: str = "UTC"
    first_partition: str = "2026-11-01"
    max_requests_per_batch: int = MAX_REQUESTS_PER_BATCH
    max_bytes_per_batch: int = MAX_BATCH_FILE_BYTES
    max_description_chars: int = 12_000
    max_rejection_rate: float = 0.25
    max_usd_per_submission: float | None = None
    max_usd_live_per_day: float | None = None  # live follow-up calls, summed per UTC day
    stages: tuple[StageConfig, ...] = (
        StageConfig("qualify"),
        StageConfig("analyze", after="qualify"),
        StageConfig("extract_pain_points", after="qualify"),
        StageConfig("parse", after="qualify"),
        StageConfig("outreach", after="analyze", threshold=OUTREACH_MIN_SCORE, top=OUTREACH_TOP),
    )
    lead_profile: LeadProfile = field(default_factory=LeadProfile)
    source: Path | None = None  # the file these settings came from, if any

    def stage(self, name: str) -> StageConfig:
        for stage in self.stages:
            if stage.task == name:
                return stage
        raise ConfigError(
            f"no stage named {name!r} in the configuration; stages are: "
            + ", ".join(s.task for s in self.stages)
        )

    @property
    def qualify_threshold(self) -> int:
        return self.stage("qualify").threshold


def _get(
    table: Mapping[str, Any], key: str, kind: type | tuple[type, ...], default: Any, where: str
) -> Any:
    if key not in table:
        return default
    value = table[key]
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        expected = " or ".join(k.__name__ for k in kinds)
        raise ConfigError(f"{where}: {key} must be {expected}, got {value!r}")
    return value


def settings_from_mapping(data: Mapping[str, Any], source: Path | None = None) -> Settings:
    where = str(source or "configuration")
    base = Settings()
    paths = data.get("paths", {})
    schedule = data.get("schedule", {})
    limits = data.get("limits", {})
    budget = data.get("budget", {})
    stages_table = data.get("stages")
    stages = base.stages
    if stages_table:
        stages = tuple(
            StageConfig(
                task=name,
                model=_get(table, "model", str, StageConfig.model, f"{where} [stages.{name}]"),
                after=_get(table, "after", str, StageConfig.after, f"{where} [stages.{name}]"),
                threshold=_get(
                    table, "threshold", int, StageConfig.threshold, f"{where} [stages.{name}]"
                ),
                top=_get(table, "top", int, StageConfig.top, f"{where} [stages.{name}]"),
            )
            for name, table in stages_table.items()
        )
    max_usd = _get(budget, "max_usd_per_submission", (int, float), None, f"{where} [budget]")
    max_live = _get(budget, "max_usd_live_per_day", (int, float), None, f"{where} [budget]")
    warehouse = os.environ.get(WAREHOUSE_ENV) or _get(
        paths, "warehouse", str, str(base.warehouse_path), f"{where} [paths]"
    )
    return Settings(
        incoming_dir=Path(_get(paths, "incoming", str, str(base.incoming_dir), f"{where} [paths]")),
        batches_dir=Path(_get(paths, "batches", str, str(base.batches_dir), f"{where} [paths]")),
        warehouse_path=Path(warehouse),
        schedule_cron=_get(schedule, "cron", str, base.schedule_cron, f"{where} [schedule]"),
        schedule_timezone=_get(
            schedule, "timezone", str, base.schedule_timezone, f"{where} [schedule]"
        ),
        first_partition=_get(
            schedule, "first_partition", str, base.first_partition, f"{where} [schedule]"
        ),
        max_requests_per_batch=_get(
            limits, "max_requests_per_batch", int, base.max_requests_per_batch, f"{where} [limits]"
        ),
        max_bytes_per_batch=_get(
            limits, "max_bytes_per_batch", int, base.max_bytes_per_batch, f"{where} [limits]"
        ),
        max_description_chars=_get(
            limits, "max_description_chars", int, base.max_description_chars, f"{where} [limits]"
        ),
        max_rejection_rate=float(
            _get(
                limits,
                "max_rejection_rate",
                (int, float),
                base.max_rejection_rate,
                f"{where} [limits]",
            )
        ),
        max_usd_per_submission=float(max_usd) if max_usd else None,
        max_usd_live_per_day=float(max_live) if max_live else None,
        stages=stages,
        lead_profile=LeadProfile.from_mapping(data.get("lead_profile")),
        source=source,
    )


def load_settings(path: str | os.PathLike[str] | None = None) -> Settings:
    """Read the configuration (see the module docstring for where from)."""
    chosen = path or os.environ.get(CONFIG_ENV)
    if chosen is None and Path(DEFAULT_CONFIG_FILE).is_file():
        chosen = DEFAULT_CONFIG_FILE
    if chosen is None:
        return settings_from_mapping({})
    file = Path(chosen)
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(
            f"configuration file {file} does not exist (set {CONFIG_ENV} or create it)"
        ) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file}: not valid TOML: {exc}") from exc
    return settings_from_mapping(data, source=file)

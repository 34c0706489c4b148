"""The project configuration: one TOML file for stages, models, thresholds, budgets and the lead profile.

Resolution order: the path in ``JOBBATCH_CONFIG``; else ``jobbatch.toml`` in the working directory;
else the built-in defaults below. Paths in the file are relative to the working directory.

The file is validated as it is read, before anything runs: an unknown section or key is an error
naming the file, the key and the nearest valid name (a typo must never switch a guard off), every
number is checked against its range, and the stages must form a valid plan (registered tasks, a
model each, ``after`` naming another stage, no cycles). The rules live in ``config_rules.py``.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jobbatch_dagster.batch.pricing import cheapest_structured_model
from jobbatch_dagster.batch.storage import BatchStore, is_s3_uri, open_store, staging_dir
from jobbatch_dagster.config_rules import (
    LAKE_CATALOG_PREFIX,
    ConfigError,
    Section,
    check_sections,
    check_stage_plan,
    lake_settings,
)
from jobbatch_dagster.contract import (
    BATCH_QUEUE_LIMITS,
    MAX_BATCH_FILE_BYTES,
    MAX_REQUESTS_PER_BATCH,
    USAGE_TIERS,
)
from jobbatch_dagster.sources.fields import FieldMap
from jobbatch_dagster.tasks import TASKS
from jobbatch_dagster.tasks.profile import LeadProfile
from jobbatch_dagster.warehouse.connect import Lake, Warehouse

CONFIG_ENV = "JOBBATCH_CONFIG"
WAREHOUSE_ENV = "JOBBATCH_WAREHOUSE"
DEFAULT_CONFIG_FILE = "jobbatch.toml"
DEFAULT_MODEL = "gpt-4o-mini"
# Outreach goes to the day's best leads only: at most this many, scoring at least this much.
OUTREACH_TOP = 10
OUTREACH_MIN_SCORE = 80
# The cheap filter reads the title, company, pay, location and this much of the description,
# boilerplate removed (batch/brief.py); enough for the work and its urgency, a third of a long ad.
QUALIFY_DESCRIPTION_CHARS = 800
# The cheap filter judges this many postings per request: the ~600 tokens of instructions, profile
# and schema are then paid once per 25 postings instead of once per posting (~24 tokens a posting
# beside its own ~160), while 25 short verdicts stay far from any model's output limit.
QUALIFY_POSTINGS_PER_REQUEST = 25
# At most this many postings per request: 100 verdicts at their 80-token ceiling fit the smallest
# output limit of the structured models in pricing.json (16,384 tokens) with room to spare.
MAX_POSTINGS_PER_REQUEST = 100

__all__ = [
    "ConfigError",
    "InstanceSettings",
    "PostgresTarget",
    "RetrySettings",
    "Settings",
    "StageConfig",
    "load_settings",
]


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
    # A cheap filter reads only this much of the description, boilerplate removed; None: all of it.
    description_chars: int | None = None
    # A task with a group form (qualify) judges this many postings per request; 1: one each.
    postings_per_request: int = 1


@dataclass(frozen=True)
class RetrySettings:
    """How often, and how patiently, work the provider did not finish is tried again."""

    max_attempts: int = 3  # a request is sent, and a harvest run tried, at most this many times
    backoff_seconds: float = 30.0  # the wait before the first retry; later ones wait longer

    def delay_before_retry(self, retry: int) -> float:
        """Seconds to wait before retry number ``retry`` (1, 2, ...), jitter aside: 1x, 3x, 7x
        ``backoff_seconds``, the exponential backoff of Dagster's own RetryPolicy."""
        return self.backoff_seconds * (2**retry - 1)


@dataclass(frozen=True)
class PostgresTarget:
    """A PostgreSQL database named by libpq ``key=value`` pairs; the password is never here (it
    comes from ``PGPASSWORD`` in the environment, as libpq reads it)."""

    host: str
    port: int
    user: str
    dbname: str


@dataclass(frozen=True)
class InstanceSettings:
    """``[instance]``: where the Dagster instance keeps its state, and how the daemon paces itself.

    ``postgres`` None is the single-machine instance (SQLite files in ``home``); a database makes
    it the cluster instance: runs, events and schedules in PostgreSQL, runs queued and launched by
    the daemon, at most ``max_concurrent_runs`` at once (home.py writes its dagster.yaml)."""

    home: Path | None = None  # DAGSTER_HOME wins; None: data/dagster_home
    postgres: PostgresTarget | None = None
    # Runs the daemon lets execute at once; the duckdb pool still lets one of them write at a time.
    max_concurrent_runs: int = 4
    # batch_status_sensor's pace: a batch takes minutes to hours, so a minute costs nothing; a
    # rehearsal against the emulator lowers it to keep the night short.
    sensor_interval_seconds: int = 60
    # stale_run_watchdog's pace: how long a dead worker's run may hold its pool slot.
    watchdog_interval_seconds: int = 30


@dataclass(frozen=True)
class Settings:
    incoming_dir: Path = Path("data/incoming")
    batches_dir: Path = Path("data/batches")  # with batches_url: this process's staging folder
    batches_url: str | None = None  # [paths] batches as s3://bucket/prefix: files any host reads
    warehouse_path: Path = Path("data/warehouse.duckdb")
    lake: Lake | None = None  # [warehouse] catalog: the warehouse is a DuckLake, not the file
    schedule_cron: str = "0 2 * * *"
    schedule_timezone: str = "UTC"
    first_partition: str = "2026-11-01"
    max_requests_per_batch: int = MAX_REQUESTS_PER_BATCH
    max_bytes_per_batch: int = MAX_BATCH_FILE_BYTES
    max_description_chars: int = 12_000
    max_rejection_rate: float = 0.25
    max_usd_per_submission: float | None = None
    max_usd_live_per_day: float | None = None
    retries: RetrySettings = field(default_factory=RetrySettings)
    usage_tier: int = 1
    enqueued_token_limits: Mapping[str, int] = field(default_factory=dict)  # model -> tokens
    # The default night runs the fewest stages that fill qualified_leads: analyze carries the pain
    # points, so extract_pain_points (which repeats them) is left to users who add it.
    stages: tuple[StageConfig, ...] = (
        StageConfig(
            "qualify",
            model=cheapest_structured_model(),
            description_chars=QUALIFY_DESCRIPTION_CHARS,
            postings_per_request=QUALIFY_POSTINGS_PER_REQUEST,
        ),
        StageConfig("analyze", after="qualify"),
        StageConfig("parse", after="qualify"),
        StageConfig("outreach", after="analyze", threshold=OUTREACH_MIN_SCORE, top=OUTREACH_TOP),
    )
    lead_profile: LeadProfile = field(default_factory=LeadProfile)
    # [sources.fields]: a user's own column names per posting field, tried after the built-in ones.
    source_fields: tuple[tuple[str, tuple[str, ...]], ...] = ()
    instance: InstanceSettings = field(default_factory=InstanceSettings)
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
    def warehouse(self) -> Warehouse:
        """Where the warehouse is: the DuckLake of ``[warehouse]``, else the DuckDB file."""
        return Warehouse(self.warehouse_path, self.lake)

    @property
    def batch_store(self) -> BatchStore:
        """Where the shard, output and error files live: ``batches_dir``, or the bucket."""
        return open_store(self.batches_url, self.batches_dir)

    @property
    def field_map(self) -> FieldMap:
        """How the readers match a row's keys to posting fields, ``[sources.fields]`` included."""
        return FieldMap.build(dict(self.source_fields))

    @property
    def qualify_threshold(self) -> int:
        return self.stage("qualify").threshold

    def enqueued_token_limit(self, model: str) -> int | None:
        """Prompt tokens that may wait in batches for ``model`` at once: ``[quota.enqueued_tokens]``,
        else OpenAI's published limit for ``[quota] usage_tier``, else None (no known limit)."""
        if model in self.enqueued_token_limits:
            return self.enqueued_token_limits[model]
        return BATCH_QUEUE_LIMITS.get(model, {}).get(self.usage_tier)


def _stages(sections: Mapping[str, Section], base: Settings) -> tuple[StageConfig, ...]:
    if not sections["stages"].names():
        return base.stages
    stages = tuple(
        StageConfig(
            task=name,
            model=table.text("model", required=True),
            after=table.text("after", None),
            threshold=table.integer("threshold", StageConfig.threshold, low=0, high=100),
            top=table.integer("top", 0, low=1) or None,
            description_chars=table.integer("description_chars", 0, low=0) or None,
            postings_per_request=_postings_per_request(name, table),
        )
        for name, table in sections["stages"].subtables().items()
    )
    check_stage_plan(sections["stages"], [(s.task, s.after) for s in stages])
    return stages


def _postings_per_request(name: str, table: Section) -> int:
    """``postings_per_request`` of a stage: for a task with a group form (qualify) the default
    QUALIFY_POSTINGS_PER_REQUEST, for any other task 1 (the only value it takes)."""
    default = QUALIFY_POSTINGS_PER_REQUEST if TASKS[name].group else 1
    value = table.integer("postings_per_request", default, low=1, high=MAX_POSTINGS_PER_REQUEST)
    if value > 1 and TASKS[name].group is None:
        raise ConfigError(
            f"{table.where}: postings_per_request = {value}, but {name} answers one posting per "
            "request; only [stages.qualify] takes it (remove the key or set it to 1)"
        )
    return value


def settings_from_mapping(data: Mapping[str, Any], source: Path | None = None) -> Settings:
    base = Settings()
    sections = check_sections(data, source)
    paths, schedule, limits = sections["paths"], sections["schedule"], sections["limits"]
    budget, retries, quota = sections["budget"], sections["retries"], sections["quota"]
    tokens = quota.subtable("enqueued_tokens")  # model -> tokens: any model name is allowed
    batches, batches_url = _batches(paths, base)
    warehouse = os.environ.get(WAREHOUSE_ENV) or paths.text("warehouse", str(base.warehouse_path))
    lake = lake_settings(sections["warehouse"])
    return Settings(
        incoming_dir=Path(paths.text("incoming", str(base.incoming_dir))),
        batches_dir=batches,
        batches_url=batches_url,
        warehouse_path=Path(warehouse),
        lake=_lake(lake),
        schedule_cron=schedule.cron("cron", base.schedule_cron),
        schedule_timezone=schedule.timezone("timezone", base.schedule_timezone),
        first_partition=schedule.iso_date("first_partition", base.first_partition),
        max_requests_per_batch=limits.integer(
            "max_requests_per_batch",
            base.max_requests_per_batch,
            low=1,
            high=MAX_REQUESTS_PER_BATCH,
        ),
        max_bytes_per_batch=limits.integer(
            "max_bytes_per_batch", base.max_bytes_per_batch, low=1, high=MAX_BATCH_FILE_BYTES
        ),
        max_description_chars=limits.integer(
            "max_description_chars", base.max_description_chars, low=1
        ),
        max_rejection_rate=limits.number(
            "max_rejection_rate", base.max_rejection_rate, low=0, high=1
        ),
        # 0 means "no limit", as the shipped file says
        max_usd_per_submission=budget.number("max_usd_per_submission", 0, low=0) or None,
        max_usd_live_per_day=budget.number("max_usd_live_per_day", 0, low=0) or None,
        retries=RetrySettings(
            max_attempts=retries.integer(
                "max_attempts", RetrySettings.max_attempts, low=1, high=10
            ),
            backoff_seconds=retries.number(
                "backoff_seconds", RetrySettings.backoff_seconds, low=0, high=3600
            ),
        ),
        usage_tier=quota.choice("usage_tier", base.usage_tier, USAGE_TIERS),
        enqueued_token_limits={model: tokens.integer(model, 0, low=1) for model in tokens.names()},
        stages=_stages(sections, base),
        lead_profile=sections["lead_profile"].lead_profile(),
        source_fields=_source_fields(sections["sources"].subtable("fields")),
        instance=_instance(sections["instance"]),
        source=source,
    )


# The catalog's form: the cluster instance's storage is a PostgreSQL database written the same way.
POSTGRES_PREFIX = LAKE_CATALOG_PREFIX
POSTGRES_KEYS = ("host", "port", "user", "dbname")
POSTGRES_DEFAULT_PORT = 5432


def postgres_target(value: str, where: str) -> PostgresTarget:
    """``postgres:host=H port=P user=U dbname=D`` (libpq's key=value form; port and user optional)."""
    example = f"'{POSTGRES_PREFIX}host=db.internal port=5432 user=dagster dbname=dagster'"
    if not value.startswith(POSTGRES_PREFIX):
        raise ConfigError(f"{where} must be 'sqlite' or {example}, got {value!r}")
    pairs: dict[str, str] = {}
    for item in value[len(POSTGRES_PREFIX) :].split():
        key, sep, text = item.partition("=")
        if key == "password":
            raise ConfigError(
                f"{where}: a password does not belong in the file; remove it and set PGPASSWORD "
                "in the environment of every Dagster process"
            )
        if not sep or not text or key not in POSTGRES_KEYS:
            raise ConfigError(
                f"{where}: {item!r} is not one of {', '.join(k + '=...' for k in POSTGRES_KEYS)}"
                f"; write it as {example}"
            )
        pairs[key] = text
    for key in ("host", "dbname"):
        if key not in pairs:
            raise ConfigError(f"{where}: {key}=... is missing; write it as {example}")
    port = pairs.get("port", str(POSTGRES_DEFAULT_PORT))
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f"{where}: port must be a number from 1 to 65535, got {port!r}")
    return PostgresTarget(pairs["host"], int(port), pairs.get("user", "postgres"), pairs["dbname"])


def _instance(table: Section) -> InstanceSettings:
    base = InstanceSettings()
    storage = table.text("storage", "sqlite")
    home = table.text("home", None)
    return InstanceSettings(
        home=Path(home) if home else None,
        postgres=None
        if storage == "sqlite"
        else postgres_target(storage, f"{table.where} storage"),
        max_concurrent_runs=table.integer(
            "max_concurrent_runs", base.max_concurrent_runs, low=1, high=100
        ),
        sensor_interval_seconds=table.integer(
            "sensor_interval_seconds", base.sensor_interval_seconds, low=1, high=3600
        ),
        watchdog_interval_seconds=table.integer(
            "watchdog_interval_seconds", base.watchdog_interval_seconds, low=1, high=3600
        ),
    )


def _lake(configured: tuple[str, str | None] | None) -> Lake | None:
    if configured is None:
        return None
    catalog, data_path = configured
    return Lake(catalog, data_path) if data_path else Lake(catalog)


def _batches(paths: Section, base: Settings) -> tuple[Path, str | None]:
    """``[paths] batches``: a folder, or an ``s3://bucket/prefix`` URI staged in a local folder."""
    value = paths.text("batches", str(base.batches_dir))
    if not is_s3_uri(value):
        return Path(value), None
    try:
        return staging_dir(value), value
    except ValueError as exc:
        raise ConfigError(f"{paths.where}: batches = {exc}") from exc


def _source_fields(table: Section) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """``[sources.fields]``: ``title = "Headline"`` or ``title = ["Headline", "Role"]`` per field."""
    fields = []
    for name in table.names():
        names = table.data[name]
        names = [names] if isinstance(names, str) else names
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise ConfigError(f"{table.where}: {name} must be a column name or a list of them")
        fields.append((name, tuple(names)))
    try:
        FieldMap.build(dict(fields))
    except ValueError as exc:
        raise ConfigError(f"{table.where}: {exc}") from exc
    return tuple(fields)


def load_settings(path: str | os.PathLike[str] | None = None) -> Settings:
    """Read and validate the configuration (see the module docstring for where from)."""
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

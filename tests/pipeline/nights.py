"""What the pipeline tests share: sample days, and a pipeline object over a real instance."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb

from jobbatch_dagster.batch.client import BatchClient
from jobbatch_dagster.defs.driver import QUIET_RUN_CONFIG, NightDriver, NightReport
from jobbatch_dagster.emulator.process import EmulatorProcess
from jobbatch_dagster.home import DUCKDB_POOL, prepare_dagster_home
from jobbatch_dagster.pipeline.day import DayRun, Patience, run_day
from jobbatch_dagster.pipeline.ingest import ingest_day
from jobbatch_dagster.settings import RetrySettings, Settings, load_settings
from jobbatch_dagster.warehouse.connect import open_warehouse

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "data" / "sample"
# The JSON scraper files of a sample day: ~55 postings with reposts and junk rows, no CSV, to
# keep every night of this suite at a few seconds.
SUBSET = ("craigslist-east.jsonl", "craigslist-west.json")
DAY1, DAY2 = "2026-11-18", "2026-11-19"
FIRST_DAY = date.fromisoformat(DAY1)


@contextmanager
def persistent_instance(home: Path) -> Iterator[dg.DagsterInstance]:
    """A persistent instance in ``home`` from the dagster.yaml the project writes (SQLite storage,
    run monitoring, one slot per pool), as `make dev` and `make demo` run on."""
    with dg.DagsterInstance.from_config(str(prepare_dagster_home(home))) as instance:
        assert instance.get_concurrency_config().pool_config.default_pool_limit == 1
        yield instance


def duckdb_pool_slots(instance: dg.DagsterInstance) -> tuple[int, int]:
    """(slots, claimed) of the `duckdb` pool."""
    info = instance.event_log_storage.get_concurrency_info(DUCKDB_POOL)
    return info.slot_count, len(info.claimed_slots)


def shipped_settings(folder: Path) -> Settings:
    """The shipped configuration over folders in ``folder`` (the warehouse the DuckDB file)."""
    return dataclasses.replace(
        load_settings(REPO / "jobbatch.toml"),
        incoming_dir=folder / "incoming",
        batches_dir=folder / "batches",
        warehouse_path=folder / "warehouse.duckdb",
        # resends and retries wait a few hundredths of a second, not the configured 30 s
        retries=RetrySettings(3, 0.05),
    )


def one_posting_per_request(settings: Settings) -> Settings:
    """The settings with qualify sending one posting per request: for tests whose faults are keyed
    by a posting's own custom id, which is its request's only when it rides alone (the grouped
    request's faults are tested in test_pipeline_grouped_qualify.py)."""
    stages = tuple(
        dataclasses.replace(s, postings_per_request=1) if s.task == "qualify" else s
        for s in settings.stages
    )
    return dataclasses.replace(settings, stages=stages)


@dataclass
class Pipeline:
    settings: Settings
    defs: dg.Definitions
    instance: dg.DagsterInstance
    emulator: EmulatorProcess

    def drop(self, day: str, files: tuple[str, ...] = SUBSET) -> None:
        """Put a sample day's files where the scrapers would."""
        target = self.settings.incoming_dir / day
        target.mkdir(parents=True, exist_ok=True)
        for name in files:
            shutil.copy(SAMPLE / day / name, target / name)

    @property
    def driver(self) -> NightDriver:
        return NightDriver(
            self.defs, self.instance, run_config=QUIET_RUN_CONFIG, timeout_seconds=120
        )

    def night(self, day: str, cursor: str | None = None) -> NightReport:
        report = self.driver.night(day, cursor)
        assert not report.failed_runs, [r.run_id for r in report.failed_runs]
        return report

    def materialize(self, day: str, *keys: dg.AssetKey) -> dg.ExecuteInProcessResult:
        """Re-materialize some assets of a day (with their checks), as a user would from the UI."""
        return self.defs.resolve_implicit_global_asset_job_def().execute_in_process(
            instance=self.instance,
            partition_key=day,
            asset_selection=list(keys),
            run_config=QUIET_RUN_CONFIG,
            raise_on_error=False,
        )

    def sql(self, query: str, params: list | None = None) -> list[tuple]:
        with open_warehouse(self.settings.warehouse, read_only=True) as con:
            return con.execute(query, params or []).fetchall()

    def one(self, query: str, params: list | None = None) -> object:
        return self.sql(query, params)[0][0]

    def provider_batches(self) -> list:
        return list(self.emulator.client().batches.list(limit=100))


def ingest(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    day: str = DAY1,
    source: str | None = None,
) -> int:
    """The day's postings (``source``'s sample files, default the day's own, beside any file
    already there) into the warehouse, as ``scraped_jobs`` does it."""
    target = settings.incoming_dir / day
    target.mkdir(parents=True, exist_ok=True)
    for name in SUBSET:
        shutil.copy(SAMPLE / (source or day) / name, target / name)
    return ingest_day(settings, con, date.fromisoformat(day)).load.postings


def night_without_dagster(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    emulator: EmulatorProcess,
    day: date = FIRST_DAY,
) -> DayRun:
    """A whole day through pipeline/ alone (``run_day``), polling the emulator briskly."""
    client = BatchClient(api_key=emulator.api_key, base_url=emulator.base_url)
    return run_day(con, client, settings, day, Patience(poll_seconds=0.05, timeout_seconds=60))

"""What the pipeline tests share: sample days, and a pipeline object over a real instance."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb

from jobbatch_dagster.defs.driver import QUIET_RUN_CONFIG, NightDriver, NightReport
from jobbatch_dagster.emulator.process import EmulatorProcess
from jobbatch_dagster.settings import Settings

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "data" / "sample"
# The JSON scraper files of a sample day: ~55 postings with reposts and junk rows, no CSV, to
# keep every night of this suite at a few seconds.
SUBSET = ("craigslist-east.jsonl", "craigslist-west.json")
DAY1, DAY2 = "2026-11-18", "2026-11-19"


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
        with duckdb.connect(str(self.settings.warehouse_path), read_only=True) as con:
            return con.execute(query, params or []).fetchall()

    def one(self, query: str, params: list | None = None) -> object:
        return self.sql(query, params)[0][0]

    def provider_batches(self) -> list:
        return list(self.emulator.client().batches.list(limit=100))

"""A morning to follow up on: one sample day run through pipeline/ on the session emulator, into a
real DuckDB file, once per module; each test gets its own copy of the warehouse."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import duckdb
import pytest

from jobbatch_dagster.emulator.process import EmulatorProcess
from jobbatch_dagster.settings import Settings, load_settings
from jobbatch_dagster.warehouse import ensure_schema
from tests.pipeline.nights import REPO, ingest, night_without_dagster


@pytest.fixture(scope="module")
def morning(tmp_path_factory: pytest.TempPathFactory, emulator: EmulatorProcess) -> Path:
    """A warehouse after one night: leads with analysis and, for the best, outreach."""
    root = tmp_path_factory.mktemp("morning")
    settings = dataclasses.replace(
        load_settings(REPO / "jobbatch.toml"),
        incoming_dir=root / "incoming",
        batches_dir=root / "batches",
        warehouse_path=root / "warehouse.duckdb",
    )
    with duckdb.connect(str(settings.warehouse_path)) as con:
        ensure_schema(con)
        ingest(con, settings)
        night_without_dagster(con, settings, emulator)
    return settings.warehouse_path


@pytest.fixture
def settings(morning: Path, tmp_path: Path) -> Settings:
    """The shipped settings over a private copy of the morning's warehouse."""
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(morning, warehouse)
    return dataclasses.replace(load_settings(REPO / "jobbatch.toml"), warehouse_path=warehouse)


@pytest.fixture
def best_lead(settings: Settings) -> str:
    """The top lead's id (it has outreach)."""
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        row = con.execute("SELECT job_id FROM top_leads WHERE email_subject IS NOT NULL").fetchone()
    assert row is not None, "the sample night gave no lead outreach"
    return row[0]

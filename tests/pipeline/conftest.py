"""A real pipeline per test: the project's definitions over temporary folders, a real Dagster
instance, and a private emulator the engine reaches through the SDK's own environment variables."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from jobbatch_dagster.defs import build_defs
from jobbatch_dagster.emulator.process import EmulatorProcess
from jobbatch_dagster.settings import RetrySettings, Settings, load_settings
from jobbatch_dagster.warehouse import ensure_schema
from tests.pipeline.nights import REPO, Pipeline, persistent_instance


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The shipped configuration over temporary folders."""
    return dataclasses.replace(
        load_settings(REPO / "jobbatch.toml"),
        incoming_dir=tmp_path / "incoming",
        batches_dir=tmp_path / "batches",
        warehouse_path=tmp_path / "warehouse.duckdb",
        # resends and retries wait a few hundredths of a second, not the configured 30 s
        retries=RetrySettings(3, 0.05),
    )


@pytest.fixture
def dagster_instance(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[dg.DagsterInstance]:
    """The instance a test's `pipeline` runs on: ephemeral (in memory, the quickest), or, for a
    test marked ``pooled_instance``, persistent on disk from the project's own dagster.yaml, so
    the `duckdb` pool's one slot and run monitoring are in force as under `make dev`."""
    if request.node.get_closest_marker("pooled_instance") is None:
        with dg.DagsterInstance.ephemeral() as instance:
            yield instance
    else:
        with persistent_instance(tmp_path / "dagster_home") as instance:
            yield instance


@pytest.fixture
def pipeline(
    settings: Settings,
    fresh_emulator: EmulatorProcess,
    dagster_instance: dg.DagsterInstance,
    monkeypatch: pytest.MonkeyPatch,
) -> Pipeline:
    monkeypatch.setenv("OPENAI_BASE_URL", fresh_emulator.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", fresh_emulator.api_key)
    return Pipeline(settings, build_defs(settings), dagster_instance, fresh_emulator)


@pytest.fixture
def con(settings: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the settings' warehouse, every table in place."""
    connection = duckdb.connect(str(settings.warehouse_path))
    ensure_schema(connection)
    yield connection
    connection.close()

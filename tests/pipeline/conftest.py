"""A real pipeline per test: the project's definitions over temporary folders, a real Dagster
instance, and a private emulator the engine reaches through the SDK's own environment variables."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from jobbatch_dagster.defs import build_defs
from jobbatch_dagster.emulator.process import EmulatorProcess
from jobbatch_dagster.settings import Settings
from jobbatch_dagster.warehouse import ensure_schema
from tests.pipeline.nights import Pipeline, shipped_settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The shipped configuration over temporary folders."""
    return shipped_settings(tmp_path)


@pytest.fixture
def pipeline(
    settings: Settings, fresh_emulator: EmulatorProcess, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Pipeline]:
    monkeypatch.setenv("OPENAI_BASE_URL", fresh_emulator.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", fresh_emulator.api_key)
    with dg.DagsterInstance.ephemeral() as instance:
        yield Pipeline(settings, build_defs(settings), instance, fresh_emulator)


@pytest.fixture
def con(settings: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the settings' warehouse, every table in place."""
    connection = duckdb.connect(str(settings.warehouse_path))
    ensure_schema(connection)
    yield connection
    connection.close()

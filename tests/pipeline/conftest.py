"""A real pipeline per test: the project's definitions over temporary folders, a real Dagster
instance, and a private emulator the engine reaches through the SDK's own environment variables."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from jobbatch_dagster.defs import build_defs
from jobbatch_dagster.emulator.process import EmulatorProcess
from jobbatch_dagster.settings import RetrySettings, load_settings
from tests.pipeline.nights import REPO, Pipeline


@pytest.fixture
def pipeline(
    tmp_path: Path, fresh_emulator: EmulatorProcess, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Pipeline]:
    monkeypatch.setenv("OPENAI_BASE_URL", fresh_emulator.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", fresh_emulator.api_key)
    settings = dataclasses.replace(
        load_settings(REPO / "jobbatch.toml"),
        incoming_dir=tmp_path / "incoming",
        batches_dir=tmp_path / "batches",
        warehouse_path=tmp_path / "warehouse.duckdb",
        # resends and retries wait a few hundredths of a second, not the configured 30 s
        retries=RetrySettings(3, 0.05),
    )
    with dg.DagsterInstance.ephemeral() as instance:
        yield Pipeline(settings, build_defs(settings), instance, fresh_emulator)

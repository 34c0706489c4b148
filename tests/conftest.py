"""Shared fixtures: a real emulator server on a loopback port, started as a subprocess."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from jobbatch_dagster.emulator.process import EmulatorProcess


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    """One emulator for the session, latency 0. Tests that inject faults reset them afterwards."""
    data_dir: Path = tmp_path_factory.mktemp("emulator")
    with EmulatorProcess(data_dir=data_dir, latency=0.0) as server:
        yield server


@pytest.fixture
def fresh_emulator(tmp_path: Path) -> Iterator[EmulatorProcess]:
    """A private emulator for tests that change its state or faults, or restart it."""
    with EmulatorProcess(data_dir=tmp_path / "emulator", latency=0.0) as server:
        yield server


@pytest.fixture
def openai_env(emulator: EmulatorProcess, monkeypatch: pytest.MonkeyPatch) -> EmulatorProcess:
    """Point the real openai SDK at the session emulator through its own environment variables."""
    monkeypatch.setenv("OPENAI_BASE_URL", emulator.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", emulator.api_key)
    return emulator

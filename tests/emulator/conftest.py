"""Emulator-test fixtures: the session server with faults cleared around each test that injects."""

from __future__ import annotations

from collections.abc import Iterator

import openai
import pytest

from jobbatch_dagster.emulator.process import EmulatorProcess


@pytest.fixture
def faulty(emulator: EmulatorProcess) -> Iterator[EmulatorProcess]:
    """The session emulator, with no fault left over before or after the test."""
    emulator.reset_faults()
    yield emulator
    emulator.reset_faults()


@pytest.fixture
def client(emulator: EmulatorProcess) -> openai.OpenAI:
    """The real SDK against the session emulator, strict validation on, no retries to hide errors."""
    return emulator.client(max_retries=0)

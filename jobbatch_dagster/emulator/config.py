"""How one emulator server behaves: its latency, key and limits, set from the command line."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jobbatch_dagster.contract import (
    MAX_BATCH_FILE_BYTES,
    MAX_BATCHES_PER_HOUR,
    MAX_REQUESTS_PER_BATCH,
)
from jobbatch_dagster.emulator.models import DEFAULT_MODELS_FILE

DEFAULT_LATENCY_SECONDS = 3.0
API_KEY_ENV = "JOBBATCH_EMULATOR_API_KEY"  # where `serve --api-key` may come from instead


@dataclass(frozen=True)
class EmulatorConfig:
    """Settings of one server; the limits default to the contract's and are lowered only to test.

    ``latency`` is how long a batch takes end to end (validating + in_progress + finalizing);
    0 means as fast as the machine goes. ``token_limit`` is the enqueued-token limit per model
    (prompt tokens of batches in flight); None switches it off, as for most real organisations'
    small batches. ``models_file`` lists the models served (see models.py).
    """

    data_dir: Path
    latency: float = DEFAULT_LATENCY_SECONDS
    api_key: str | None = None
    token_limit: int | None = None
    max_requests: int = MAX_REQUESTS_PER_BATCH
    max_bytes: int = MAX_BATCH_FILE_BYTES
    time_scale: float = 1.0  # emulator seconds per real second (see clock.py)
    models_file: Path = DEFAULT_MODELS_FILE
    batches_per_hour: int = MAX_BATCHES_PER_HOUR
    allow_remote: bool = False  # bound off loopback: every route then needs api_key

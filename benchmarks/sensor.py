"""The sensor's provider calls with hundreds or thousands of batches in flight.

The emulator's store is seeded directly (a ``BatchRecord`` per batch, created over 30 days, every
one ``completed`` so the emulator's worker leaves them alone) and the real emulator serves them over
HTTP; creating 5,000 batches through the API would take longer than everything else here. Timed:
the provider part of one ``batch_status_sensor`` tick (``poll_statuses``: one walk of the batches list,
then a retrieve for each batch the list did not show) against the naive pattern, one retrieve per
watched batch. Provider calls are counted on the SDK's HTTP client.
"""

from __future__ import annotations

import logging
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import openai

from jobbatch_dagster.batch.client import BatchClient
from jobbatch_dagster.defs.sensors import TICK_BUDGET_SECONDS, poll_statuses
from jobbatch_dagster.emulator.process import EmulatorProcess
from jobbatch_dagster.emulator.records import BatchRecord
from jobbatch_dagster.emulator.store import Store

SIZES = (500, 5_000)
DAYS = 30


@dataclass(frozen=True)
class SensorMeasure:
    batches: int
    case: str
    seconds: float
    provider_calls: int
    found: int
    budget_seconds: float = TICK_BUDGET_SECONDS


def seed(data_dir: Path, count: int) -> list[str]:
    """``count`` completed batches, created evenly over the last 30 days; their ids."""
    store = Store(data_dir)
    now = int(time.time())
    ids = []
    for n in range(count):
        created = now - DAYS * 86_400 * (count - n) // count
        batch_id = f"batch_bench{n:06d}"
        store.insert_batch(
            BatchRecord(
                id=batch_id,
                endpoint="/v1/chat/completions",
                input_file_id=f"file-in{n}",
                completion_window="24h",
                status="completed",
                created_at=created,
                expires_at=created + 86_400,
                phase_ts=float(created),
                output_body_id=f"file-out{n}",
                error_body_id=f"file-err{n}",
                metadata={"task": "qualify"},
                completed_at=created + 600,
                total=50,
                completed=50,
            )
        )
        ids.append(batch_id)
    store.close()
    return ids


def _counting_client(base_url: str, api_key: str) -> tuple[BatchClient, list[int]]:
    calls = [0]

    def count(request: httpx.Request) -> None:
        calls[0] += 1

    http = httpx.Client(event_hooks={"request": [count]})
    sdk = openai.OpenAI(base_url=base_url, api_key=api_key, http_client=http)
    return BatchClient(sdk), calls


def run(sizes: tuple[int, ...] = SIZES) -> list[SensorMeasure]:
    measures = []
    log = logging.getLogger("benchmarks.sensor")
    for size in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            wanted = set(seed(Path(tmp), size))
            with EmulatorProcess(Path(tmp)) as emulator:
                client, calls = _counting_client(emulator.base_url, emulator.api_key)
                started = time.perf_counter()
                found = poll_statuses(client, wanted, time.monotonic() + TICK_BUDGET_SECONDS, log)
                measures.append(
                    SensorMeasure(size, "tick", time.perf_counter() - started, calls[0], len(found))
                )
                client, calls = _counting_client(emulator.base_url, emulator.api_key)
                started = time.perf_counter()
                retrieved = [client.status(batch_id) for batch_id in sorted(wanted)]
                measures.append(
                    SensorMeasure(
                        size, "naive", time.perf_counter() - started, calls[0], len(retrieved)
                    )
                )
        for measure in measures[-2:]:
            print(
                f"  sensor {measure.case:5} {size:>6,} batches {measure.seconds:7.2f} s "
                f"{measure.provider_calls:>6} calls, {measure.found} found",
                flush=True,
            )
    return measures

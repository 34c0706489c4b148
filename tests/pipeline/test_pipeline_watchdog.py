"""A run killed with -9 while it holds the `duckdb` pool does not hang the night: on a persistent
instance with the project's dagster.yaml, `stale_run_watchdog` fails it and frees its slot, and the
next write run completes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from jobbatch_dagster.defs import build_defs
from jobbatch_dagster.defs.driver import QUIET_RUN_CONFIG, NightDriver
from jobbatch_dagster.defs.watchdog import WATCHDOG_NAME, WORKER_TAG, worker_is_alive
from jobbatch_dagster.emulator.process import EmulatorProcess
from jobbatch_dagster.home import DUCKDB_POOL, prepare_dagster_home
from jobbatch_dagster.settings import load_settings
from tests.pipeline.nights import DAY1, SAMPLE, SUBSET

pytestmark = pytest.mark.integration

# The night's first run, in a process of its own (the test kills it): executed by the night driver,
# which tags the run with its worker, or plainly, as a launched run's worker does, which leaves the
# pid only in the run's engine events.
WORKER = """
import sys
import dagster as dg
from jobbatch_dagster.defs import build_defs
from jobbatch_dagster.defs.driver import QUIET_RUN_CONFIG, NightDriver, NightReport
from jobbatch_dagster.defs.jobs import NIGHTLY_JOB
from jobbatch_dagster.settings import load_settings
day, tagged = sys.argv[1], sys.argv[2] == "tagged"
defs = build_defs(load_settings())
with dg.DagsterInstance.get() as instance:
    if tagged:
        NightDriver(defs, instance, run_config=QUIET_RUN_CONFIG).nightly(NightReport(day))
    else:
        defs.resolve_job_def(NIGHTLY_JOB).execute_in_process(instance=instance, partition_key=day)
"""


@pytest.fixture
def silent_provider() -> Iterator[str]:
    """A provider that accepts connections and never answers: a call to it hangs, as a step
    stuck on the network does, holding its pool slot."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        yield f"http://127.0.0.1:{server.getsockname()[1]}/v1"


def _wait_for(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _slot_holders(instance: dg.DagsterInstance) -> set[tuple[str, str]]:
    """(run id, step key) of every claimed slot of the duckdb pool."""
    info = instance.event_log_storage.get_concurrency_info(DUCKDB_POOL)
    return {(slot.run_id, slot.step_key) for slot in info.claimed_slots}


@pytest.mark.timeout(300)
@pytest.mark.parametrize("worker_tagged", ["tagged", "untagged"])
def test_a_run_killed_holding_the_pool_is_failed_and_the_next_write_completes(
    worker_tagged: str,
    tmp_path: Path,
    fresh_emulator: EmulatorProcess,
    silent_provider: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    home = prepare_dagster_home(tmp_path / "dagster_home")
    assert "run_monitoring:" in (home / "dagster.yaml").read_text()
    config = tmp_path / "jobbatch.toml"
    config.write_text(
        f'[paths]\nincoming = "{tmp_path / "incoming"}"\nbatches = "{tmp_path / "batches"}"\n'
        f'warehouse = "{tmp_path / "warehouse.duckdb"}"\n'
    )
    (tmp_path / "incoming" / DAY1).mkdir(parents=True)
    for name in SUBSET:
        (tmp_path / "incoming" / DAY1 / name).write_bytes((SAMPLE / DAY1 / name).read_bytes())
    monkeypatch.delenv("JOBBATCH_WAREHOUSE", raising=False)
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv("JOBBATCH_CONFIG", str(config))
    worker_env = {**os.environ, "OPENAI_BASE_URL": silent_provider, "OPENAI_API_KEY": "unused"}

    defs = build_defs(load_settings())
    watchdog = defs.resolve_sensor_def(WATCHDOG_NAME)
    with dg.DagsterInstance.get() as instance:
        context = dg.build_sensor_context(instance=instance, sensor_name=WATCHDOG_NAME)
        worker = subprocess.Popen(
            [sys.executable, "-c", WORKER, DAY1, worker_tagged], env=worker_env
        )
        try:
            # the submit step claims the slot, then hangs on the silent provider
            (held,) = _wait_for(
                lambda: {h for h in _slot_holders(instance) if h[1] == "qualify_batch"},
                120,
                "the worker's submit step to claim the duckdb slot",
            )
            watchdog.evaluate_tick(context)  # a live worker's run is left alone
            assert _slot_holders(instance) == {held}
        finally:
            worker.kill()  # SIGKILL: the worker reports nothing
            worker.wait()
        held_by = held[0]
        run = instance.get_run_by_id(held_by)
        assert run is not None and run.status == dg.DagsterRunStatus.STARTED
        assert (WORKER_TAG in run.tags) == (worker_tagged == "tagged")
        assert not worker_is_alive(worker.pid, None)
        assert _slot_holders(instance) == {held}  # without the watchdog, every write now waits

        defs = build_defs(load_settings())
        watchdog = defs.resolve_sensor_def(WATCHDOG_NAME)
        watchdog.evaluate_tick(
            dg.build_sensor_context(instance=instance, sensor_name=WATCHDOG_NAME)
        )

        failed = instance.get_run_by_id(held_by)
        assert failed is not None and failed.status == dg.DagsterRunStatus.FAILURE
        assert _slot_holders(instance) == set()
        monkeypatch.setenv("OPENAI_BASE_URL", fresh_emulator.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", fresh_emulator.api_key)
        report = NightDriver(
            defs, instance, run_config=QUIET_RUN_CONFIG, timeout_seconds=120
        ).night(DAY1)
        assert report.runs and not report.failed_runs
        assert {b.status for b in fresh_emulator.client().batches.list()} == {"completed"}

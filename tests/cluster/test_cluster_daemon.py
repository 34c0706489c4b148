"""The night on the cluster instance: PostgreSQL storage, a real dagster-daemon launching every run
in a process of its own, the duckdb pool of one slot across processes, and a run worker killed with
-9 that gives its slot back and does not stop the night.

One module-scoped scenario (two nights submitted to the queue at once, the first harvest run's
worker killed while it holds the pool's slot) runs once; each test checks one thing it recorded.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import psycopg2
import pytest

from jobbatch_dagster.cluster.config import write_config
from jobbatch_dagster.cluster.night import day_runs, wait_for_night
from jobbatch_dagster.cluster.services import LocalPostgres
from jobbatch_dagster.cluster.stack import DagsterStack
from jobbatch_dagster.defs.harvest_retries import HARVEST_TAG
from jobbatch_dagster.defs.jobs import HARVEST_JOB, NIGHTLY_JOB
from jobbatch_dagster.defs.watchdog import WATCHDOG_NAME
from jobbatch_dagster.emulator.process import EmulatorProcess
from jobbatch_dagster.home import DUCKDB_POOL, prepare_dagster_home
from jobbatch_dagster.settings import load_settings
from tests.pipeline.nights import DAY1, DAY2, SAMPLE, SUBSET

pytestmark = [pytest.mark.integration, pytest.mark.slow]

WATCHDOG_SECONDS = 3  # [instance] watchdog_interval_seconds of this scenario
# The daemon evaluates a due sensor within a few seconds of its interval on a busy 2-core host
# (run monitoring alone would take free_slots_after_run_end_seconds = 60 plus its 30 s poll).
DAEMON_SLACK_SECONDS = 20
NIGHT_TIMEOUT_SECONDS = 420
HOLDER = "held-by-the-test"  # the run id and step key of the test's own claim on the slot
HOLD_AFTER_START_SECONDS = 3.0  # long enough for a run that ignored the pool to start writing


@dataclass
class Killed:
    run_id: str = ""
    pid: int = 0
    killed_at: float = 0.0
    released_at: float | None = None


@dataclass
class Held:
    """The test's own claim on the duckdb slot while the nights start."""

    released_at: float = 0.0
    waiting_run_id: str = ""


@dataclass
class Scenario:
    instance: dg.DagsterInstance
    postgres: LocalPostgres
    database: str
    stack_pids: dict[str, int]
    home: Path
    runs: dict[str, list[dg.DagsterRun]] = field(default_factory=dict)
    killed: Killed = field(default_factory=Killed)
    held: Held = field(default_factory=Held)


def _worker_pid(instance: dg.DagsterInstance, run_id: str) -> int | None:
    """The pid the run's worker reported in its engine events ("Started process for run")."""
    records = instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.ENGINE_EVENT)
    for record in records.records:
        event = record.event_log_entry.dagster_event
        pid = event.event_specific_data.metadata.get("pid") if event else None
        if pid is not None:
            return int(str(pid.value))
    return None


def _kill_first_harvest_holding_the_pool(
    instance: dg.DagsterInstance, killed: Killed, stop: threading.Event
) -> None:
    """kill -9 the worker of the first harvest run seen holding the duckdb slot, then time how
    long until the slot is free again."""
    while not stop.is_set() and not killed.run_id:
        claimed = instance.event_log_storage.get_concurrency_info(DUCKDB_POOL).claimed_slots
        for slot in claimed:
            run = instance.get_run_by_id(slot.run_id)
            pid = (
                _worker_pid(instance, slot.run_id) if run and run.job_name == HARVEST_JOB else None
            )
            if pid is not None:
                os.kill(pid, signal.SIGKILL)
                killed.run_id, killed.pid, killed.killed_at = slot.run_id, pid, time.time()
                break
        time.sleep(0.05)
    while not stop.is_set() and killed.run_id:
        claimed = instance.event_log_storage.get_concurrency_info(DUCKDB_POOL).claimed_slots
        if all(slot.run_id != killed.run_id for slot in claimed):
            killed.released_at = time.time()
            return
        time.sleep(0.2)


def _launch_while_the_slot_is_held(
    stack: DagsterStack, instance: dg.DagsterInstance, held: Held
) -> dict[str, str]:
    """Take the duckdb slot from this process, submit both nights, wait until a nightly run is in
    progress (its worker waiting for the slot), then give the slot back."""
    storage = instance.event_log_storage
    storage.initialize_concurrency_limit_to_default(DUCKDB_POOL)
    assert storage.claim_concurrency_slot(DUCKDB_POOL, HOLDER, HOLDER).is_claimed
    try:
        nightly = {
            day: stack.launch(NIGHTLY_JOB, {"dagster/partition": day}) for day in (DAY1, DAY2)
        }
        deadline = time.monotonic() + NIGHT_TIMEOUT_SECONDS
        while not held.waiting_run_id and time.monotonic() < deadline:
            for run_id in nightly.values():
                run = instance.get_run_by_id(run_id)
                if run is not None and run.status == dg.DagsterRunStatus.STARTED:
                    held.waiting_run_id = run_id
            time.sleep(0.2)
        time.sleep(HOLD_AFTER_START_SECONDS)
    finally:
        storage.free_concurrency_slot_for_step(HOLDER, HOLDER)
        held.released_at = time.time()
    return nightly


@pytest.fixture(scope="module")
def scenario(
    postgres: LocalPostgres, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Scenario]:
    root = tmp_path_factory.mktemp("cluster")
    database = "dagster_daemon_scenario"
    postgres.create_database(database)
    for day in (DAY1, DAY2):
        (root / "incoming" / day).mkdir(parents=True)
        for name in SUBSET:
            shutil.copy(SAMPLE / day / name, root / "incoming" / day / name)
    config = write_config(
        root / "jobbatch.toml",
        None,
        {
            "paths": {
                "incoming": str(root / "incoming"),
                "batches": str(root / "batches"),
                "warehouse": str(root / "warehouse.duckdb"),
            },
            "retries": {"backoff_seconds": 1},
            "instance": {
                "home": str(root / "dagster_home"),
                "storage": f"postgres:{postgres.libpq(database)}",
                "sensor_interval_seconds": 2,
                "watchdog_interval_seconds": WATCHDOG_SECONDS,
            },
        },
        "the cluster scenario",
    )
    with EmulatorProcess(root / "emulator") as emulator:
        env = dict(
            os.environ,
            JOBBATCH_CONFIG=str(config),
            PGPASSWORD="",  # the rehearsal server trusts loopback; Dagster still reads the variable
            OPENAI_BASE_URL=emulator.base_url,
            OPENAI_API_KEY=emulator.api_key,
        )
        env["DAGSTER_HOME"] = str(prepare_dagster_home(settings=load_settings(config)))
        saved = dict(os.environ)
        os.environ.update(env)
        try:
            with (
                DagsterStack(root / "stack", env, webserver=False) as stack,
                dg.DagsterInstance.get() as instance,
            ):
                done = Scenario(
                    instance,
                    postgres,
                    database,
                    {name: stack.pid(name) for name in ("code-server", "daemon")},
                    Path(env["DAGSTER_HOME"]),
                )
                stop = threading.Event()
                killer = threading.Thread(
                    target=_kill_first_harvest_holding_the_pool,
                    args=(instance, done.killed, stop),
                )
                killer.start()
                try:
                    nightly = _launch_while_the_slot_is_held(stack, instance, done.held)
                    for day, run_id in nightly.items():
                        done.runs[day] = wait_for_night(
                            instance, day, run_id, NIGHT_TIMEOUT_SECONDS
                        )
                finally:
                    stop.set()
                    killer.join()
                yield done
        finally:
            os.environ.clear()
            os.environ.update(saved)


def _pg(scenario: Scenario, query: str) -> list[tuple]:
    with contextlib.closing(psycopg2.connect(scenario.postgres.libpq(scenario.database))) as con:
        cur = con.cursor()
        cur.execute(query)
        return cur.fetchall()


def test_the_instance_keeps_runs_events_and_schedules_in_postgres(scenario: Scenario) -> None:
    runs = [r for day in (DAY1, DAY2) for r in scenario.runs[day]]
    in_pg = {row[0] for row in _pg(scenario, "SELECT run_id FROM runs")}
    assert {r.run_id for r in runs} <= in_pg
    steps = _pg(
        scenario, "SELECT count(*) FROM event_logs WHERE dagster_event_type = 'STEP_SUCCESS'"
    )
    assert steps[0][0] > len(runs)
    sensors = " ".join(row[0] for row in _pg(scenario, "SELECT instigator_body FROM instigators"))
    assert "batch_status_sensor" in sensors and WATCHDOG_NAME in sensors
    ticks = _pg(scenario, "SELECT count(*) FROM job_ticks WHERE type = 'SENSOR'")
    assert ticks[0][0] > 2
    # nothing of the instance is in local SQLite files
    assert not list(scenario.home.rglob("*.db"))


def test_every_run_executes_in_a_process_of_its_own(scenario: Scenario) -> None:
    runs = [r for day in (DAY1, DAY2) for r in scenario.runs[day]]
    pids = {r.run_id: _worker_pid(scenario.instance, r.run_id) for r in runs}
    assert None not in pids.values()
    others = {os.getpid(), *scenario.stack_pids.values()}
    assert not set(pids.values()) & others
    assert len(set(pids.values())) == len(runs)  # one worker per run
    for day in (DAY1, DAY2):
        jobs = [r.job_name for r in scenario.runs[day] if r.status == dg.DagsterRunStatus.SUCCESS]
        assert jobs[0] == NIGHTLY_JOB and jobs.count(HARVEST_JOB) >= 3


_HOLDS = (dg.DagsterEventType.STEP_START, dg.DagsterEventType.STEP_RESTARTED)
_GIVES_BACK = (
    dg.DagsterEventType.STEP_SUCCESS,
    dg.DagsterEventType.STEP_FAILURE,
    dg.DagsterEventType.STEP_UP_FOR_RETRY,
)


def test_runs_that_write_the_warehouse_never_write_at_once(scenario: Scenario) -> None:
    windows = []
    for day in (DAY1, DAY2):
        for run in scenario.runs[day]:
            if run.run_id == scenario.killed.run_id:
                continue
            records = scenario.instance.get_records_for_run(run.run_id).records
            starts: dict[str, float] = {}
            for record in records:
                entry = record.event_log_entry
                event = entry.dagster_event
                if event is None or event.step_key is None:
                    continue
                # A step holds the slot from its start to its end, and gives it back while it
                # waits to be retried: a retry starts with STEP_RESTARTED, not STEP_START.
                if event.event_type in _HOLDS:
                    starts[event.step_key] = entry.timestamp
                elif event.event_type in _GIVES_BACK:
                    windows.append((starts.pop(event.step_key), entry.timestamp, run.run_id))
    windows.sort()
    for (_, end, run_a), (start, _, run_b) in itertools.pairwise(windows):
        assert start >= end, f"steps of {run_a} and {run_b} wrote the warehouse at once"
    # a run in another process waited while this process held the slot
    held = scenario.held
    assert held.waiting_run_id, "no nightly run started while the test held the slot"
    first_step = min(
        record.event_log_entry.timestamp
        for record in scenario.instance.get_records_for_run(
            held.waiting_run_id, of_type=dg.DagsterEventType.STEP_START
        ).records
    )
    assert first_step >= held.released_at


def test_a_worker_killed_with_minus_9_gives_its_slot_back_and_the_night_completes(
    scenario: Scenario,
) -> None:
    killed = scenario.killed
    assert killed.run_id, "no harvest run was seen holding the pool's slot"
    run = scenario.instance.get_run_by_id(killed.run_id)
    assert run is not None and run.status == dg.DagsterRunStatus.FAILURE
    assert killed.released_at is not None
    released_after = killed.released_at - killed.killed_at
    print(f"slot released {released_after:.1f} s after kill -9 of pid {killed.pid}")
    assert released_after <= WATCHDOG_SECONDS + DAEMON_SLACK_SECONDS
    day = run.tags["dagster/partition"]
    retried = [
        r
        for r in day_runs(scenario.instance, day)
        if r.tags.get(HARVEST_TAG) == run.tags[HARVEST_TAG]
        and r.status == dg.DagsterRunStatus.SUCCESS
    ]
    assert retried, "the killed harvest was not run again"

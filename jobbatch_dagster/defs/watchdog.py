"""``stale_run_watchdog``: fails runs whose worker process is gone, so their pool slot comes back.

A run worker killed with -9 (out of memory, a laptop lid, ``kill``) never reports its end: the run
stays STARTED and keeps the only slot of the ``duckdb`` pool, and every later write waits forever.
Dagster's run monitoring cannot see this with the default run launcher (it cannot check that
launcher's workers, and frees slots only of runs that ended), so this sensor checks the worker
itself: the pid the run recorded (our ``jobbatch/worker`` tag, or the pid of its engine events:
the launcher's "Started process for run", the executor's "Executing steps ..."; step subprocesses
report theirs in other events), on this host. A dead worker's run is reported failed and its slots freed at once.
A run launched through a code server is reported failed by that server the moment its worker dies,
but keeps its slots until run monitoring frees them (``free_slots_after_run_end_seconds``, plus a
poll): the watchdog frees the slots of an ended run whose worker is gone at its next tick.
The ``max_runtime_seconds`` of run monitoring (home.py) stays the backstop for workers that hang.
"""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

import dagster as dg

WATCHDOG_NAME = "stale_run_watchdog"
WORKER_TAG = "jobbatch/worker"  # "<host>:<pid>" of the process that executes the run
STARTUP_GRACE_SECONDS = 5.0  # a pid may be recorded a moment after the run started


def worker_tag() -> dict[str, str]:
    """The tag that names this process as the worker of a run it executes in process."""
    return {WORKER_TAG: f"{socket.gethostname()}:{os.getpid()}"}


def _process_started_at(pid: int) -> float | None:
    """Unix time the process started (Linux ``/proc``), None when it cannot be told."""
    try:
        ticks = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19])
        boot = next(
            int(line.split()[1])
            for line in Path("/proc/stat").read_text().splitlines()
            if line.startswith("btime ")
        )
    except (OSError, IndexError, ValueError, StopIteration):
        return None
    return boot + ticks / os.sysconf("SC_CLK_TCK")


def worker_is_alive(pid: int, run_started_at: float | None) -> bool:
    """True while ``pid`` is a live process that may be the run's worker. A zombie (killed, not yet
    reaped) is dead; so is a process that started after the run did (its pid was reused)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, under another user
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    started = _process_started_at(pid)
    reused = (
        started is not None
        and run_started_at is not None
        and started > run_started_at + STARTUP_GRACE_SECONDS
    )
    return state != "Z" and not reused


def _worker_pid(instance: dg.DagsterInstance, run: dg.DagsterRun) -> int | None:
    """The pid of the run's worker on this host, if it recorded one."""
    host, _, pid = run.tags.get(WORKER_TAG, "").rpartition(":")
    if pid:
        return int(pid) if host == socket.gethostname() else None
    if not isinstance(instance.run_launcher, dg.DefaultRunLauncher):
        return None  # workers of other launchers run elsewhere; their monitoring sees them
    events = instance.get_records_for_run(
        run.run_id, of_type=dg.DagsterEventType.ENGINE_EVENT, ascending=False
    ).records
    for record in events:  # newest first: a resumed run has a newer worker
        event = record.event_log_entry.dagster_event
        data = event.event_specific_data if event else None
        recorded = data.metadata.get("pid") if data is not None else None
        if recorded is not None:
            return int(str(recorded.value))
    return None


def fail_dead_runs(instance: dg.DagsterInstance) -> list[str]:
    """Report every STARTED run whose worker is gone as failed and free its pool slots; return
    their run ids."""
    failed = []
    for record in instance.get_run_records(
        filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED])
    ):
        run = record.dagster_run
        pid = _worker_pid(instance, run)
        if pid is None or worker_is_alive(pid, record.start_time):
            continue
        instance.report_run_failed(
            run,
            f"The run's worker (pid {pid}) is gone: it was killed or crashed without reporting. "
            f"Marked failed by {WATCHDOG_NAME} so its pool slot is freed; run it again, or let "
            "batch_status_sensor retry a harvest.",
        )
        # Run monitoring frees the slots of ended runs only after free_slots_after_run_end_seconds,
        # and only with the daemon running; the night should not wait for either.
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        failed.append(run.run_id)
    return failed


def free_slots_of_ended_runs(instance: dg.DagsterInstance) -> list[str]:
    """Free the pool slots still claimed by runs that ended and whose worker process is gone (a
    live worker may still be finishing a step); return their run ids."""
    storage = instance.event_log_storage
    holders = {
        slot.run_id
        for pool in storage.get_concurrency_keys()
        for slot in storage.get_concurrency_info(pool).claimed_slots
    }
    freed = []
    for run_id in sorted(holders):
        record = instance.get_run_record_by_id(run_id)
        if record is None or not record.dagster_run.is_finished:
            continue
        pid = _worker_pid(instance, record.dagster_run)
        if pid is None or worker_is_alive(pid, record.start_time):
            continue
        storage.free_concurrency_slots_for_run(run_id)
        freed.append(run_id)
    return freed


def build_stale_run_watchdog(interval_seconds: int) -> dg.SensorDefinition:
    """The watchdog, evaluated every ``interval_seconds`` (``[instance] watchdog_interval_seconds``)."""

    @dg.sensor(
        name=WATCHDOG_NAME,
        minimum_interval_seconds=interval_seconds,
        default_status=dg.DefaultSensorStatus.RUNNING,
    )
    def stale_run_watchdog(context: dg.SensorEvaluationContext) -> dg.SkipReason:
        """Fails STARTED runs whose worker process is gone, freeing their `duckdb` pool slot."""
        started = time.monotonic()
        failed = fail_dead_runs(context.instance)
        for run_id in failed:
            context.log.warning(f"run {run_id}: worker gone, marked failed and its slots freed")
        freed = free_slots_of_ended_runs(context.instance)
        for run_id in freed:
            context.log.warning(f"run {run_id}: ended with its worker gone; its slots freed")
        return dg.SkipReason(
            f"{len(failed)} run(s) with a dead worker failed, the slots of {len(freed)} ended "
            f"run(s) freed ({time.monotonic() - started:.2f} s)"
        )

    return stale_run_watchdog

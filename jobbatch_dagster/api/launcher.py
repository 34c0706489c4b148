"""Start a scrape day's run on the Dagster instance, one night at a time, off the request path.

Each launch queues the day's night; one worker thread runs the queued nights in order, each in its
own process (:mod:`~jobbatch_dagster.api.night_worker`) on the instance in ``DAGSTER_HOME``, as
Dagster's run launcher would: the nightly job under a run id chosen here (so the caller gets it at
once), then the sensor and the runs it requests until the day is harvested. One at a time because
DuckDB allows one writing process; a day already waiting in the queue is not queued twice, as its
run will read every file in the day's folder.
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

STOP_TIMEOUT_SECONDS = 10.0


@dataclass
class NightRun:
    run_id: str  # the Dagster run id of the day's nightly job
    day: str
    state: str = "queued"  # queued | running | succeeded | failed
    log: Path | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {
            "run_id": self.run_id,
            "day": self.day,
            "state": self.state,
            "log": str(self.log) if self.log else None,
        }


class NightLauncher:
    """Queue of nights to run; ``close()`` stops the worker (a night in progress is terminated)."""

    def __init__(self, log_dir: Path, env: dict[str, str] | None = None) -> None:
        self.log_dir = log_dir
        self.env = env
        self._runs: dict[str, NightRun] = {}
        self._queue: queue.Queue[NightRun | None] = queue.Queue()
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._thread = threading.Thread(target=self._work, name="night-launcher", daemon=True)
        self._thread.start()

    def launch(self, day: str) -> NightRun:
        """The queued run for ``day`` if one waits, else a new one at the back of the queue."""
        with self._lock:
            for run in self._runs.values():
                if run.day == day and run.state == "queued":
                    return run
            run = NightRun(run_id=str(uuid.uuid4()), day=day)
            self._runs[run.run_id] = run
        self._queue.put(run)
        return run

    def get(self, run_id: str) -> NightRun | None:
        return self._runs.get(run_id)

    def _work(self) -> None:
        while (run := self._queue.get()) is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            run.log = self.log_dir / f"night-{run.day}-{run.run_id}.log"
            command = [sys.executable, "-m", "jobbatch_dagster.api.night_worker", run.day]
            with self._lock:
                run.state = "running"
            with run.log.open("wb") as log:
                self._process = subprocess.Popen(
                    [*command, "--run-id", run.run_id],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env=self.env if self.env is not None else dict(os.environ),
                )
                code = self._process.wait()
            run.state = "succeeded" if code == 0 else "failed"

    def close(self) -> None:
        self._queue.put(None)
        process = self._process
        if process is not None and process.poll() is None:
            process.terminate()
            process.wait(timeout=STOP_TIMEOUT_SECONDS)
        self._thread.join(timeout=STOP_TIMEOUT_SECONDS)

"""The Dagster services of a deployment, as local subprocesses: code server, daemon, webserver.

The same three processes a docker-compose file or the Helm chart runs, started with Dagster's own
commands on loopback:

- the code location's gRPC server (``dagster api grpc -m jobbatch_dagster.definitions``), which
  also spawns every launched run's worker (the default run launcher);
- ``dagster-daemon run``: the queued run coordinator, the sensors, the schedule, run monitoring;
- ``dagster-webserver`` (optional), the UI.

They find each other through a ``workspace.yaml`` written here that points at the gRPC server, and
share the instance of ``DAGSTER_HOME`` in the environment given. Runs go to the queue with
``dagster job launch``, as a user or CI would submit them. Each process runs in a session of its
own, so :meth:`DagsterStack.stop` ends it together with any run worker it spawned.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO

import httpx

from jobbatch_dagster.cluster.services import ServiceError
from jobbatch_dagster.defs.driver import CODE_LOCATION
from jobbatch_dagster.emulator.process import free_port

DEFINITIONS_MODULE = "jobbatch_dagster.definitions"
# Loading the definitions and starting the webserver take a few seconds each, longer on a busy host.
STARTUP_TIMEOUT_SECONDS = 120.0
STOP_TIMEOUT_SECONDS = 20.0
HOST = "127.0.0.1"


def _dagster(*args: str) -> list[str]:
    """A Dagster command run by this interpreter, so the project's virtualenv is the one used."""
    return [sys.executable, "-m", *args]


def _daemon(*args: str) -> list[str]:
    """``dagster-daemon``, the console script installed beside this interpreter."""
    return [str(Path(sys.executable).with_name("dagster-daemon")), *args]


@dataclass
class _Service:
    name: str
    command: list[str]
    process: subprocess.Popen[bytes] | None = None
    log: IO[bytes] | None = None


@dataclass
class DagsterStack:
    """Code server, daemon and (with ``webserver=True``) the UI on one instance, logs in ``root``."""

    root: Path
    env: Mapping[str, str]
    webserver: bool = True
    code_port: int = field(default_factory=free_port)
    ui_port: int = field(default_factory=free_port)
    _services: list[_Service] = field(default_factory=list)

    @property
    def workspace(self) -> Path:
        return self.root / "workspace.yaml"

    @property
    def ui_url(self) -> str:
        return f"http://{HOST}:{self.ui_port}"

    def pid(self, name: str) -> int:
        """The process id of a running service: ``code-server``, ``daemon`` or ``webserver``."""
        for service in self._services:
            if service.name == name and service.process is not None:
                return service.process.pid
        raise KeyError(f"no running service {name!r}")

    def log_path(self, name: str) -> Path:
        return self.root / f"{name}.log"

    def start(self) -> DagsterStack:
        self.root.mkdir(parents=True, exist_ok=True)
        self.workspace.write_text(
            "load_from:\n  - grpc_server:\n"
            f"      host: {HOST}\n      port: {self.code_port}\n"
            f"      location_name: {CODE_LOCATION}\n",
            encoding="utf-8",
        )
        try:
            self._spawn(
                "code-server",
                _dagster("dagster", "api", "grpc", "-m", DEFINITIONS_MODULE,
                         "-h", HOST, "-p", str(self.code_port),
                         "--location-name", CODE_LOCATION),
            )  # fmt: skip
            self._wait_for("code-server", self._port_open)
            self._spawn("daemon", _daemon("run", "-w", str(self.workspace)))
            if self.webserver:
                self._spawn(
                    "webserver",
                    _dagster("dagster_webserver", "-w", str(self.workspace),
                             "-h", HOST, "-p", str(self.ui_port)),
                )  # fmt: skip
                self._wait_for("webserver", self._ui_up)
        except BaseException:
            self.stop()
            raise
        return self

    def _spawn(self, name: str, command: list[str]) -> None:
        log = self.log_path(name).open("ab")
        process = subprocess.Popen(
            command,
            env=dict(self.env),
            cwd=os.getcwd(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._services.append(_Service(name, command, process, log))

    def _port_open(self) -> bool:
        try:
            with socket.create_connection((HOST, self.code_port), timeout=1):
                return True
        except OSError:
            return False

    def _ui_up(self) -> bool:
        try:
            return httpx.get(f"{self.ui_url}/server_info", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def _wait_for(self, name: str, ready) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        service = next(s for s in self._services if s.name == name)
        while time.monotonic() < deadline:
            if service.process is not None and service.process.poll() is not None:
                raise ServiceError(f"{name} exited at startup; its log is {self.log_path(name)}")
            if ready():
                return
            time.sleep(0.3)
        raise ServiceError(
            f"{name} not ready after {STARTUP_TIMEOUT_SECONDS:.0f} s; its log is "
            f"{self.log_path(name)}"
        )

    def launch(
        self, job: str, tags: Mapping[str, str], run_config: Mapping[str, object] | None = None
    ) -> str:
        """Submit a run of ``job`` to the instance's queue (the daemon launches it); its run id."""
        run_id = str(uuid.uuid4())
        command = _dagster(
            "dagster", "job", "launch", "-w", str(self.workspace), "-j", job, "--run-id", run_id,
            "--tags", json.dumps(dict(tags)), "--config-json", json.dumps(run_config or {}),
        )  # fmt: skip
        done = subprocess.run(command, env=dict(self.env), capture_output=True, text=True)
        if done.returncode != 0:
            raise ServiceError(f"`dagster job launch -j {job}` failed:\n{done.stderr[-2000:]}")
        return run_id

    def stop(self) -> None:
        """Stop every process started here, newest first, each with what it spawned."""
        for service in reversed(self._services):
            process = service.process
            if process is not None and process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                    process.wait(timeout=STOP_TIMEOUT_SECONDS)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
                except ProcessLookupError:
                    process.wait()
            if service.log is not None:
                service.log.close()
        self._services.clear()

    def __enter__(self) -> DagsterStack:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

"""Run the emulator as a real subprocess on a loopback port: for tests, ``make demo`` and ``make dev``.

The server runs exactly as a user would start it (``python -m jobbatch_dagster.cli emulator serve``),
so whoever uses this class talks to the real HTTP server, and ``kill()`` is a real ``kill -9``.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import httpx
import openai

from jobbatch_dagster.emulator.config import API_KEY_ENV

# Not a secret: the emulator accepts any non-empty key unless started with --api-key.
PLACEHOLDER_API_KEY = "sk-jobbatch-emulator-placeholder"
STARTUP_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 10.0
LOG_FILENAME = "emulator.log"


PORT_ATTEMPTS = 3


class PortTakenError(RuntimeError):
    """The emulator could not bind its port: another process holds it."""


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class EmulatorProcess:
    """A context manager around ``jobbatch emulator serve`` in a subprocess.

    The port is chosen once, so ``restart()`` (after ``kill()`` or ``stop()``) serves the same
    base URL from the same data directory. Server output goes to ``<data_dir>/emulator.log``.
    """

    def __init__(
        self,
        data_dir: Path,
        latency: float = 0.0,
        port: int | None = None,
        extra_args: Sequence[str] = (),
        api_key: str | None = None,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.latency = latency
        self._auto_port = port is None
        self.port = port if port is not None else free_port()
        self.extra_args = tuple(extra_args)
        self._required_key = api_key
        self.api_key = api_key or PLACEHOLDER_API_KEY
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def admin_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/_emulator"

    @property
    def log_path(self) -> Path:
        return self.data_dir / LOG_FILENAME

    def command(self) -> list[str]:
        args = [
            sys.executable, "-m", "jobbatch_dagster.cli", "emulator", "serve",
            "--host", "127.0.0.1", "--port", str(self.port),
            "--data-dir", str(self.data_dir), "--latency", str(self.latency),
        ]  # fmt: skip
        return args + list(self.extra_args)

    def client(self, **kwargs: Any) -> openai.OpenAI:
        """The real SDK, pointed here, with strict response validation (extra kwargs override)."""
        options: dict[str, Any] = {
            "base_url": self.base_url,
            "api_key": self.api_key,
            "_strict_response_validation": True,
        }
        return openai.OpenAI(**(options | kwargs))

    def inject(self, **fault: Any) -> dict[str, Any]:
        """Schedule faults (keys as in docs/emulator.md, e.g. ``expire_after_requests=3``)."""
        return self._admin_post("faults", fault)

    def reset_faults(self) -> dict[str, Any]:
        return self._admin_post("reset", {})

    def release(self, batch_id: str | None = None) -> list[str]:
        """Let batches held by the ``stall_finalizing`` fault complete."""
        body = {"batch_id": batch_id} if batch_id else {}
        return list(self._admin_post("release", body)["released"])

    def _admin_post(self, route: str, body: dict[str, Any]) -> dict[str, Any]:
        response = httpx.post(
            f"{self.admin_url}/{route}", json=body, headers=self._admin_headers(), timeout=10
        )
        response.raise_for_status()
        return dict(response.json())

    def _admin_headers(self) -> dict[str, str]:
        """A server started with a key wants it on the admin routes too."""
        if self._required_key is None:
            return {}
        return {"authorization": f"Bearer {self._required_key}"}

    def start(self) -> EmulatorProcess:
        if self.running:
            return self
        self.data_dir.mkdir(parents=True, exist_ok=True)
        for attempt in range(PORT_ATTEMPTS):
            self._log = self.log_path.open("ab")
            env = {**os.environ, "PYTHONUNBUFFERED": "1"}
            env.pop(API_KEY_ENV, None)
            if self._required_key is not None:
                env[API_KEY_ENV] = self._required_key  # not on the command line, where ps shows it
            self._process = subprocess.Popen(
                self.command(), stdout=self._log, stderr=subprocess.STDOUT, env=env
            )
            try:
                self._wait_until_healthy()
                return self
            except PortTakenError:
                # Another process bound the free port between our probe and the server's bind.
                if not self._auto_port or attempt == PORT_ATTEMPTS - 1:
                    raise
                self.port = free_port()
        return self

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def _wait_until_healthy(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            assert self._process is not None
            if self._process.poll() is not None:
                self._close_log()
                log_tail = self.log_path.read_text(errors="replace")[-2000:]
                error = (
                    PortTakenError if "address already in use" in log_tail.lower() else RuntimeError
                )
                raise error(
                    f"emulator exited with code {self._process.returncode} during startup; "
                    f"see {self.log_path}:\n{log_tail}"
                )
            try:
                health = httpx.get(
                    f"{self.admin_url}/health", headers=self._admin_headers(), timeout=1
                )
                # Another server may already hold the port: only our own process counts.
                if health.status_code == 200 and health.json().get("pid") == self._process.pid:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        self.kill()
        raise TimeoutError(
            f"emulator did not answer on {self.admin_url}/health; see {self.log_path}"
        )

    def stop(self) -> None:
        """Graceful stop (SIGTERM), then SIGKILL if it does not exit in time."""
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._close_log()

    def kill(self) -> None:
        """SIGKILL, as ``kill -9``: no cleanup runs in the server."""
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        self._close_log()

    def restart(self) -> EmulatorProcess:
        self.stop()
        return self.start()

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> EmulatorProcess:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

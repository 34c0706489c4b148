"""`make dev`: refuses clearly when the emulator's port is taken, before starting Dagster, and
serves the leads page beside the Dagster UI, printing both addresses."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from jobbatch_dagster.emulator.process import free_port

PROJECT_ROOT = Path(__file__).resolve().parents[2]
GRACE_SECONDS = 20  # dagster dev stops its webserver, daemon and code server on SIGTERM


def test_a_taken_emulator_port_is_reported_with_what_to_do(tmp_path: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"}
        env["DAGSTER_HOME"] = str(tmp_path / "dagster_home")
        result = subprocess.run(
            [sys.executable, "-m", "jobbatch_dagster.dev", "--emulator-port", str(port)],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode == 1
    assert f"Port {port} is taken" in result.stderr
    assert "JOBBATCH_EMULATOR_PORT" in result.stderr
    assert (tmp_path / "dagster_home" / "dagster.yaml").is_file()


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.TransportError:
        return False


@pytest.mark.integration
@pytest.mark.slow
def test_make_dev_serves_the_leads_page_beside_the_dagster_ui(tmp_path: Path) -> None:
    ui, api, emulator = free_port(), free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "JOBBATCH_API_TOKEN")}
    env["DAGSTER_HOME"] = str(tmp_path / "dagster_home")
    command = [sys.executable, "-m", "jobbatch_dagster.dev", "--port", str(ui)]
    # Its data (warehouse, emulator state, batches) lands under tmp_path, not the checkout's data/.
    shutil.copy(PROJECT_ROOT / "workspace.yaml", tmp_path)
    log = (tmp_path / "dev.log").open("w")
    # Its own session, so the whole tree it starts (webserver, daemon, code server) stops with it.
    dev = subprocess.Popen(
        [*command, "--api-port", str(api), "--emulator-port", str(emulator)],
        cwd=tmp_path,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 180
        while not (
            _answers(f"http://127.0.0.1:{api}/api/leads")
            and _answers(f"http://127.0.0.1:{ui}/server_info")
        ):
            assert dev.poll() is None and time.monotonic() < deadline, (
                tmp_path / "dev.log"
            ).read_text()
            time.sleep(1)
        printed = (tmp_path / "dev.log").read_text()
        assert f"Dagster UI:              http://127.0.0.1:{ui}" in printed
        assert f"Leads page and HTTP API: http://127.0.0.1:{api}/" in printed
    finally:
        _stop_group(dev)
        log.close()


def _stop_group(leader: subprocess.Popen[str]) -> None:
    """SIGTERM the session's processes, then SIGKILL whatever is left after a grace period."""
    group = leader.pid
    os.killpg(group, signal.SIGTERM)
    deadline = time.monotonic() + GRACE_SECONDS
    while time.monotonic() < deadline:
        leader.poll()  # reap the leader, so only live processes keep the group
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return
        time.sleep(0.5)
    os.killpg(group, signal.SIGKILL)

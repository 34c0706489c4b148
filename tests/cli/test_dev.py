"""`make dev` refuses clearly when the emulator's port is taken, before starting Dagster."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path


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

"""`jobbatch serve` as a user starts it: a real subprocess on a free loopback port, its warehouse,
incoming folder and Dagster instance in a temporary folder, the engine pointed at the session's
emulator through the SDK's own environment variables."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from jobbatch_dagster.emulator.process import EmulatorProcess, free_port

REPO = Path(__file__).resolve().parents[2]
SAMPLE_FILE = REPO / "data" / "sample" / "2026-11-18" / "craigslist-east.jsonl"
NIGHT_TIMEOUT_SECONDS = 180


@dataclass
class Served:
    url: str
    home: Path
    process: subprocess.Popen[bytes]

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60)

    @property
    def warehouse(self) -> Path:
        return self.home / "warehouse.duckdb"

    @property
    def incoming(self) -> Path:
        return self.home / "incoming"


def _config(home: Path) -> Path:
    """The project's jobbatch.toml with every path under ``home``."""
    text = (REPO / "jobbatch.toml").read_text(encoding="utf-8")
    for key in ("incoming", "batches", "warehouse"):
        default = {"warehouse": "warehouse.duckdb"}.get(key, key)
        text = text.replace(f'{key} = "data/{default}"', f'{key} = "{home / default}"')
    path = home / "jobbatch.toml"
    path.write_text(text, encoding="utf-8")
    return path


def start_server(home: Path, env: dict[str, str], *args: str) -> Served:
    home.mkdir(parents=True, exist_ok=True)
    port = free_port()
    full_env = dict(os.environ, JOBBATCH_CONFIG=str(_config(home)), DAGSTER_HOME=str(home / "dh"))
    full_env.pop("JOBBATCH_WAREHOUSE", None)
    full_env.pop("JOBBATCH_API_TOKEN", None)
    full_env.update(env)
    log = (home / "serve.log").open("wb")
    command = [sys.executable, "-m", "jobbatch_dagster.cli", "serve", "--port", str(port), *args]
    process = subprocess.Popen(command, cwd=home, env=full_env, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(f"{url}/", timeout=2)
            return Served(url, home, process)
        except httpx.TransportError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail("jobbatch serve did not start:\n" + (home / "serve.log").read_text())
            time.sleep(0.2)


def stop(served: Served) -> None:
    served.process.terminate()
    served.process.wait(timeout=30)


def sample_rows() -> list[dict]:
    """The sample file's usable rows (it also holds broken lines, as real scrapes do)."""
    rows = []
    for line in SAMPLE_FILE.read_text(encoding="utf-8").splitlines():
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(row, dict) and row.get("title") and row.get("description"):
            rows.append(row)
    return rows


def wait_for_night(client: httpx.Client, run_id: str) -> dict:
    deadline = time.monotonic() + NIGHT_TIMEOUT_SECONDS
    while True:
        run = client.get(f"/api/runs/{run_id}").json()["run"]
        if run["state"] in ("succeeded", "failed") or time.monotonic() > deadline:
            return run
        time.sleep(0.5)


@pytest.fixture(scope="session")
def served(emulator: EmulatorProcess, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The service with no token, on loopback, over the session's emulator."""
    env = {"OPENAI_BASE_URL": emulator.base_url, "OPENAI_API_KEY": emulator.api_key}
    server = start_server(tmp_path_factory.mktemp("serve"), env)
    yield server
    stop(server)


@pytest.fixture(scope="session")
def night(served: Served) -> dict:
    """A scraper's POST of one sample file, followed until its night has run: the response."""
    with served.client() as client:
        rows = sample_rows()
        response = client.post(
            "/api/batch/process-scraped",
            json={"scrape_results": [*rows, {"title": "no description"}, "not an object"]},
        )
        assert response.status_code == 202, response.text
        body = response.json()
        run = wait_for_night(client, body["run_id"])
    assert run["state"] == "succeeded", Path(run["log"]).read_text()
    return body | {"rows": rows}

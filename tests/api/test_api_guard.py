"""Who may call and what they may send: the bearer token, the loopback rule, the body limit, and a
provider that cannot be reached (502), on a service started with a token and a small body limit."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from jobbatch_dagster.emulator.process import free_port
from jobbatch_dagster.warehouse import ensure_schema
from tests.api.conftest import Served, start_server, stop

pytestmark = pytest.mark.integration
TOKEN = "test-token-not-a-secret"
MAX_BODY = 4096


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    # Nothing listens on this port: the provider is down.
    env = {
        "JOBBATCH_API_TOKEN": TOKEN,
        "OPENAI_BASE_URL": f"http://127.0.0.1:{free_port()}/v1",
        "OPENAI_API_KEY": "any",
    }
    server = start_server(
        tmp_path_factory.mktemp("guarded"), env, "--max-body-bytes", str(MAX_BODY)
    )
    yield server
    stop(server)


@pytest.mark.parametrize("path", ["/api/leads", "/api/batch/list", "/openapi.json", "/docs"])
def test_every_data_call_needs_the_token(guarded: Served, path: str) -> None:
    with guarded.client() as anonymous, guarded.client("wrong") as wrong:
        for response in (anonymous.get(path), wrong.get(path)):
            assert response.status_code == 401
            assert response.headers["www-authenticate"] == "Bearer"
            assert "JOBBATCH_API_TOKEN" in response.json()["error"]


def test_the_token_opens_the_api_and_the_page_shell_is_public(guarded: Served) -> None:
    with guarded.client(TOKEN) as client, guarded.client() as anonymous:
        assert client.get("/api/leads").json() == {
            "success": True,
            "day": None,
            "days": [],
            "min_score": 0,
            "count": 0,
            "leads": [],
        }
        assert "/api/batch/process-scraped" in client.get("/openapi.json").json()["paths"]
        page = anonymous.get("/")
        assert page.status_code == 200 and "<title>Leads</title>" in page.text


def test_a_body_over_the_limit_is_413(guarded: Served) -> None:
    rows = [{"title": "t", "description": "x" * 1000} for _ in range(5)]
    with guarded.client(TOKEN) as client:
        response = client.post("/api/batch/process-scraped", json={"scrape_results": rows})
        assert response.status_code == 413
        assert f"over {MAX_BODY} bytes" in response.json()["error"]
        chunked = client.post(
            "/api/batch/create",
            content=iter([b'{"jobs": [', b" " * MAX_BODY, b"]}"]),
            headers={"Content-Type": "application/json"},
        )
        assert chunked.status_code == 413


def test_a_provider_that_cannot_be_reached_is_502(guarded: Served) -> None:
    with guarded.client(TOKEN) as client:
        response = client.get("/api/batch/list")
    assert response.status_code == 502
    assert "cannot reach the provider" in response.json()["error"]


def test_loopback_without_a_token_is_served(served: Served) -> None:
    with served.client() as client:
        assert client.get("/api/batch/list", params={"limit": 1}).status_code == 200


def test_a_non_loopback_bind_without_a_token_is_refused(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "JOBBATCH_API_TOKEN"}
    command = [sys.executable, "-m", "jobbatch_dagster.cli", "serve", "--host", "0.0.0.0"]
    result = subprocess.run(
        [*command, "--port", str(free_port())],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "refusing to serve 0.0.0.0 without a token: set JOBBATCH_API_TOKEN" in result.stderr


def test_a_warehouse_from_before_is_brought_up_to_date_at_start(tmp_path: Path) -> None:
    home = tmp_path / "old"
    home.mkdir()
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        ensure_schema(con)  # then back to before the follow-up: no conversations, no views
        con.execute("DROP VIEW top_leads")
        con.execute("DROP TABLE lead_conversations CASCADE")
    server = start_server(home, {})
    try:
        with server.client() as client:
            listing = client.get("/api/leads")
    finally:
        stop(server)
    assert listing.status_code == 200, listing.text
    assert listing.json()["leads"] == []

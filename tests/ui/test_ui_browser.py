"""The Dagster UI as a person sees it: a real webserver on workspace.yaml, read by headless Chromium.

Needs Debian's `chromium` (CI's .ci/run installs it). Without a browser on PATH this one test module
skips and says how to enable it; everything else in the suite runs without one.
"""

from __future__ import annotations

import html
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from jobbatch_dagster.definitions import defs
from tests.browser import NEEDS_CHROMIUM, render

PROJECT_ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.integration, pytest.mark.browser, NEEDS_CHROMIUM]

LOCATION = "jobbatch_dagster"  # location_name in workspace.yaml

STATE_QUERY = """
{ repositoriesOrError { ... on RepositoryConnection { nodes {
    location { name }
    sensors { name sensorState { status } }
    schedules { name cronSchedule executionTimezone scheduleState { status } }
} } } }
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def webserver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    home = tmp_path_factory.mktemp("dagster_home")
    port = _free_port()
    env = dict(os.environ, DAGSTER_HOME=str(home))
    env.pop("OPENAI_API_KEY", None)
    log = (home / "webserver.log").open("w")
    command = [sys.executable, "-m", "dagster_webserver", "-w", "workspace.yaml"]
    process = subprocess.Popen(
        [*command, "-h", "127.0.0.1", "-p", str(port)],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{url}/server_info", timeout=2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    pytest.fail("webserver did not start:\n" + (home / "webserver.log").read_text())
                time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def _shown_names(dom: str) -> set[str]:
    """Every text node of the page; the graph middle-truncates long names (``qualify_bat…_input``)."""
    return {html.unescape(text).strip() for text in re.findall(r">([^<>]+)<", dom)}


def _is_shown(name: str, texts: set[str]) -> bool:
    if name in texts:
        return True
    for text in texts:
        head, sep, tail = text.partition("…")
        if sep and len(head) >= 4 and name.startswith(head) and name.endswith(tail):
            return True
    return False


def test_asset_graph_shows_every_asset(webserver: str) -> None:
    groups: dict[str, set[str]] = {}
    for spec in defs.resolve_all_asset_specs():
        groups.setdefault(spec.group_name or "default", set()).add(spec.key.to_user_string())
    assert {"scraped_jobs", "qualify_batch", "qualified_leads"} <= set().union(*groups.values())
    ordered = sorted(groups)
    lineage, *group_pages = render(
        f"{webserver}/asset-groups",
        *(f"{webserver}/locations/{LOCATION}/asset-groups/{group}" for group in ordered),
    )
    shown_groups = _shown_names(lineage)
    assert set(groups) <= shown_groups, f"the lineage does not show {set(groups) - shown_groups}"
    for group, dom in zip(ordered, group_pages, strict=True):
        texts = _shown_names(dom)
        missing = sorted(name for name in groups[group] if not _is_shown(name, texts))
        assert not missing, f"the {group} group's graph does not show {missing}"


def test_graphql_reports_sensor_and_schedule_running(webserver: str) -> None:
    request = urllib.request.Request(
        f"{webserver}/graphql",
        data=json.dumps({"query": STATE_QUERY}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        payload = json.load(response)
    (repository,) = payload["data"]["repositoriesOrError"]["nodes"]
    assert repository["location"]["name"] == LOCATION
    sensors = {s["name"]: s["sensorState"]["status"] for s in repository["sensors"]}
    schedules = {s["name"]: s for s in repository["schedules"]}
    assert sensors.get("batch_status_sensor") == "RUNNING"
    assert schedules, "no schedule is defined"
    nightly = next(iter(schedules.values()))
    assert nightly["scheduleState"]["status"] == "RUNNING"
    assert nightly["cronSchedule"] == "0 2 * * *"

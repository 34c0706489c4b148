"""`jobbatch batch ...` as real subprocesses, with the SDK pointed at an emulator through its env."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from jobbatch_dagster.emulator.process import EmulatorProcess

pytestmark = pytest.mark.integration
JOBS = [
    {
        "id": "c1",
        "title": "Data entry clerk",
        "description": "Excel invoices by hand, ASAP",
        "company": "Acme",
    },
    {"id": "c2", "title": "Bookkeeper", "description": "QuickBooks data entry every day"},
]


def jobbatch(
    tmp_path: Path, emulator: EmulatorProcess | None, *args: str
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "JOBBATCH_"))}
    if emulator is not None:
        env |= {"OPENAI_BASE_URL": emulator.base_url, "OPENAI_API_KEY": emulator.api_key}
    command = [sys.executable, "-m", "jobbatch_dagster.cli", "batch", *args]
    return subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )


def ok_json(result: subprocess.CompletedProcess[str]) -> dict:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def refused(result: subprocess.CompletedProcess[str], message: str) -> None:
    assert result.returncode == 1, result.stdout
    assert message in result.stderr and "Traceback" not in result.stderr, result.stderr


@pytest.fixture
def jobs_file(tmp_path: Path) -> Path:
    path = tmp_path / "jobs.jsonl"
    lines = [json.dumps(job) for job in JOBS] + ["{broken", json.dumps({"title": "no description"})]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_create_status_wait_results_list_cancel(emulator, tmp_path: Path, jobs_file: Path) -> None:
    created = jobbatch(
        tmp_path,
        emulator,
        "create",
        str(jobs_file),
        "--task",
        "qualify",
        "--description",
        "cli",
        "--json",
    )
    assert (
        "jobs.jsonl:3: invalid JSON" in created.stderr
        and "jobs.jsonl:4: missing description" in created.stderr
    )
    submission = ok_json(created)
    batch_id = submission["batch_id"]
    assert submission["job_count"] == 2 and [r["line"] for r in submission["refused_rows"]] == [
        3,
        4,
    ]
    assert (
        tmp_path / "data" / "batches" / "inputs"
    ).is_dir()  # the default batches dir, under the cwd

    status = ok_json(jobbatch(tmp_path, emulator, "status", batch_id, "--json"))
    assert status["id"] == batch_id and status["metadata"]["description"] == "cli"
    waited = jobbatch(
        tmp_path, emulator, "wait", batch_id, "--interval", "0.05", "--timeout", "30", "--json"
    )
    assert ok_json(waited)["status"] == "completed"
    assert f"{batch_id}: completed 2/2 (100%)" in waited.stderr  # progress lines, not on a TTY

    results = ok_json(jobbatch(tmp_path, emulator, "results", batch_id, "--out", "res", "--json"))
    assert (results["total"], results["successful"], results["failed"]) == (2, 2, 0)
    assert (tmp_path / results["results_file"]).parent == tmp_path / "res"
    assert {r["parsed"]["qualified"] for r in results["results"]} <= {True, False}

    listed = ok_json(jobbatch(tmp_path, emulator, "list", "--limit", "1", "--json"))
    assert listed["count"] == 1 and listed["batches"][0]["id"] == batch_id
    cancel = jobbatch(tmp_path, emulator, "cancel", batch_id, "--json")
    refused(cancel, f"{batch_id} cannot be cancelled: it has already finished (completed)")
    assert (json.loads(cancel.stdout)["success"], json.loads(cancel.stdout)["status"]) == (
        False,
        "completed",
    )
    human = jobbatch(tmp_path, emulator, "status", batch_id)
    assert (
        human.returncode == 0
        and f"{batch_id}: completed  2 completed, 0 failed of 2 (100%)" in human.stdout
    )


def test_process_waits_and_returns_results(emulator, tmp_path: Path) -> None:
    path = tmp_path / "jobs.json"
    path.write_text(json.dumps([{**job, "id": f"p-{job['id']}"} for job in JOBS]))
    result = ok_json(
        jobbatch(
            tmp_path,
            emulator,
            "process",
            str(path),
            "--task",
            "parse",
            "--wait",
            "--interval",
            "0.05",
            "--json",
        )
    )
    assert result["success"] and result["successful"] == 2 and len(result["results"]) == 2
    assert all(r["parsed"]["title"] for r in result["results"])


def test_bad_input_is_a_clear_error(emulator, tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('[\n {"title": oops}\n]\n')
    refused(jobbatch(tmp_path, emulator, "create", str(broken), "--json"), "line 2")
    # A corrupt row costs only itself: the good row is sent, the bad one named on stderr.
    broken.write_text('[\n {"title": "a", "description": "b"},\n {"title": oops}\n]\n')
    partly = jobbatch(tmp_path, emulator, "create", str(broken), "--json")
    assert ok_json(partly)["job_count"] == 1 and f"{broken}:3: invalid JSON" in partly.stderr
    empty = tmp_path / "empty.jsonl"
    empty.write_text(json.dumps({"title": "only a title"}) + "\n")
    refused(jobbatch(tmp_path, emulator, "create", str(empty)), "no usable job postings")
    refused(jobbatch(tmp_path, emulator, "status", "batch_does_not_exist"), "not found")
    refused(jobbatch(tmp_path, emulator, "results", "batch_does_not_exist"), "not found")
    usage = jobbatch(tmp_path, emulator, "create", str(empty), "--task", "nonsense")
    assert usage.returncode == 2 and "'nonsense' is not one of" in usage.stderr


def test_no_key_and_over_budget_are_explained(emulator, tmp_path: Path, jobs_file: Path) -> None:
    refused(jobbatch(tmp_path, None, "list"), "OPENAI_API_KEY is not set: export your OpenAI key")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "JOBBATCH_"))}
    at_emulator = subprocess.run(
        [sys.executable, "-m", "jobbatch_dagster.cli", "batch", "list"],
        cwd=tmp_path,
        env=env | {"OPENAI_BASE_URL": emulator.base_url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    refused(at_emulator, f"needs a key for {emulator.base_url} too")
    assert "any value works" in at_emulator.stderr
    (tmp_path / "jobbatch.toml").write_text("[budget]\nmax_usd_per_submission = 0.000001\n")
    refused(jobbatch(tmp_path, emulator, "create", str(jobs_file)), "exceeds the configured max")


def test_wait_timeout_names_the_batch(fresh_emulator, tmp_path: Path, jobs_file: Path) -> None:
    fresh_emulator.inject(stall_finalizing="until_released")
    batch_id = ok_json(jobbatch(tmp_path, fresh_emulator, "create", str(jobs_file), "--json"))[
        "batch_id"
    ]
    refused(
        jobbatch(
            tmp_path, fresh_emulator, "wait", batch_id, "--interval", "0.05", "--timeout", "0.5"
        ),
        f"batch {batch_id} is still",
    )
    fresh_emulator.release(batch_id)

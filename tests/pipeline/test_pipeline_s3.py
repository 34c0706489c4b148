"""Batch files any host can read: ``[paths] batches = "s3://bucket/prefix"`` against a real
S3 endpoint (``moto_server`` on loopback, one per test process, a bucket per test)."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import boto3
import dagster as dg
import duckdb
import pytest

from jobbatch_dagster.batch.client import BatchClient
from jobbatch_dagster.batch.custom_ids import base_custom_id
from jobbatch_dagster.batch.storage import BatchStoreError, staging_dir
from jobbatch_dagster.cluster.services import LocalS3
from jobbatch_dagster.defs import build_defs
from jobbatch_dagster.defs.stages.keys import batch_input_key, batch_key, raw_output_key
from jobbatch_dagster.emulator.process import EmulatorProcess
from jobbatch_dagster.pipeline.inputs import build_stage_input
from jobbatch_dagster.pipeline.submit import submit_stage
from jobbatch_dagster.settings import Settings
from jobbatch_dagster.sources import read_day
from jobbatch_dagster.warehouse import ensure_schema
from tests.pipeline.nights import DAY1, FIRST_DAY, REPO, Pipeline, ingest


@pytest.fixture(scope="session")
def s3_server() -> Iterator[LocalS3]:
    with LocalS3() as server:
        yield server


@pytest.fixture
def bucket(s3_server: LocalS3, monkeypatch: pytest.MonkeyPatch) -> str:
    """A new bucket on the session's S3 endpoint, the AWS variables pointing boto3 at it (keys
    of this test's own, which moto accepts, so a test can tell they never leak)."""
    aws_env(s3_server, monkeypatch)
    name = f"nights-{uuid.uuid4().hex[:12]}"
    boto3.client("s3").create_bucket(Bucket=name)
    return name


def aws_env(server: LocalS3, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in server.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", f"AKIA{uuid.uuid4().hex[:16].upper()}")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", f"secret-{uuid.uuid4().hex}")


def on_s3(settings: Settings, uri: str) -> Settings:
    return dataclasses.replace(settings, batches_dir=staging_dir(uri), batches_url=uri)


def keys(bucket: str) -> list[str]:
    listed = boto3.client("s3").list_objects_v2(Bucket=bucket)
    return sorted(item["Key"] for item in listed.get("Contents", []))


def leads(pipeline: Pipeline) -> list[tuple]:
    return pipeline.sql("SELECT job_id, score FROM qualified_leads ORDER BY job_id")


def test_a_night_with_batches_on_s3_gives_the_leads_of_a_local_night(
    pipeline: Pipeline,
    pooled_instances: Callable[[str], dg.DagsterInstance],
    bucket: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pipeline.drop(DAY1)
    pipeline.night(DAY1)
    expected = leads(pipeline)
    assert expected

    uri = f"s3://{bucket}/team/nightly"
    with EmulatorProcess(data_dir=tmp_path / "s3-emulator", latency=0.0) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        settings = on_s3(
            dataclasses.replace(
                pipeline.settings,
                incoming_dir=tmp_path / "s3" / "incoming",
                warehouse_path=tmp_path / "s3" / "warehouse.duckdb",
            ),
            uri,
        )
        remote = Pipeline(settings, build_defs(settings), pooled_instances("s3-home"), server)
        remote.drop(DAY1)
        remote.night(DAY1)

    assert leads(remote) == expected
    stored = keys(bucket)
    day_folder = f"team/nightly/qualify/{DAY1}"
    shards = [k for k in stored if k.startswith(f"{day_folder}/input/") and "manifest" not in k]
    manifests = [k for k in stored if k.endswith(".manifest.jsonl")]
    outputs = [k for k in stored if k.startswith(f"{day_folder}/output/")]
    assert shards and len(manifests) >= len(shards) and outputs
    assert {k.split("/")[2] for k in stored} == {s.task for s in settings.stages}
    event = remote.instance.get_latest_materialization_event(raw_output_key("qualify"))
    assert event is not None and event.asset_materialization is not None
    files = event.asset_materialization.metadata["files"].value
    assert files and all(f.startswith(f"s3://{bucket}/{day_folder}/output/") for f in files)
    for key in (raw_output_key("qualify"), batch_key("qualify"), batch_input_key("qualify")):
        materialized = remote.instance.get_latest_materialization_event(key)
        assert materialized is not None and materialized.asset_materialization is not None
        shown = str(materialized.asset_materialization.metadata)
        assert os.environ["AWS_SECRET_ACCESS_KEY"] not in shown
        assert os.environ["AWS_ACCESS_KEY_ID"] not in shown


HARVEST_ELSEWHERE = """
import json, sys
from datetime import date
import duckdb
from jobbatch_dagster.batch.client import BatchClient
from jobbatch_dagster.pipeline.audit import manifests_match_ledger
from jobbatch_dagster.pipeline.harvest import harvest_stage
from jobbatch_dagster.pipeline.results import load_results
from jobbatch_dagster.pipeline.submit import submit_stage
from jobbatch_dagster.settings import load_settings

settings = load_settings()
stage, day = settings.stage("qualify"), date.fromisoformat(sys.argv[1])
client = BatchClient()
with duckdb.connect(str(settings.warehouse_path)) as con:
    for batch_id in json.loads(sys.argv[2]):
        client.wait(batch_id, interval=0.05, timeout=60)
    first = harvest_stage(con, client, settings, stage, day)
    followups = submit_stage(con, client, settings, stage, day)
    for record in followups.created:
        client.wait(record.batch_id, interval=0.05, timeout=60)
    second = harvest_stage(con, client, settings, stage, day)
    loaded = load_results(con, stage.task, day)
    link = manifests_match_ledger(con, settings, stage.task, day)
print(json.dumps({
    "to_send": first.to_send, "followups": len(followups.created), "left": second.to_send,
    "files": first.files + second.files, "manifests": link.checked, "problems": link.problems,
    "staging": str(settings.batches_dir),
}))
"""


def test_a_harvest_on_another_host_finds_the_days_files_in_the_bucket(
    settings: Settings,
    fresh_emulator: EmulatorProcess,
    bucket: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", fresh_emulator.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", fresh_emulator.api_key)
    uri = f"s3://{bucket}/batches"
    settings = on_s3(settings, uri)
    # the evening host: ingest, build and submit; one line fails with a 500, so the harvest
    # must send it again from the shard file, which only the bucket has
    stage = settings.stage("qualify")
    with duckdb.connect(str(settings.warehouse_path)) as con:
        ensure_schema(con)
        ingest(con, settings)
        posting = read_day(settings.incoming_dir, DAY1).postings[0]
        # the day's first qualify line, which judges this posting and the next 24
        failing = "req-" + base_custom_id(posting.job_id, posting.title).removeprefix("job-")
        fresh_emulator.inject(fail_lines={failing: {"status_code": 500}})
        build_stage_input(con, settings, stage, FIRST_DAY)
        submitted = submit_stage(con, BatchClient(), settings, stage, FIRST_DAY)
    fresh_emulator.reset_faults()
    batch_ids = [b.batch_id for b in submitted.batches]

    # the morning host: its own working directory, no local batches folder, the same bucket
    morning = tmp_path / "morning"
    morning.mkdir()
    (morning / "jobbatch.toml").write_text(
        (REPO / "jobbatch.toml")
        .read_text(encoding="utf-8")
        .replace('"data/batches"', json.dumps(uri))
        .replace('"data/warehouse.duckdb"', json.dumps(str(settings.warehouse_path))),
        encoding="utf-8",
    )
    env = {
        k: v for k, v in os.environ.items() if k not in ("JOBBATCH_CONFIG", "JOBBATCH_WAREHOUSE")
    }
    done = subprocess.run(
        [sys.executable, "-c", HARVEST_ELSEWHERE, DAY1, json.dumps(batch_ids)],
        cwd=morning, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.splitlines()[-1])

    assert (
        report["to_send"] == stage.postings_per_request
        and report["followups"] == 1
        and report["left"] == 0
    )
    assert report["manifests"] > 0 and not report["problems"]
    assert not str(report["staging"]).startswith(str(morning))
    assert sorted(p.name for p in morning.iterdir()) == ["jobbatch.toml"]
    assert not Path(report["staging"]).exists()  # the other host's copy went with its process
    stored = keys(bucket)
    assert all(f.removeprefix(f"s3://{bucket}/") in stored for f in report["files"])
    assert any("-a2-" in k for k in stored)  # the follow-up shard, built on the morning host
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        (failing_state,) = con.execute(
            "SELECT state FROM batch_requests WHERE request_id = ? ORDER BY attempt DESC LIMIT 1",
            [failing],
        ).fetchone()
        (pending,) = con.execute(
            "SELECT count(*) FROM batch_requests WHERE state <> 'answered'"
        ).fetchone()
    assert failing_state == "answered" and pending == 0


def test_a_missing_bucket_is_an_error_naming_the_setting(
    settings: Settings, s3_server: LocalS3, monkeypatch: pytest.MonkeyPatch
) -> None:
    aws_env(s3_server, monkeypatch)
    settings = on_s3(settings, f"s3://no-such-bucket-{uuid.uuid4().hex[:8]}/nightly")
    with duckdb.connect(str(settings.warehouse_path)) as con:
        ensure_schema(con)
        ingest(con, settings)
        with pytest.raises(BatchStoreError) as raised:
            build_stage_input(con, settings, settings.stage("qualify"), date.fromisoformat(DAY1))
    message = str(raised.value)
    assert "[paths] batches = s3://no-such-bucket-" in message
    assert "does not exist" in message and "create it" in message
    assert os.environ["AWS_SECRET_ACCESS_KEY"] not in message
    assert os.environ["AWS_ACCESS_KEY_ID"] not in message

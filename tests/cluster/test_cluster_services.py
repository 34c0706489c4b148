"""The local S3 endpoint keeps its objects between two runs of `make cluster-demo`."""

from __future__ import annotations

from pathlib import Path

import pytest

from jobbatch_dagster.cluster.services import LocalS3

pytestmark = pytest.mark.integration


def test_objects_kept_when_the_server_stops_are_back_when_a_new_one_starts(
    tmp_path: Path,
) -> None:
    kept = tmp_path / "s3"
    with LocalS3(keep_in=kept) as first:
        first.create_bucket("nights")
        first.client().put_object(Bucket="nights", Key="batches/qualify/a.jsonl", Body=b"{}\n")
    assert (kept / "nights" / "batches" / "qualify" / "a.jsonl").read_bytes() == b"{}\n"
    with LocalS3(keep_in=kept) as second:
        body = second.client().get_object(Bucket="nights", Key="batches/qualify/a.jsonl")["Body"]
        assert body.read() == b"{}\n"
        second.client().delete_object(Bucket="nights", Key="batches/qualify/a.jsonl")
    # what the second run deleted stays deleted; its bucket is still there
    assert [p.name for p in kept.iterdir()] == ["nights"]
    assert not list((kept / "nights").rglob("*.jsonl"))

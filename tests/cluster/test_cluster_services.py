"""The local services of `make cluster-demo`: S3 keeps its objects between two runs, and
PostgreSQL starts wherever the project was cloned."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from jobbatch_dagster.cluster.services import LocalPostgres, LocalS3

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


def test_a_server_asked_for_a_folder_private_to_root_still_starts_and_says_where(
    tmp_path: Path,
) -> None:
    # a clone in root's home, or in a 0700 temporary folder: the postgres user cannot enter it
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    asked = private / "cluster" / "postgres"
    server = LocalPostgres(data_dir=asked)
    try:
        server.start()
        server.create_database("nights")
        if os.geteuid() == 0:  # only root hands the server to the postgres user
            assert asked.is_symlink() and asked.resolve() == server.data_dir
        assert (asked / "PG_VERSION").exists()
    finally:
        server.stop(remove=True)

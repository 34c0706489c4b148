"""Sharding at exactly the request and byte limits, manifests, and skip lists."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from jobbatch_dagster.batch.cost import estimate_cost
from jobbatch_dagster.batch.requests import posting_fingerprint
from jobbatch_dagster.batch.shards import build_shards, read_manifest, read_shard, request_lines
from jobbatch_dagster.batch.validate import validate_jsonl
from jobbatch_dagster.tasks import LeadProfile, get_task

QUALIFY = get_task("qualify")


def jobs(n: int, start: int = 0) -> list[dict]:
    return [
        {"id": i, "title": f"Clerk {i:05d}", "description": f"Enter orders {i:05d}."}
        for i in range(start, start + n)
    ]


def build(tmp_path: Path, items: list, **limits):
    return build_shards(items, QUALIFY, "gpt-4o-mini", tmp_path, **limits)


@pytest.mark.parametrize(("count", "shards"), [(5, 1), (6, 2), (10, 2), (11, 3)])
def test_request_limit_is_exact(tmp_path: Path, count: int, shards: int) -> None:
    built = build(tmp_path, jobs(count), max_requests=5)
    assert [s.request_count for s in built.shards] == [min(5, count - 5 * i) for i in range(shards)]


def test_byte_limit_is_exact_newlines_included(tmp_path: Path) -> None:
    # Every line has the same length (fixed-width numbers), so 3 lines fill exactly 3 * size bytes.
    size = len(build(tmp_path / "probe", jobs(1)).shards[0].path.read_bytes())
    exact = build(tmp_path / "exact", jobs(3), max_bytes=3 * size)
    assert [s.request_count for s in exact.shards] == [3]
    assert exact.shards[0].bytes == 3 * size == exact.shards[0].path.stat().st_size
    under = build(tmp_path / "under", jobs(3), max_bytes=3 * size - 1)
    assert [s.request_count for s in under.shards] == [2, 1]
    assert all(s.bytes <= 3 * size - 1 for s in under.shards)


def test_a_request_bigger_than_the_byte_limit_is_rejected_not_sharded(tmp_path: Path) -> None:
    big = {"title": "Big", "description": "y" * 5000}
    built = build(tmp_path, [*jobs(2), big], max_bytes=4000)
    assert built.request_count == 2
    assert (
        built.rejections[0].index == 2
        and "over the 4000-byte file limit" in built.rejections[0].reason
    )


def test_shard_facts_match_the_files(tmp_path: Path) -> None:
    built = build(tmp_path, jobs(7), max_requests=4)
    for shard in built.shards:
        data = shard.path.read_bytes()
        assert shard.bytes == len(data)
        assert shard.input_fingerprint == hashlib.sha256(data).hexdigest()
        assert shard.input_fingerprint[:16] in shard.path.name
        assert shard.estimated_prompt_tokens > 0
        assert validate_jsonl(shard.path).ok
        manifest = list(read_manifest(shard.manifest_path))
        lines = data.splitlines()
        assert [m.line for m in manifest] == list(range(1, len(lines) + 1))
        for entry, line in zip(manifest, lines, strict=True):
            assert json.loads(line)["custom_id"] == entry.custom_id
    entries = [e for s in built.shards for e in s.manifest()]
    assert [e.index for e in entries] == list(range(7))
    assert [e.job_id for e in entries] == [str(i) for i in range(7)]
    assert not list(tmp_path.glob(".*partial"))


def test_a_shard_read_back_from_disk_is_the_shard_built(tmp_path: Path) -> None:
    built = build(tmp_path, jobs(7), max_requests=4)
    for shard in built.shards:
        again, estimate = read_shard(shard.path, QUALIFY, "gpt-4o-mini")
        assert again == shard
        assert estimate == estimate_cost(request_lines(shard.path), QUALIFY)
    with pytest.raises(ValueError, match="not a shard file"):
        read_shard(tmp_path / "other.jsonl", QUALIFY, "gpt-4o-mini")


def test_same_postings_give_the_same_shard_fingerprint(tmp_path: Path) -> None:
    first = build(tmp_path / "a", jobs(3)).shards[0]
    again = build(tmp_path / "b", jobs(3)).shards[0]
    assert first.input_fingerprint == again.input_fingerprint and first.path.name == again.path.name


def test_already_answered_postings_are_skipped(tmp_path: Path) -> None:
    answered = {
        posting_fingerprint(j, QUALIFY, "gpt-4o-mini", LeadProfile(), 12_000) for j in jobs(2)
    }
    built = build(tmp_path, jobs(5), skip_fingerprints=answered)
    assert built.request_count == 3
    assert sorted(e.index for e in built.skipped) == [0, 1]


def test_nothing_to_send_writes_no_shard(tmp_path: Path) -> None:
    built = build(tmp_path, [{"title": "no description"}])
    assert built.shards == [] and len(built.rejections) == 1
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_a_full_50000_request_build(tmp_path: Path) -> None:
    description = "Manual data entry of invoices into spreadsheets, daily reports. " * 20
    items = ({"id": i, "title": f"Clerk {i}", "description": description} for i in range(50_000))
    built = build_shards(items, QUALIFY, "gpt-4o-mini", tmp_path)
    assert [s.request_count for s in built.shards] == [50_000]
    report = validate_jsonl(built.shards[0].path)
    assert report.ok and report.requests == 50_000 and report.bytes == built.shards[0].bytes


@pytest.mark.parametrize(
    ("limit", "value"), [("max_requests", 50_001), ("max_bytes", 0), ("max_bytes", 209_715_201)]
)
def test_limits_can_be_lowered_but_never_raised_past_the_provider(
    tmp_path: Path, limit: str, value: int
) -> None:
    with pytest.raises(ValueError, match="within the provider's"):
        build(tmp_path, jobs(1), **{limit: value})

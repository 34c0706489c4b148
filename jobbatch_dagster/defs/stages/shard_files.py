"""A shard written by an earlier run, read back from disk: its engine descriptor and its estimate.

The submit step runs in a later run than the build (a user may even rebuild in between), so it
trusts the files, not memory: the fingerprint is recomputed from the bytes and the estimate from
the request lines, with the engine's own estimator.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from jobbatch_dagster.batch.cost import CostBreakdown, estimate_cost
from jobbatch_dagster.batch.shards import MANIFEST_SUFFIX, Shard, read_manifest
from jobbatch_dagster.tasks import Task

_INDEX = re.compile(r"-(\d{3,})-[0-9a-f]{16}\.jsonl$")


@dataclass(frozen=True)
class ShardOnDisk:
    shard: Shard
    estimate: CostBreakdown


def _lines(path: Path, digest: hashlib._Hash) -> Iterator[dict]:
    with open(path, "rb") as fh:
        for raw in fh:
            digest.update(raw)
            if raw.strip():
                yield json.loads(raw)


def load_shard(path: Path, task: Task, model: str) -> ShardOnDisk:
    """Describe a shard file as the engine's :class:`Shard`, with its estimated cost."""
    match = _INDEX.search(path.name)
    if match is None:
        raise ValueError(f"{path} is not a shard file (expected <prefix>-<index>-<hash>.jsonl)")
    digest = hashlib.sha256()
    estimate = estimate_cost(_lines(path, digest), task)
    manifest = Path(str(path) + MANIFEST_SUFFIX)
    shard = Shard(
        path=path,
        manifest_path=manifest,
        index=int(match.group(1)),
        task=task.name,
        model=model,
        request_count=sum(1 for _ in read_manifest(manifest)),
        bytes=path.stat().st_size,
        input_fingerprint=digest.hexdigest(),
        estimated_prompt_tokens=estimate.input_tokens,
    )
    return ShardOnDisk(shard, estimate)

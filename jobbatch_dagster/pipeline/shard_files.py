"""A shard written by an earlier run, read back from disk: its engine descriptor and its estimate.

The submit step runs in a later run than the build (a user may even rebuild in between), so it
trusts the files, not memory: the engine's :func:`~jobbatch_dagster.batch.shards.read_shard`
recomputes the fingerprint from the bytes and the estimate from the request lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jobbatch_dagster.batch.cost import CostBreakdown
from jobbatch_dagster.batch.shards import Shard, read_shard
from jobbatch_dagster.tasks import Task


@dataclass(frozen=True)
class ShardOnDisk:
    shard: Shard
    estimate: CostBreakdown


def load_shard(path: Path, task: Task, model: str) -> ShardOnDisk:
    """Describe a shard file as the engine's :class:`Shard`, with its estimated cost."""
    return ShardOnDisk(*read_shard(path, task, model))

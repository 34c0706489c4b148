"""What shards will cost, through :mod:`~jobbatch_dagster.batch.cost`.

The estimate streams each shard file through ``cost.estimate_cost`` (one line at a time), so it is
the cost module's rule exactly, applied to the very bytes that would be uploaded.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import reduce
from pathlib import Path

from jobbatch_dagster.batch.cost import CostBreakdown, estimate_cost
from jobbatch_dagster.batch.shards import Shard, request_lines
from jobbatch_dagster.tasks import get_task


def estimate_file_cost(path: str | Path, task: str) -> CostBreakdown:
    """The estimated cost of any batch input file for ``task``."""
    return estimate_cost(request_lines(path), get_task(task))


def estimate_shards_cost(shards: Iterable[Shard]) -> CostBreakdown | None:
    """The estimated cost of a build's shards together (None when there are none)."""
    parts = [estimate_file_cost(shard.path, shard.task) for shard in shards]
    return reduce(lambda a, b: a + b, parts) if parts else None

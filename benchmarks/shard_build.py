"""Building one full shard: the engine's streaming builder and the original verb against a naive
build and a byte copy.

engine: ``build_shards``. verb: the guide's ``create_batch_input_file``, which must fit one file, so
the default 36,000 postings (about 190 MB) make one full shard. naive: what the seed did — build
every request dict in memory, then ``json.dumps`` each one and write it as text. byte copy: copying
the finished shard file, the floor for any builder. Every case reads the same postings file the
same way (orjson, one line a posting), so only the building differs.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from benchmarks.postings import synthetic_jobs
from jobbatch_dagster.batch.processor import BatchProcessor
from jobbatch_dagster.batch.shards import MANIFEST_SUFFIX, build_shards
from jobbatch_dagster.contract import CHAT_COMPLETIONS_ENDPOINT
from jobbatch_dagster.settings import Settings
from jobbatch_dagster.tasks import get_task
from jobbatch_dagster.tasks.profile import LeadProfile

MODEL = "gpt-4o-mini"


JOBS = "jobs.jsonl"


def prepare(count: int, work: Path) -> None:
    """Write the postings once (both builders stream them from disk), and build the engine's
    shard once for the byte copy."""
    with (work / JOBS).open("w", encoding="utf-8") as fh:
        for job in synthetic_jobs(count):
            fh.write(json.dumps(job) + "\n")
    engine_build(count, work)


def read_jobs(work: Path) -> Iterator[dict[str, Any]]:
    with (work / JOBS).open("rb") as fh:
        for line in fh:
            yield orjson.loads(line)


def engine_build(count: int, work: Path) -> int:
    """The engine's builder; returns bytes written."""
    result = build_shards(read_jobs(work), get_task("qualify"), MODEL, work / "engine")
    return sum(shard.bytes for shard in result.shards)


def verb_build(count: int, work: Path) -> int:
    """The original verb; returns bytes written."""
    processor = BatchProcessor(work_dir=work / "verb", settings=Settings())
    return Path(processor.create_batch_input_file(read_jobs(work), "qualify", MODEL)).stat().st_size


def naive_build(count: int, work: Path) -> int:
    task, profile = get_task("qualify"), LeadProfile()
    requests = [
        {
            "custom_id": f"job-{job['id']}",
            "method": "POST",
            "url": CHAT_COMPLETIONS_ENDPOINT,
            "body": task.build_body(job, MODEL, profile),
        }
        for job in read_jobs(work)
    ]
    out = work / "naive.jsonl"
    with out.open("w", encoding="utf-8") as fh:
        for request in requests:
            fh.write(json.dumps(request) + "\n")
    return out.stat().st_size


def engine_shards(work: Path) -> list[Path]:
    """The shard files :func:`prepare` built (manifests left out), largest first."""
    shards = [p for p in (work / "engine").glob("*.jsonl") if not p.name.endswith(MANIFEST_SUFFIX)]
    if not shards:
        raise RuntimeError(f"no engine shard under {work / 'engine'}: run prepare first")
    return sorted(shards, key=lambda p: p.stat().st_size, reverse=True)


def byte_copy(count: int, work: Path) -> int:
    """Copy the engine's largest shard (built by :func:`prepare`, untimed)."""
    source = engine_shards(work)[0]
    target = work / "copy.jsonl"
    shutil.copyfile(source, target)
    return target.stat().st_size

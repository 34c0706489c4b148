"""Reading one full shard's output with the original verb against a naive ``json.loads`` loop.

parse_results: the guide's verb — every line read, its answer checked against the task's schema,
one dict per request. naive: ``json.loads`` of each line and of its answer, one dict per request,
nothing checked. Both must report the same answer for every custom id (asserted, untimed, on every
run).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from benchmarks import answers, shard_build
from jobbatch_dagster.batch.processor import BatchProcessor
from jobbatch_dagster.settings import Settings


def prepare(count: int, work: Path) -> None:
    shard_build.prepare(count, work)
    answers.write_output(work, count)
    ours = {r["custom_id"]: (r["content"], r["parsed"]) for r in _verb_results(work)}
    theirs = {r["custom_id"]: (r["content"], r["parsed"]) for r in naive_results(work)}
    assert ours == theirs, "parse_results and the naive loop disagree on some answers"


def _verb_results(work: Path) -> list[dict[str, Any]]:
    processor = BatchProcessor(work_dir=work, settings=Settings())
    return processor.parse_results(work / answers.OUTPUT, "qualify")


def verb_parse(count: int, work: Path) -> int:
    results = _verb_results(work)
    assert len(results) == count and all(r["success"] for r in results)
    return (work / answers.OUTPUT).stat().st_size


def naive_results(work: Path) -> list[dict[str, Any]]:
    results = []
    with (work / answers.OUTPUT).open(encoding="utf-8") as fh:
        for raw in fh:
            line = json.loads(raw)
            content = line["response"]["body"]["choices"][0]["message"]["content"]
            results.append(
                {
                    "custom_id": line["custom_id"],
                    "success": line["response"]["status_code"] == 200,
                    "content": content,
                    "parsed": json.loads(content),
                }
            )
    return results


def naive_parse(count: int, work: Path) -> int:
    assert len(naive_results(work)) == count
    return (work / answers.OUTPUT).stat().st_size


def byte_copy(count: int, work: Path) -> int:
    shutil.copyfile(work / answers.OUTPUT, work / "copy-output.jsonl")
    return (work / answers.OUTPUT).stat().st_size

"""Batch output files for the parse and load benchmarks, shaped exactly like the emulator's.

The emulator's responder costs about a millisecond a request, so answering 200,000 requests would
take minutes before anything is timed. Its answers depend only on the posting, so the first
:data:`DISTINCT` requests of the shards are answered for real and every later line reuses one of
those answers under its own custom id: lines keep the real shape, sizes and mix of answers.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import orjson

from benchmarks import shard_build
from jobbatch_dagster.contract import CHAT_COMPLETIONS_ENDPOINT
from jobbatch_dagster.emulator.rules.responder import Responder

DISTINCT = 500
OUTPUT = "output.jsonl"


def _requests(work: Path) -> Iterator[dict]:
    for shard in shard_build.engine_shards(work):
        with shard.open("rb") as source:
            for raw in source:
                yield orjson.loads(raw)


def write_output(work: Path, lines: int) -> Path:
    """``lines`` output lines answering the engine's shards under ``work`` (built beforehand)."""
    responder = Responder(CHAT_COMPLETIONS_ENDPOINT, faults={})
    answers: list[dict] = []
    path = work / OUTPUT
    with path.open("wb") as out:
        for number, request in enumerate(_requests(work)):
            if number == lines:
                break
            custom_id = request["custom_id"]
            if len(answers) < DISTINCT:
                answers.append(responder.answer(custom_id, request["body"]).line)
                line = answers[-1]
            else:
                line = {**answers[number % DISTINCT], "custom_id": custom_id, "id": f"req_{number}"}
            out.write(orjson.dumps(line) + b"\n")
    return path

"""Which posting each result answered, read back from the shard that was sent.

A batch's metadata holds the sha256 of its input file, and a shard's file name ends with the first
16 hex digits of it, so the shard (and its manifest: custom id -> job id and line) is found in the
work directory that built it. The posting is the one in the request line itself, exactly as the
model read it. This is what lets the guide's result dicts go back into the next stage as jobs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jobbatch_dagster.batch.client import BatchStatus
from jobbatch_dagster.batch.shards import MANIFEST_SUFFIX, read_manifest, request_lines
from jobbatch_dagster.batch.submit import FINGERPRINT_KEY
from jobbatch_dagster.tasks.base import decode_posting

_SHARD_HASH_CHARS = 16


@dataclass(frozen=True)
class RequestOrigin:
    """The job a request was built from: its id and the posting fields the model read."""

    job_id: str | None
    posting: dict[str, Any]

    def job(self) -> dict[str, Any]:
        """The posting as a job dict the engine can build another request from."""
        return self.posting if self.job_id is None else {"id": self.job_id, **self.posting}


def find_shard(status: BatchStatus | None, inputs_dir: Path) -> Path | None:
    """The input file of this batch under ``inputs_dir``, when it was built there."""
    fingerprint = status.metadata.get(FINGERPRINT_KEY) if status else None
    if not fingerprint or not inputs_dir.is_dir():
        return None
    for path in sorted(inputs_dir.glob(f"*-{fingerprint[:_SHARD_HASH_CHARS]}.jsonl")):
        if Path(str(path) + MANIFEST_SUFFIX).is_file():
            return path
    return None


def request_origins(shard: Path) -> dict[str, RequestOrigin]:
    """custom_id -> origin for every request of a shard (one pass over the file and manifest)."""
    postings: dict[int, dict[str, Any]] = {}
    for number, request in enumerate(request_lines(shard), start=1):
        messages = request.get("body", {}).get("messages", [])
        user = next((m.get("content") for m in messages if m.get("role") == "user"), None)
        postings[number] = (decode_posting(user) if isinstance(user, str) else None) or {}
    return {
        entry.custom_id: RequestOrigin(entry.job_id, postings.get(entry.line, {}))
        for entry in read_manifest(str(shard) + MANIFEST_SUFFIX)
    }

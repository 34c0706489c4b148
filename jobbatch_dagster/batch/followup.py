"""Follow-up shards: send again only what a batch left pending, linked to the batch it came from.

An expired or cancelled batch keeps its finished answers; its pending requests (never run, or failed
for a reason that is not their own) go into a follow-up shard, attempt n+1. The lines are copied
byte for byte from the parent shard, so custom ids and request fingerprints stay the same and the
results of every attempt join the same manifest entries. The follow-up's own content fingerprint
makes its submit idempotent like any other shard's, and ``followup_metadata`` records the parent
batch and the attempt on the provider's side too. The pipeline's retries
(:func:`jobbatch_dagster.pipeline.inputs.followup_shards`) go through these same two functions.

A line that judged several postings is copied whole when all of them are to be sent again; when
only some are (one verdict was missing or garbled), the line is rebuilt with just those postings,
under the same line custom id and posting ids, so the answered ones are never paid for twice.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from jobbatch_dagster.batch.shards import (
    SHARD_NAME,
    ManifestEntry,
    Shard,
    ShardWriter,
    read_manifest,
)
from jobbatch_dagster.tasks import get_task
from jobbatch_dagster.tasks.base import decode_postings


def _dumps_line(request: dict[str, Any]) -> bytes:
    return json.dumps(request, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def followup_metadata(parent_batch_id: str, attempt: int) -> dict[str, str]:
    """Extra batch metadata that links a follow-up to its parent (for ``submit_shard``)."""
    return {"parent_batch_id": parent_batch_id, "attempt": str(attempt)}


def repair_line(line: bytes, error: str) -> bytes:
    """The request line with one more user message: why its previous answer was rejected."""
    request = json.loads(line)
    request["body"]["messages"] = [
        *request["body"]["messages"],
        {
            "role": "user",
            "content": (
                f"Your previous answer was rejected: {error}. Reply again with only a JSON "
                "object that matches the required schema."
            ),
        },
    ]
    return _dumps_line(request)


def subset_line(line: bytes, task: str, keys: Collection[str]) -> bytes:
    """A line that judged several postings, with only the postings whose id is in ``keys``,
    encoded as the task's group form encodes them (so each reads what it read before)."""
    request = json.loads(line)
    user = next(m for m in request["body"]["messages"] if m.get("role") == "user")
    kept = [
        (posting.pop("id"), posting)
        for posting in decode_postings(user["content"])
        if posting.get("id") in keys
    ]
    user["content"] = get_task(task).grouped().user_message(kept)
    return _dumps_line(request)


def build_followup_shard(
    parent: Shard,
    custom_ids: Collection[str],
    out_dir: str | os.PathLike[str],
    *,
    attempt: int,
    repairs: Mapping[str, str] | None = None,
) -> Shard | None:
    """A shard of the parent's requests named in ``custom_ids`` (None when there are none).

    A request in ``repairs`` (custom id -> validation error) is a schema repair: its line gets the
    error as one more message (:func:`repair_line`); every other line is copied as it is.

    It is named ``<prefix>-a<attempt>-<index>-<fingerprint>.jsonl``: the parent's index, so a
    follow-up is recognisably the same shard's next attempt. A subset of a shard fits the limits
    the shard fitted, so one follow-up shard always suffices.
    """
    if attempt < 2:
        raise ValueError("a follow-up is attempt 2 or later (attempt 1 is the original shard)")
    wanted = set(custom_ids)
    if not wanted:
        return None
    match = SHARD_NAME.match(parent.path.name)
    prefix = f"{match.group('prefix') if match else parent.path.stem}-a{attempt}"
    directory = Path(out_dir)
    directory.mkdir(parents=True, exist_ok=True)
    writer = ShardWriter(directory, prefix, parent.index)
    found: set[str] = set()
    by_line: dict[int, list[ManifestEntry]] = {}
    for entry in read_manifest(parent.manifest_path):
        by_line.setdefault(entry.line, []).append(entry)
    try:
        with open(parent.path, "rb") as lines:
            for number, line in enumerate((raw for raw in lines if raw.strip()), start=1):
                entries = by_line.get(number, [])
                chosen = [e for e in entries if e.custom_id in wanted]
                if not chosen:
                    continue
                errors = [(repairs or {}).get(e.custom_id) for e in chosen]
                error = next((e for e in errors if e is not None), None)
                sent = line
                if any(e.request_id for e in chosen) and len(chosen) < len(entries):
                    sent = subset_line(line, parent.task, {e.key for e in chosen})
                if error is not None:
                    sent = repair_line(sent, error)
                kept = [dataclasses.replace(e, line=0) for e in chosen]
                if len(kept) == 1 and not kept[0].request_id:
                    writer.add(sent, kept[0])
                else:
                    writer.add_group(sent, kept)
                found.update(e.custom_id for e in chosen)
        missing = wanted - found
        if missing:
            raise ValueError(
                f"{len(missing)} custom ids are not in {parent.path.name}, e.g. {min(missing)!r}"
            )
    except BaseException:
        writer.discard()
        raise
    return dataclasses.replace(writer.close(prefix, parent.task, parent.model), attempt=attempt)

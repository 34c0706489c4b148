"""Streaming postings into JSONL shards that each fit one batch, with a manifest beside each.

A shard never holds more than ``max_requests`` lines or ``max_bytes`` bytes; bytes are counted on
the encoded lines themselves, newlines included, so the limit is exact. Lines go straight through a
buffered file and a running sha256, so a 50,000-request / 200 MB shard is never in memory.
When a shard is closed it is renamed to ``<prefix>-<index>-<fingerprint[:16]>.jsonl``: the name
then says what is inside, which lets a retried upload recognise the file it already sent.
The manifest (``<shard>.manifest.jsonl``) ties every custom id to its job and request fingerprint,
so results can be joined back to postings long after this process is gone.

With ``postings_per_request`` above 1 a line judges several postings: each keeps its own custom id,
fingerprint and manifest entry, which names the line's custom id (``request_id``, ``req-...``) and
the posting's id within it (``key``). Limits count lines and bytes as the provider does.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import orjson

from jobbatch_dagster.batch.cost import CostBreakdown, estimate_cost
from jobbatch_dagster.batch.custom_ids import CustomIdAllocator
from jobbatch_dagster.batch.requests import (
    JobRejection,
    PreparedPosting,
    RequestEncoder,
    prepare_posting,
)
from jobbatch_dagster.batch.results import split_evenly
from jobbatch_dagster.contract import MAX_BATCH_FILE_BYTES, MAX_REQUESTS_PER_BATCH
from jobbatch_dagster.settings import Settings
from jobbatch_dagster.tasks.base import Task
from jobbatch_dagster.tasks.profile import LeadProfile

MANIFEST_SUFFIX = ".manifest.jsonl"
_BUFFER_BYTES = 1 << 20
# ``<prefix>-<index>-<fingerprint[:16]>.jsonl``, a follow-up's prefix ending in ``-a<attempt>``.
SHARD_NAME = re.compile(
    r"^(?P<prefix>.*?)(?:-a(?P<attempt>\d+))?-(?P<index>\d{3,})-[0-9a-f]{16}\.jsonl$"
)


# Built once per request of a build and never changed; not frozen (a frozen dataclass sets each
# field through object.__setattr__), and not slotted, since the writer reads it with vars().
@dataclass
class ManifestEntry:
    """Where one request came from and where it sits in its shard (1-based line)."""

    custom_id: str
    job_id: str | None
    index: int  # position of the job in the build's input
    fingerprint: str
    line: int
    truncated: bool = False
    prompt_tokens: int = 0  # estimated, as counted into the shard's estimated_prompt_tokens
    request_id: str = ""  # the line's custom id when it judges several postings, else ""
    key: str = ""  # the posting's id within that line

    @property
    def line_id(self) -> str:
        """The custom id of the line this posting rides in."""
        return self.request_id or self.custom_id


@dataclass(frozen=True)
class Shard:
    """One JSONL file that fits one batch."""

    path: Path
    manifest_path: Path
    index: int
    task: str
    model: str
    request_count: int
    bytes: int
    input_fingerprint: str  # sha256 of the file's bytes
    estimated_prompt_tokens: int
    attempt: int = 1  # 2 or more for a follow-up shard (``-a<attempt>`` in its name)

    def manifest(self) -> Iterator[ManifestEntry]:
        return read_manifest(self.manifest_path)


@dataclass
class BuildResult:
    """The shards of one build, plus what was left out and why."""

    shards: list[Shard] = field(default_factory=list)
    rejections: list[JobRejection] = field(default_factory=list)
    skipped: list[ManifestEntry] = field(default_factory=list)  # already answered (line = 0)
    truncated: int = 0

    @property
    def request_count(self) -> int:
        return sum(s.request_count for s in self.shards)


def read_manifest(path: str | os.PathLike[str]) -> Iterator[ManifestEntry]:
    """Stream the entries of a shard manifest."""
    with open(path, encoding="utf-8") as fh:
        for raw in fh:
            if raw.strip():
                yield ManifestEntry(**json.loads(raw))


def request_lines(
    path: str | os.PathLike[str], digest: hashlib._Hash | None = None
) -> Iterator[dict[str, Any]]:
    """Stream the requests of a batch input file; ``digest``, if given, is fed every byte read."""
    with open(path, "rb") as fh:
        for raw in fh:
            if digest is not None:
                digest.update(raw)
            if raw.strip():
                yield json.loads(raw)


def read_shard(path: Path, task: Task, model: str) -> tuple[Shard, CostBreakdown]:
    """A shard written earlier, read back from its files, with its estimated cost.

    Nothing is trusted from memory: the fingerprint is recomputed from the bytes and the estimate
    from the request lines (one pass over the file), the request count from the manifest.
    """
    match = SHARD_NAME.match(path.name)
    if match is None:
        raise ValueError(f"{path} is not a shard file (expected <prefix>-<index>-<hash>.jsonl)")
    digest = hashlib.sha256()
    estimate = estimate_cost(request_lines(path, digest), task)
    manifest = Path(str(path) + MANIFEST_SUFFIX)
    shard = Shard(
        path=path,
        manifest_path=manifest,
        index=int(match.group("index")),
        task=task.name,
        model=model,
        request_count=len({entry.line for entry in read_manifest(manifest)}),
        bytes=path.stat().st_size,
        input_fingerprint=digest.hexdigest(),
        estimated_prompt_tokens=estimate.input_tokens,
        attempt=int(match.group("attempt") or 1),
    )
    return shard, estimate


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text)


class ShardWriter:
    """The shard being written: its two files, byte and line counts, and running hash.

    Files are written under hidden ``.partial`` names and renamed on close, so a crash never
    leaves a half shard that looks complete.
    """

    def __init__(self, directory: Path, prefix: str, index: int) -> None:
        self.index = index
        self.tmp_path = directory / f".{prefix}-{index:03d}.jsonl.partial"
        self.tmp_manifest = directory / f".{prefix}-{index:03d}{MANIFEST_SUFFIX}.partial"
        self.out: IO[bytes] = open(self.tmp_path, "wb", buffering=_BUFFER_BYTES)  # noqa: SIM115
        self.manifest: IO[bytes] = open(self.tmp_manifest, "wb", buffering=_BUFFER_BYTES)  # noqa: SIM115
        self.digest = hashlib.sha256()
        self.count = 0
        self.bytes = 0
        self.tokens = 0

    def fits(self, size: int, max_requests: int, max_bytes: int) -> bool:
        return self.count + 1 <= max_requests and self.bytes + size <= max_bytes

    def add(self, line: bytes, entry: ManifestEntry) -> None:
        """Append one encoded request line; the entry gets its 1-based line number here."""
        self.out.write(line)
        self.digest.update(line)
        self.count += 1
        self.bytes += len(line)
        self.tokens += entry.prompt_tokens
        # vars() of the flat entry, not dataclasses.asdict: asdict deep-copies and was a fifth of
        # the whole build's time.
        record = {**vars(entry), "line": self.count}
        self.manifest.write(orjson.dumps(record) + b"\n")

    def add_group(self, line: bytes, entries: list[ManifestEntry]) -> None:
        """Append one line that judges several postings, one manifest entry each."""
        self.out.write(line)
        self.digest.update(line)
        self.count += 1
        self.bytes += len(line)
        for entry in entries:
            self.tokens += entry.prompt_tokens
            self.manifest.write(orjson.dumps({**vars(entry), "line": self.count}) + b"\n")

    def close(self, prefix: str, task: str, model: str) -> Shard:
        self.out.close()
        self.manifest.close()
        fingerprint = self.digest.hexdigest()
        path = self.tmp_path.with_name(f"{prefix}-{self.index:03d}-{fingerprint[:16]}.jsonl")
        manifest_path = path.with_name(path.name + MANIFEST_SUFFIX)
        os.replace(self.tmp_manifest, manifest_path)
        os.replace(self.tmp_path, path)
        return Shard(
            path,
            manifest_path,
            self.index,
            task,
            model,
            self.count,
            self.bytes,
            fingerprint,
            self.tokens,
        )

    def discard(self) -> None:
        self.out.close()
        self.manifest.close()
        self.tmp_path.unlink(missing_ok=True)
        self.tmp_manifest.unlink(missing_ok=True)


def build_shards(
    jobs: Iterable[Any],
    task: Task,
    model: str,
    out_dir: str | os.PathLike[str],
    *,
    profile: LeadProfile | None = None,
    max_requests: int = MAX_REQUESTS_PER_BATCH,
    max_bytes: int = MAX_BATCH_FILE_BYTES,
    max_description_chars: int = Settings.max_description_chars,
    description_chars: int | None = None,
    prefix: str | None = None,
    skip_fingerprints: Collection[str] = (),
    postings_per_request: int = 1,
) -> BuildResult:
    """Turn jobs into as few shards as the limits allow; invalid jobs become rejections.

    ``skip_fingerprints`` holds request fingerprints that already have an answer: those postings
    are listed in ``BuildResult.skipped`` and not sent again. ``description_chars`` sends the brief
    description a cheap filter reads (``StageConfig.description_chars``); ``postings_per_request``
    above 1 puts that many postings in each line (the task's group form, module doc).
    """
    if not (0 < max_requests <= MAX_REQUESTS_PER_BATCH and 0 < max_bytes <= MAX_BATCH_FILE_BYTES):
        raise ValueError(
            f"shard limits must be positive and within the provider's ({MAX_REQUESTS_PER_BATCH} "
            f"requests, {MAX_BATCH_FILE_BYTES} bytes); got {max_requests} and {max_bytes}"
        )
    directory = Path(out_dir)
    directory.mkdir(parents=True, exist_ok=True)
    builder = _Builder(
        directory,
        _safe_name(prefix or f"{task.name}-{model}"),
        task,
        model,
        RequestEncoder(task, model, profile or LeadProfile(), postings_per_request),
        max_requests,
        max_bytes,
    )
    ids = CustomIdAllocator()
    waiting: list[_Waiting] = []
    try:
        for index, job in enumerate(jobs):
            try:
                prepared = prepare_posting(
                    job, index, max_description_chars, task.context_fields, description_chars
                )
            except (TypeError, ValueError) as exc:
                job_id = job.get("id") if isinstance(job, dict) else None
                builder.result.rejections.append(
                    JobRejection(index, str(exc), _str_or_none(job_id))
                )
                continue
            fingerprint = builder.encoder.fingerprint(prepared.posting)
            if fingerprint in skip_fingerprints:
                entry = ManifestEntry(
                    "", prepared.job_id, index, fingerprint, 0, prepared.truncated
                )
                builder.result.skipped.append(entry)
                continue
            custom_id = ids.allocate(prepared.job_id or str(index), prepared.posting["title"])
            if postings_per_request == 1:
                builder.add_single(custom_id, fingerprint, prepared)
                continue
            waiting.append(_Waiting(custom_id, fingerprint, prepared))
            if len(waiting) == postings_per_request:
                builder.add_group(waiting)
                waiting = []
        if waiting:
            builder.add_group(waiting)
        return builder.finish()
    finally:
        builder.discard()


@dataclass(frozen=True)
class _Waiting:
    """A posting waiting for its group line to fill."""

    custom_id: str
    fingerprint: str
    prepared: PreparedPosting


class _Builder:
    """The shards of one build as they fill: a line goes into the current shard while it fits."""

    def __init__(
        self,
        directory: Path,
        prefix: str,
        task: Task,
        model: str,
        encoder: RequestEncoder,
        max_requests: int,
        max_bytes: int,
    ) -> None:
        self.directory, self.prefix, self.task, self.model = directory, prefix, task, model
        self.encoder = encoder
        self.max_requests, self.max_bytes = max_requests, max_bytes
        self.result = BuildResult()
        self.current: ShardWriter | None = None

    def _room(self, size: int) -> ShardWriter:
        if self.current is None or not self.current.fits(size, self.max_requests, self.max_bytes):
            if self.current is not None:
                self.result.shards.append(
                    self.current.close(self.prefix, self.task.name, self.model)
                )
            self.current = ShardWriter(self.directory, self.prefix, len(self.result.shards))
        return self.current

    def _too_big(self, size: int, prepared: PreparedPosting) -> bool:
        if size <= self.max_bytes:
            return False
        reason = f"its request is {size} bytes, over the {self.max_bytes}-byte file limit"
        self.result.rejections.append(JobRejection(prepared.index, reason, prepared.job_id))
        return True

    def add_single(self, custom_id: str, fingerprint: str, prepared: PreparedPosting) -> None:
        request = self.encoder.encode(custom_id, prepared.posting)
        if self._too_big(len(request.line), prepared):
            return
        entry = ManifestEntry(
            custom_id,
            prepared.job_id,
            prepared.index,
            fingerprint,
            0,
            prepared.truncated,
            request.prompt_tokens,
        )
        self._room(len(request.line)).add(request.line, entry)
        self.result.truncated += prepared.truncated

    def add_group(self, group: list[_Waiting]) -> None:
        """One line for the group, its id ``req-`` and its first posting's; a line over the byte
        limit is split in halves until each fits (a single posting over it is rejected)."""
        line_id = "req-" + group[0].custom_id.removeprefix("job-")
        pairs = [(str(n), w.prepared.posting) for n, w in enumerate(group, start=1)]
        request = self.encoder.encode_group(line_id, pairs)
        if len(request.line) > self.max_bytes and len(group) > 1:
            half = len(group) // 2
            self.add_group(group[:half])
            self.add_group(group[half:])
            return
        if self._too_big(len(request.line), group[0].prepared):
            return
        shares = split_evenly(request.prompt_tokens, len(group))
        entries = [
            ManifestEntry(
                w.custom_id,
                w.prepared.job_id,
                w.prepared.index,
                w.fingerprint,
                0,
                w.prepared.truncated,
                share,
                request_id=line_id,
                key=key,
            )
            for w, (key, _), share in zip(group, pairs, shares, strict=True)
        ]
        self._room(len(request.line)).add_group(request.line, entries)
        self.result.truncated += sum(w.prepared.truncated for w in group)

    def finish(self) -> BuildResult:
        if self.current is not None:
            self.result.shards.append(self.current.close(self.prefix, self.task.name, self.model))
            self.current = None
        return self.result

    def discard(self) -> None:
        if self.current is not None:
            self.current.discard()
            self.current = None


def _str_or_none(value: object) -> str | None:
    return None if value is None or isinstance(value, dict | list) else str(value)

"""The single thread that walks every batch through its lifecycle.

validating -> in_progress -> finalizing -> completed (or failed, cancelling -> cancelled, expired).
``latency`` spreads a batch over that many seconds (10% validating, 80% in progress, 10%
finalizing) so a person watching sees the counts move; 0 runs as fast as the machine goes.

Durability: answers are appended to the output/error bodies in chunks; after each chunk the bodies
are flushed and the new offsets and counts committed in one SQLite transaction. After a crash the
bodies are truncated to the committed offsets and work resumes at the committed input offset, so
every request is answered exactly once.
"""

from __future__ import annotations

import json
import logging
import math
import threading
import time
from typing import Any

from jobbatch_dagster.contract import FILE_PURPOSE_BATCH_OUTPUT
from jobbatch_dagster.emulator.backend import EmulatorBackend
from jobbatch_dagster.emulator.errors import missing_input_file
from jobbatch_dagster.emulator.records import BatchRecord, FileRecord
from jobbatch_dagster.emulator.rules.responder import Responder, expired_line
from jobbatch_dagster.emulator.validation import batch_error, scan_input_file

log = logging.getLogger(__name__)

CHUNK_REQUESTS = 1000  # per commit; small enough that a cancel lands within a fraction of a second
IDLE_WAIT_SECONDS = 0.05
RETRY_SECONDS = 1.0
VALIDATING_SHARE, IN_PROGRESS_SHARE, FINALIZING_SHARE = 0.1, 0.8, 0.1
IN_FLIGHT = ("in_progress", "finalizing", "cancelling")


class BatchWorker(threading.Thread):
    """Advances every active batch a step at a time, oldest first."""

    def __init__(self, backend: EmulatorBackend) -> None:
        super().__init__(name="emulator-batch-worker", daemon=True)
        self.backend = backend
        self.store = backend.store
        self.latency = backend.config.latency
        self.clock = backend.clock
        self._stopping = threading.Event()
        self._responders: dict[str, Responder] = {}
        self._retry_at: dict[str, float] = {}  # batches whose last step raised wait until then

    def stop(self) -> None:
        self._stopping.set()
        self.backend.wake.set()
        self.join(timeout=10)

    def run(self) -> None:
        self._recover()
        while not self._stopping.is_set():
            worked = False
            for record in self.store.batches_with_status(("validating", *IN_FLIGHT)):
                if self._retry_at.get(record.id, 0.0) > time.time():
                    continue
                try:
                    worked |= self._step(record)
                except Exception:
                    # One broken batch must not stop the others: it is logged and retried later
                    # (from its last commit, so nothing is answered twice).
                    log.exception(
                        "worker step failed for %s; retrying in %ss", record.id, RETRY_SECONDS
                    )
                    self._retry_at[record.id] = time.time() + RETRY_SECONDS
                    self._undo_uncommitted(record.id)
            if not worked:
                self.backend.wake.wait(IDLE_WAIT_SECONDS)
                self.backend.wake.clear()

    def _recover(self) -> None:
        """Cut each in-flight body back to its last committed length (undo a half-written chunk)."""
        for record in self.store.batches_with_status(IN_FLIGHT):
            self._truncate_bodies(record)

    def _undo_uncommitted(self, batch_id: str) -> None:
        """After a failed step: drop what it wrote past the last commit, as a restart would."""
        current = self.store.get_batch(batch_id)
        if current is not None and current.status in IN_FLIGHT:
            self._truncate_bodies(current)

    def _truncate_bodies(self, record: BatchRecord) -> None:
        for body_id, size in (
            (record.output_body_id, record.output_bytes),
            (record.error_body_id, record.error_bytes),
        ):
            path = self.store.body_path(body_id)
            if path.exists():
                with path.open("r+b") as body:
                    body.truncate(size)

    def _step(self, record: BatchRecord) -> bool:
        now = time.time()
        elapsed = now - record.phase_ts
        if record.status == "validating":
            if elapsed < self.latency * VALIDATING_SHARE:
                return False
            self._validate(record)
            return True
        if record.status == "cancelling":
            if elapsed < record.faults.get("cancel_delay_seconds", 0):
                return False
            return self._finish(record, "cancelled")
        if record.status == "finalizing":
            if record.stall_until and now < record.stall_until:
                return False
            if elapsed < self.latency * FINALIZING_SHARE:
                return False
            return self._finish(record, "completed")
        return self._advance(record, now, elapsed)

    def _validate(self, record: BatchRecord) -> None:
        config = self.backend.config
        path = self.store.body_path(record.input_file_id)
        if not path.exists():
            message = missing_input_file(record.input_file_id)
            self._fail(record, [batch_error("invalid_request", message, "file_id")], None)
            return
        report = scan_input_file(
            path, record.endpoint, self.backend.models, config.max_requests, config.max_bytes
        )
        if report.errors:
            self._fail(record, report.errors, report.model)
            return
        if self._over_token_limit(record, report.model, report.enqueued_tokens):
            limit = config.token_limit
            message = (
                f"Enqueued token limit reached for {report.model} in organization "
                f"org-jobbatch-emulator. Limit: {limit if limit is not None else 0:,} enqueued "
                "tokens. Please try again once some in_progress batches have been completed."
            )
            self._fail(record, [batch_error("token_limit_exceeded", message)], report.model)
            return
        changes = {
            "status": "in_progress",
            "model": report.model,
            "total": report.total,
            "enqueued_tokens": report.enqueued_tokens,
            "in_progress_at": self.clock.stamp(),
            "phase_ts": time.time(),
        }
        self.store.update_batch(record.id, changes, only_if_status=("validating",))

    def _over_token_limit(self, record: BatchRecord, model: str | None, tokens: int) -> bool:
        if record.faults.get("token_limit_exceeded"):
            return True
        limit = self.backend.config.token_limit
        if limit is None:
            return False
        in_flight = sum(
            b.enqueued_tokens for b in self.store.batches_with_status(IN_FLIGHT) if b.model == model
        )
        return in_flight + tokens > limit

    def _fail(self, record: BatchRecord, errors: list[dict[str, Any]], model: str | None) -> None:
        changes = {
            "status": "failed",
            "errors": errors,
            "model": model,
            "failed_at": self.clock.stamp(),
            "phase_ts": time.time(),
        }
        self.store.update_batch(record.id, changes, only_if_status=("validating",))

    def _advance(self, record: BatchRecord, now: float, elapsed: float) -> bool:
        expire_after = record.faults.get("expire_after_requests")
        window_over = self.clock.now() >= record.expires_at  # emulator time (--time-scale)
        if window_over or (expire_after is not None and record.processed >= expire_after):
            return self._expire(record)
        if record.processed >= record.total:
            stall = record.faults.get("stall_finalizing")
            changes: dict[str, Any] = {
                "status": "finalizing",
                "finalizing_at": self.clock.stamp(),
                "phase_ts": now,
            }
            if stall is not None:
                changes["stall_until"] = (
                    math.inf if stall == "until_released" else now + float(stall)
                )
            return self.store.update_batch(record.id, changes, only_if_status=("in_progress",))
        duration = self.latency * IN_PROGRESS_SHARE
        share = 1.0 if duration <= 0 else min(1.0, elapsed / duration)
        todo = min(math.ceil(record.total * share) - record.processed, CHUNK_REQUESTS)
        if expire_after is not None:
            todo = min(todo, expire_after - record.processed)
        if todo <= 0:
            return False
        self._answer_chunk(record, todo)
        return True

    def _answer_chunk(self, record: BatchRecord, todo: int) -> None:
        responder = self._responders.get(record.id)
        if responder is None:
            responder = self._responders[record.id] = Responder(
                record.endpoint, record.faults, self.clock
            )
        counts = {
            "completed": 0,
            "failed": 0,
            "input_tokens": 0,
            "cached_tokens": 0,
            "output_tokens": 0,
        }
        with (
            self.store.body_path(record.input_file_id).open("rb") as requests,
            self.store.body_path(record.output_body_id).open("ab") as output,
            self.store.body_path(record.error_body_id).open("ab") as errors,
        ):
            requests.seek(record.input_offset)
            answered = 0
            while answered < todo:
                raw = requests.readline()
                if not raw:
                    break
                if not raw.strip():
                    continue
                request = json.loads(raw)
                outcome = responder.answer(request["custom_id"], request["body"])
                text = json.dumps(outcome.line, ensure_ascii=False) + "\n"
                (output if outcome.ok else errors).write(text.encode())
                counts["completed" if outcome.ok else "failed"] += 1
                counts["input_tokens"] += outcome.prompt_tokens
                counts["cached_tokens"] += outcome.cached_tokens
                counts["output_tokens"] += outcome.completion_tokens
                answered += 1
            offset = requests.tell()
            output.flush()
            errors.flush()
            sizes = {"output_bytes": output.tell(), "error_bytes": errors.tell()}
        progress = {name: getattr(record, name) + value for name, value in counts.items()}
        self.store.update_batch(record.id, {**progress, **sizes, "input_offset": offset})

    def _expire(self, record: BatchRecord) -> bool:
        """Every request not yet run goes to the error file as ``batch_expired``.

        Unconfirmed: whether expired requests count as failed. They were never run, so they are
        left out of request_counts (completed + failed < total tells the caller some were not run).
        """
        with (
            self.store.body_path(record.input_file_id).open("rb") as requests,
            self.store.body_path(record.error_body_id).open("ab") as errors,
        ):
            requests.seek(record.input_offset)
            for raw in requests:
                if raw.strip():
                    custom_id = json.loads(raw)["custom_id"]
                    errors.write((json.dumps(expired_line(custom_id)) + "\n").encode())
            errors.flush()
            record.error_bytes = errors.tell()
        return self._finish(record, "expired")

    def _finish(self, record: BatchRecord, status: str) -> bool:
        """Publish the bodies as batch_output files and end the batch, in one transaction."""
        self._truncate_bodies(record)  # drops lines of an expiry that a cancel overtook
        now = self.clock.stamp()
        ttl = record.output_expires_seconds
        files: list[FileRecord] = []
        ids: dict[str, str | None] = {}
        for kind, body_id, size in (
            ("output", record.output_body_id, record.output_bytes),
            ("error", record.error_body_id, record.error_bytes),
        ):
            ids[f"{kind}_file_id"] = body_id if size > 0 else None
            if size > 0:
                files.append(
                    FileRecord(
                        id=body_id,
                        bytes=size,
                        created_at=now,
                        filename=f"{record.id}_{kind}.jsonl",
                        purpose=FILE_PURPOSE_BATCH_OUTPUT,
                        expires_at=None if ttl is None else now + ttl,
                    )
                )
            else:
                self.store.body_path(body_id).unlink(missing_ok=True)
        changes = {
            "status": status,
            f"{status}_at": now,
            "phase_ts": time.time(),
            "error_bytes": record.error_bytes,
            **ids,
        }
        done = self.store.update_batch(
            record.id, changes, only_if_status=(record.status,), new_files=tuple(files)
        )
        if done:
            self._responders.pop(record.id, None)
            self._drop_orphan_input(record.input_file_id)
        return done

    def _drop_orphan_input(self, file_id: str) -> None:
        """Remove an input body whose file was deleted while this batch was still reading it."""
        if self.store.get_file(file_id) is None:
            self.backend.drop_body_unless_read(file_id)

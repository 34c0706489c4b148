"""The emulator's state and rules (moto style): the HTTP layer parses and renders, this decides.

Holds the store, the fault registry and the worker's wake-up event. Every method either returns
records or raises :class:`ApiError` with the provider's status, message and code.
"""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path
from typing import Any, BinaryIO

from jobbatch_dagster.contract import (
    ACTIVE_STATUSES,
    BATCH_FILE_DEFAULT_TTL_SECONDS,
    COMPLETION_WINDOW_SECONDS,
    FILE_PURPOSE_BATCH,
)
from jobbatch_dagster.emulator.chat_validation import check_chat_request
from jobbatch_dagster.emulator.config import EmulatorConfig
from jobbatch_dagster.emulator.errors import (
    ApiError,
    batches_per_hour_exceeded,
    invalid,
    model_not_found,
    no_such_batch,
    no_such_file,
    unsupported,
)
from jobbatch_dagster.emulator.faults import Faults
from jobbatch_dagster.emulator.models import ModelList
from jobbatch_dagster.emulator.records import BatchRecord, FileRecord, new_id
from jobbatch_dagster.emulator.rules.responder import ChatAnswerer, PromptCache
from jobbatch_dagster.emulator.store import Store
from jobbatch_dagster.emulator.validation import parse_create_request, parse_expiry

# Purposes a client may upload with. "evals" is in the spec's upload enum but not in the File
# object's purpose enum, so the SDK's strict mode could not read such a file back: refused here.
UPLOAD_PURPOSES = ("assistants", "batch", "fine-tune", "vision", "user_data")
MAX_FILES_PAGE = 10_000
MAX_BATCHES_PAGE = 100
DEFAULT_BATCHES_PAGE = 20
CANCELLABLE = ("validating", "in_progress", "finalizing")
COPY_CHUNK_BYTES = 1 << 20
# The service keeps a cached prompt prefix for 5 to 10 minutes of inactivity (up to an hour off
# peak); live calls share one cache that forgets a prefix after the longer of the usual two.
LIVE_CACHE_TTL_SECONDS = 600.0
HOUR_SECONDS = 3600


class EmulatorBackend:
    """Files and batches of one emulator server."""

    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config
        self.store = Store(config.data_dir)  # creates data_dir
        self.clock = self.store.resume_clock(config.time_scale)
        self.faults = Faults()
        self.wake = threading.Event()  # set when the worker has new work
        self.models = ModelList.load(config.models_file)
        self.live = ChatAnswerer(self.clock, PromptCache(self.clock, LIVE_CACHE_TTL_SECONDS))

    # Files

    def create_file(
        self, source: BinaryIO, filename: str, purpose: str, expires_after: Any
    ) -> FileRecord:
        if purpose not in UPLOAD_PURPOSES:
            raise unsupported(purpose, UPLOAD_PURPOSES, "purpose")
        if purpose == FILE_PURPOSE_BATCH and not filename.lower().endswith(".jsonl"):
            raise invalid("Invalid file format for Batch API. Must be .jsonl", "file", None)
        ttl = parse_expiry(expires_after, "expires_after")
        if ttl is None and purpose == FILE_PURPOSE_BATCH:
            ttl = BATCH_FILE_DEFAULT_TTL_SECONDS
        file_id = new_id("file-")
        partial = self.store.body_path(file_id).with_suffix(".upload")
        with partial.open("wb") as body:
            shutil.copyfileobj(source, body, COPY_CHUNK_BYTES)
            size = body.tell()
        partial.rename(self.store.body_path(file_id))
        now = self.clock.stamp()
        record = FileRecord(
            id=file_id,
            bytes=size,
            created_at=now,
            filename=filename,
            purpose=purpose,
            expires_at=None if ttl is None else now + ttl,
        )
        self.store.insert_file(record)
        return record

    def get_file(self, file_id: str) -> FileRecord:
        record = self.store.get_file(file_id)
        if (
            record is not None
            and record.expires_at is not None
            and record.expires_at <= self.clock.stamp()
        ):
            self.delete_file(file_id)  # expired files are gone, as with the provider
            record = None
        if record is None:
            raise no_such_file(file_id)
        return record

    def list_files(
        self, purpose: str | None, limit: int, order: str, after: str | None
    ) -> tuple[list[FileRecord], bool]:
        if not 1 <= limit <= MAX_FILES_PAGE:
            raise invalid(f"limit must be between 1 and {MAX_FILES_PAGE}.", "limit")
        if order not in ("asc", "desc"):
            raise invalid("order must be 'asc' or 'desc'.", "order")
        after_seq = None if after is None else self._cursor("files", after)
        page = self.store.list_files(
            purpose, order == "desc", after_seq, limit + 1, self.clock.stamp()
        )
        return page[:limit], len(page) > limit

    def delete_file(self, file_id: str) -> None:
        if not self.store.delete_file(file_id):
            raise no_such_file(file_id)
        self.drop_body_unless_read(file_id)

    def drop_body_unless_read(self, file_id: str) -> None:
        """Remove a deleted file's body unless an active batch still reads it.

        The worker calls this again when such a batch ends, so the body goes with the last reader.
        """
        if not any(
            b.input_file_id == file_id
            for b in self.store.batches_with_status(tuple(ACTIVE_STATUSES))
        ):
            self.store.body_path(file_id).unlink(missing_ok=True)

    def file_content_path(self, file_id: str) -> Path:
        """Where a file's body is, once the file is known (and not expired)."""
        self.get_file(file_id)
        return self.store.body_path(file_id)

    # Batches

    def create_batch(self, body: Any) -> BatchRecord:
        request = parse_create_request(body)
        now = self.clock.stamp()
        self._check_batches_per_hour(now)
        if not (
            self.faults.mode("accept_missing_input_file")
            and self.store.get_file(request.input_file_id) is None
        ):
            source = self.get_file(request.input_file_id)  # 404 when unknown (the default)
            if source.purpose != FILE_PURPOSE_BATCH:
                raise invalid(
                    f"File {source.id} has purpose '{source.purpose}'; a batch needs a file "
                    f"uploaded with purpose '{FILE_PURPOSE_BATCH}'.",
                    "input_file_id",
                )
        record = BatchRecord(
            id=new_id("batch_"),
            endpoint=request.endpoint,
            input_file_id=request.input_file_id,
            completion_window=request.completion_window,
            status="validating",
            created_at=now,
            expires_at=now + COMPLETION_WINDOW_SECONDS,
            phase_ts=time.time(),
            output_body_id=new_id("file-"),
            error_body_id=new_id("file-"),
            metadata=request.metadata,
            output_expires_seconds=request.output_expires_seconds,
            faults=self.faults.take_for_new_batch(),
        )
        self.store.insert_batch(record)
        self.wake.set()
        return record

    def _check_batches_per_hour(self, now: int) -> None:
        limit = self.config.batches_per_hour
        created, oldest = self.store.batches_created_since(now - HOUR_SECONDS)
        if created >= limit and oldest is not None:
            raise batches_per_hour_exceeded(limit, max(1, oldest + HOUR_SECONDS - now))

    def get_batch(self, batch_id: str) -> BatchRecord:
        record = self.store.get_batch(batch_id)
        if record is None:
            raise no_such_batch(batch_id)
        return record

    def list_batches(self, after: str | None, limit: int) -> tuple[list[BatchRecord], bool]:
        if not 1 <= limit <= MAX_BATCHES_PAGE:
            raise invalid(f"limit must be between 1 and {MAX_BATCHES_PAGE}.", "limit")
        after_seq = None if after is None else self._cursor("batches", after)
        page = self.store.list_batches(after_seq, limit + 1)
        return page[:limit], len(page) > limit

    def cancel_batch(self, batch_id: str) -> BatchRecord:
        record = self.get_batch(batch_id)
        if record.status in CANCELLABLE:
            changes = {
                "status": "cancelling",
                "cancelling_at": self.clock.stamp(),
                "phase_ts": time.time(),
            }
            self.store.update_batch(batch_id, changes, only_if_status=CANCELLABLE)
            self.wake.set()
            record = self.get_batch(batch_id)
        if record.status in ("cancelling", "cancelled"):
            return record  # cancelling twice is harmless, as with the real API
        raise ApiError(
            409,
            f"Cannot cancel batch {batch_id}: its status is '{record.status}'. Only validating, "
            "in_progress or finalizing batches can be cancelled.",
            retryable=False,
        )

    def release_finalizing(self, batch_id: str | None) -> list[str]:
        """End the ``stall_finalizing`` fault of one batch (or of all); returns the released ids."""
        released = []
        for record in self.store.batches_with_status(("finalizing",)):
            if record.stall_until and (batch_id is None or record.id == batch_id):
                self.store.update_batch(record.id, {"stall_until": None})
                released.append(record.id)
        self.wake.set()
        return released

    # Live chat completions

    def chat_completion(self, body: Any) -> dict[str, Any]:
        """Answer one live call: the same validation and rule-based answers as a batch line."""
        check_chat_request(body)
        if not self.models.accepts(body["model"]):
            raise model_not_found(body["model"])
        if body.get("stream"):
            # Unsupported by this emulator (the service streams): refused rather than faked.
            raise invalid(
                "The jobbatch emulator does not stream; call again without 'stream'.",
                "stream",
                "unsupported_value",
            )
        return self.live.complete(body).body

    def _cursor(self, table: str, after: str) -> int:
        seq = self.store.seq_of(table, after)
        if seq is None:
            raise invalid(f"The cursor 'after={after}' names no known object.", "after")
        return seq

"""The provider, through the official ``openai`` SDK only: files and batches, nothing else.

``openai.OpenAI()`` reads ``OPENAI_API_KEY`` and ``OPENAI_BASE_URL`` itself, so the same code talks
to OpenAI or to the emulator; the key is never passed around, logged or stored here. Retries of 408,
409, 429 and 5xx are the SDK's own (``max_retries``). Downloads stream to disk through
``with_streaming_response`` so a 200 MB output file never sits in memory.
"""

from __future__ import annotations

import os
import ssl
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any, Literal

import httpx
import openai
from openai.types import Batch, FileObject

from jobbatch_dagster.contract import (
    BATCH_FILE_DEFAULT_TTL_SECONDS,
    CHAT_COMPLETIONS_ENDPOINT,
    COMPLETION_WINDOW,
    EMULATOR_HEADER,
    FILE_PURPOSE_BATCH,
    TERMINAL_STATUSES,
)

Backend = Literal["openai", "emulator"]
_LIST_PAGE = 100  # the largest page the batches list accepts
# How far back reconciliation looks for a batch or file with the same input. Batch input files
# expire after 30 days, and a retry comes hours, not months, after a crash: scanning further would
# only make every submission page through an account's whole history.
RECONCILE_WINDOW_SECONDS = BATCH_FILE_DEFAULT_TTL_SECONDS
_CHUNK = 1 << 20


class MissingKeyError(openai.OpenAIError):
    """No ``OPENAI_API_KEY``: says that an emulator needs one too (any value), not only OpenAI."""

    def __init__(self, base_url: str | None) -> None:
        if base_url:
            message = (
                f"OPENAI_API_KEY is not set. The SDK needs a key for {base_url} too; if that is "
                "the emulator, any value works (export OPENAI_API_KEY=emulator)"
            )
        else:
            message = (
                "OPENAI_API_KEY is not set: export your OpenAI key, or point OPENAI_BASE_URL at a "
                "running emulator (jobbatch emulator serve) and set OPENAI_API_KEY to any value"
            )
        super().__init__(message)


class BatchWaitTimeout(TimeoutError):
    """A batch that did not reach a terminal status in time; it keeps running at the provider."""


@dataclass(frozen=True)
class BatchStatus:
    """What a user (or a sensor) needs to know about a batch, in plain types."""

    id: str
    status: str
    total: int
    completed: int
    failed: int
    created_at: int
    completed_at: int | None = None
    input_file_id: str | None = None
    output_file_id: str | None = None
    error_file_id: str | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)
    finished_at: int | None = None  # when it became terminal, whichever way
    input_tokens: int = 0  # the provider's usage so far (input includes cached)
    cached_tokens: int = 0
    output_tokens: int = 0

    @classmethod
    def from_batch(cls, batch: Batch) -> BatchStatus:
        counts = batch.request_counts
        errors = [e.model_dump() for e in (batch.errors.data or [])] if batch.errors else []
        usage = batch.usage
        return cls(
            id=batch.id,
            status=batch.status,
            total=counts.total if counts else 0,
            completed=counts.completed if counts else 0,
            failed=counts.failed if counts else 0,
            created_at=batch.created_at,
            completed_at=batch.completed_at,
            input_file_id=batch.input_file_id or None,
            output_file_id=batch.output_file_id or None,  # "" and None alike
            error_file_id=batch.error_file_id or None,
            errors=errors,
            metadata=dict(batch.metadata or {}),
            finished_at=batch.completed_at
            or batch.failed_at
            or batch.expired_at
            or batch.cancelled_at,
            input_tokens=usage.input_tokens if usage else 0,
            cached_tokens=usage.input_tokens_details.cached_tokens if usage else 0,
            output_tokens=usage.output_tokens if usage else 0,
        )

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES

    @property
    def progress(self) -> float:
        """Share of requests finished (answered or failed), 0.0 to 1.0."""
        return (self.completed + self.failed) / self.total if self.total else 0.0

    @property
    def request_counts(self) -> dict[str, int]:
        return {"total": self.total, "completed": self.completed, "failed": self.failed}


@cache
def _tls_context() -> ssl.SSLContext:
    """One TLS context for every client this process makes: building one parses the whole CA
    bundle (30-130 ms), and a night's sensor ticks and steps make dozens of clients. Built the way
    the SDK's own client would build it (certifi, or SSL_CERT_FILE / SSL_CERT_DIR when set)."""
    return httpx.create_ssl_context()


def sdk_client(
    sdk: openai.OpenAI | None = None,
    *,
    api_key: str | None = None,
    base_url: str | None = None,
    max_retries: int | None = None,
    timeout: float | None = None,
) -> openai.OpenAI:
    """The given SDK client with these options, or a new one (reading ``OPENAI_API_KEY`` and
    ``OPENAI_BASE_URL`` itself when no key or URL is given)."""
    options: dict[str, Any] = {}
    if max_retries is not None:
        options["max_retries"] = max_retries
    if timeout is not None:
        options["timeout"] = timeout
    if sdk is None:
        if api_key is not None:
            options["api_key"] = api_key
        if base_url is not None:
            options["base_url"] = base_url
        options["http_client"] = openai.DefaultHttpxClient(verify=_tls_context())
        try:  # no key given: the SDK reads OPENAI_API_KEY itself
            sdk = openai.OpenAI(**options)
        except openai.OpenAIError as exc:
            if api_key is not None or os.environ.get("OPENAI_API_KEY"):
                raise
            raise MissingKeyError(base_url or os.environ.get("OPENAI_BASE_URL")) from exc
    elif options:
        sdk = sdk.with_options(**options)
    return sdk


class BatchClient:
    """Files and batches over one ``openai.OpenAI`` client."""

    def __init__(
        self,
        sdk: openai.OpenAI | None = None,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        max_retries: int | None = None,
        timeout: float | None = None,
    ) -> None:
        self.sdk = sdk_client(
            sdk, api_key=api_key, base_url=base_url, max_retries=max_retries, timeout=timeout
        )

    def __repr__(self) -> str:  # never shows the key
        return f"BatchClient(base_url={str(self.sdk.base_url)!r}, backend={self.__dict__.get('backend', '?')!r})"

    @cached_property
    def backend(self) -> Backend:
        """``emulator`` when the server marks its responses so, else ``openai``; asked once."""
        raw = self.sdk.batches.with_raw_response.list(limit=1)
        return "emulator" if EMULATOR_HEADER in raw.headers else "openai"

    def upload(self, path: str | os.PathLike[str]) -> FileObject:
        with open(path, "rb") as fh:
            return self.sdk.files.create(file=(Path(path).name, fh), purpose=FILE_PURPOSE_BATCH)

    def recent_files(
        self, *, within_seconds: float = RECONCILE_WINDOW_SECONDS
    ) -> Iterator[FileObject]:
        """Batch input files uploaded within the reconcile window, newest first (the list stops there)."""
        cutoff = time.time() - within_seconds
        for file in self.sdk.files.list(purpose=FILE_PURPOSE_BATCH, order="desc"):
            if file.created_at < cutoff:
                return
            yield file

    def find_file(
        self, filename: str, size: int, *, within_seconds: float = RECONCILE_WINDOW_SECONDS
    ) -> FileObject | None:
        """An uploaded batch input file with this name and size (the name embeds the fingerprint),
        uploaded within the reconcile window and not in error."""
        for file in self.recent_files(within_seconds=within_seconds):
            if file.filename == filename and file.bytes == size and file.status != "error":
                return file
        return None

    def create(self, input_file_id: str, metadata: dict[str, str]) -> BatchStatus:
        batch = self.sdk.batches.create(
            input_file_id=input_file_id,
            endpoint=CHAT_COMPLETIONS_ENDPOINT,
            completion_window=COMPLETION_WINDOW,
            metadata=metadata,
        )
        return BatchStatus.from_batch(batch)

    def status(self, batch_id: str) -> BatchStatus:
        return BatchStatus.from_batch(self.sdk.batches.retrieve(batch_id))

    def cancel(self, batch_id: str) -> BatchStatus:
        return BatchStatus.from_batch(self.sdk.batches.cancel(batch_id))

    def list(
        self, limit: int | None = None, *, page_size: int = _LIST_PAGE
    ) -> Iterator[BatchStatus]:
        """Newest first, across all pages (the SDK follows the cursor), at most ``limit``."""
        page = min(limit, page_size) if limit else page_size
        for n, batch in enumerate(self.sdk.batches.list(limit=page)):
            if limit is not None and n >= limit:
                return
            yield BatchStatus.from_batch(batch)

    def recent_batches(
        self, *, within_seconds: float = RECONCILE_WINDOW_SECONDS
    ) -> Iterator[BatchStatus]:
        """Batches created within the reconcile window, newest first (the list stops there)."""
        cutoff = time.time() - within_seconds
        for status in self.list():
            if status.created_at < cutoff:
                return
            yield status

    def find_batch(
        self, key: str, value: str, *, within_seconds: float = RECONCILE_WINDOW_SECONDS
    ) -> BatchStatus | None:
        """The newest batch created within the reconcile window whose metadata ``key`` equals
        ``value``, unless it failed.

        A failed batch ran nothing (validation or token limit), so it is safe to submit again;
        any other batch with the same input already holds, or will hold, these answers.
        """
        for status in self.recent_batches(within_seconds=within_seconds):
            if status.metadata.get(key) == value and status.status != "failed":
                return status
        return None

    def wait(
        self,
        batch_id: str,
        *,
        interval: float = 60.0,
        timeout: float = 86_400.0,
        on_progress: Callable[[BatchStatus], None] | None = None,
    ) -> BatchStatus:
        """Poll until the batch is terminal; raise :class:`BatchWaitTimeout` naming it otherwise."""
        deadline = time.monotonic() + timeout
        while True:
            status = self.status(batch_id)
            if on_progress is not None:
                on_progress(status)
            if status.is_terminal:
                return status
            left = deadline - time.monotonic()
            if left <= 0:
                raise BatchWaitTimeout(
                    f"batch {batch_id} is still {status.status!r} after {timeout:g} s "
                    f"({status.completed + status.failed} of {status.total} requests done); "
                    "it keeps running: check it later with its id"
                )
            time.sleep(min(interval, left))

    def download(self, file_id: str, dest: str | os.PathLike[str]) -> Path:
        """Stream a file's content to ``dest`` (written beside, then renamed: never half a file)."""
        target = Path(dest)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.partial")
        with (
            self.sdk.files.with_streaming_response.content(file_id) as response,
            open(partial, "wb") as out,
        ):
            for chunk in response.iter_bytes(_CHUNK):
                out.write(chunk)
        os.replace(partial, target)
        return target

"""The original guide's verbs, with the names, arguments and return shapes its users know.

``BatchProcessor`` is the seed's ``BatchProcessorAgent`` rebuilt over the engine: every verb is a thin
layer over :mod:`~jobbatch_dagster.batch.shards`, :mod:`~jobbatch_dagster.batch.client`,
:mod:`~jobbatch_dagster.batch.submit` and :mod:`~jobbatch_dagster.batch.harvest`, so the guide's
Examples 1-3 keep working while gaining sharding, validation, idempotent submits and streamed files.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import openai

from jobbatch_dagster.batch.client import BatchClient
from jobbatch_dagster.batch.cost import guard_budget
from jobbatch_dagster.batch.estimate import estimate_file_cost, estimate_shards_cost
from jobbatch_dagster.batch.harvest import DownloadedResults, download_results
from jobbatch_dagster.batch.shards import BuildResult, build_shards
from jobbatch_dagster.batch.submit import (
    FINGERPRINT_KEY,
    RecentSubmissions,
    batch_metadata,
    submit_shard,
)
from jobbatch_dagster.batch.validate import InvalidBatchFileError, ValidationReport, validate_jsonl
from jobbatch_dagster.batch.verb_shapes import (
    cost_dict,
    result_dicts,
    status_dict,
    summary_dict,
)
from jobbatch_dagster.contract import MAX_METADATA_VALUE_CHARS
from jobbatch_dagster.settings import DEFAULT_MODEL, Settings, load_settings
from jobbatch_dagster.tasks import TASKS, get_task

log = logging.getLogger(__name__)


class BatchProcessor:
    """Create, submit, watch and read batches of job postings (the guide's ``BatchProcessorAgent``)."""

    def __init__(
        self,
        client: BatchClient | openai.OpenAI | None = None,
        *,
        work_dir: str | os.PathLike[str] | None = None,
        settings: Settings | None = None,
        max_retries: int | None = None,
    ) -> None:
        self.settings = settings or load_settings()
        # Default: [paths] batches in jobbatch.toml, which itself defaults to data/batches; the
        # guide's verbs hand the user local paths, so with an s3:// setting they keep the default.
        self.work_dir = Path(
            work_dir
            if work_dir is not None
            else Settings.batches_dir
            if self.settings.batches_url
            else self.settings.batches_dir
        )
        if isinstance(client, openai.OpenAI):
            client = BatchClient(client, max_retries=max_retries)
        self._client = client
        self._max_retries = max_retries
        self._inputs: dict[str, ValidationReport] = {}  # file id -> what was uploaded
        self.last_build: BuildResult | None = None

    @property
    def inputs_dir(self) -> Path:
        """Where the input files (shards and their manifests) are built."""
        return self.work_dir / "inputs"

    @property
    def client(self) -> BatchClient:
        """Created on first use, so building files needs no key or network."""
        if self._client is None:
            self._client = BatchClient(max_retries=self._max_retries)
        return self._client

    def build(
        self, jobs: Any, task_type: str = "analyze", model: str = DEFAULT_MODEL
    ) -> BuildResult:
        """Shards for these jobs under ``work_dir``, with rejections logged (never raised)."""
        settings = self.settings
        result = build_shards(
            jobs,
            get_task(task_type),
            model,
            self.inputs_dir,
            profile=settings.lead_profile,
            max_requests=settings.max_requests_per_batch,
            max_bytes=settings.max_bytes_per_batch,
            max_description_chars=settings.max_description_chars,
        )
        for rejection in result.rejections:
            log.warning("job %d rejected: %s", rejection.index, rejection.reason)
        self.last_build = result
        return result

    def create_batch_input_file(
        self, jobs: Any, task_type: str = "analyze", model: str = DEFAULT_MODEL
    ) -> str:
        """Step 1: the JSONL input file for these jobs; its path."""
        result = self.build(jobs, task_type, model)
        if not result.shards:
            raise ValueError(f"none of the jobs can be sent ({len(result.rejections)} rejected)")
        if len(result.shards) > 1:
            raise ValueError(
                f"{result.request_count} requests need {len(result.shards)} batch files (limits: "
                f"{self.settings.max_requests_per_batch} requests, {self.settings.max_bytes_per_batch}"
                " bytes); use process_jobs_batch(), which shards automatically"
            )
        return str(result.shards[0].path)

    def upload_batch_file(self, path: str | os.PathLike[str]) -> str:
        """Step 2: validate, then upload (or find the identical file already uploaded); the file id."""
        report = validate_jsonl(
            path,
            max_requests=self.settings.max_requests_per_batch,
            max_bytes=self.settings.max_bytes_per_batch,
        )
        if not report.ok:
            raise InvalidBatchFileError(report)
        task = (report.schema_name or "").removeprefix("jobbatch_")
        if task in TASKS:  # our own file: the budget guard applies before anything is uploaded
            guard_budget(estimate_file_cost(path, task), self.settings.max_usd_per_submission)
        file = self.client.find_file(Path(path).name, report.bytes) or self.client.upload(path)
        self._inputs[file.id] = report
        return file.id

    def create_batch(self, file_id: str, description: str | None = None) -> str:
        """Step 3: the batch for an uploaded file; an existing one for the same content is reused."""
        report = self._inputs.get(file_id)
        if report is None:  # uploaded elsewhere: nothing known to reconcile on
            metadata = (
                {"description": description[:MAX_METADATA_VALUE_CHARS]} if description else {}
            )
            return self.client.create(file_id, metadata).id
        existing = self.client.find_batch(FINGERPRINT_KEY, report.sha256)
        if existing is not None:
            return existing.id
        task = (report.schema_name or "").removeprefix("jobbatch_") or None
        metadata = batch_metadata(
            input_fingerprint=report.sha256,
            task=task,
            model=report.model,
            shard_index=0,
            request_count=report.requests,
            description=description,
        )
        return self.client.create(file_id, metadata).id

    def check_batch_status(self, batch_id: str) -> dict[str, Any]:
        """Step 4: status, request counts, timestamps, file ids and errors."""
        return status_dict(self.client.status(batch_id))

    def wait_for_batch(
        self, batch_id: str, check_interval: float = 60, timeout: float = 86_400
    ) -> dict[str, Any]:
        """Block until the batch is terminal; raises TimeoutError (naming it) after ``timeout``."""
        return status_dict(self.client.wait(batch_id, interval=check_interval, timeout=timeout))

    def download_results(
        self, batch_id: str, dest_dir: str | os.PathLike[str] | None = None
    ) -> str:
        """Step 5: the output file's path; failed requests are saved beside it and parsed with it."""
        directory = self.work_dir / "results" if dest_dir is None else Path(dest_dir)
        return str(download_results(self.client, batch_id, directory).output_path)

    def parse_results(
        self, path: str | os.PathLike[str], task_type: str | None = None
    ) -> list[dict[str, Any]]:
        """One dict per request (custom_id, success, content, error, parsed, ...), failures included;
        each answer's fields and its posting are at the top level too (see ``result_dicts``)."""
        task = get_task(task_type) if task_type else None
        return result_dicts(DownloadedResults.beside(path), task, self.inputs_dir)

    def cancel_batch(self, batch_id: str) -> dict[str, Any]:
        """Ask the provider to stop; a finished batch cannot be cancelled and says so."""
        try:
            status = self.client.cancel(batch_id)
        except openai.ConflictError as exc:
            current = self.client.status(batch_id)
            return {
                "success": False,
                "batch_id": batch_id,
                "status": current.status,
                "error": exc.message,
            }
        return {"success": True, "batch_id": batch_id, "status": status.status}

    def list_batches(self, limit: int = 20) -> list[dict[str, Any]]:
        """The newest batches, newest first."""
        return [summary_dict(status) for status in self.client.list(limit)]

    def process_jobs_batch(
        self,
        jobs: Any,
        task_type: str = "analyze",
        wait_for_completion: bool = False,
        model: str = DEFAULT_MODEL,
        *,
        description: str | None = None,
        check_interval: float = 60,
        timeout: float = 86_400,
    ) -> dict[str, Any]:
        """Everything at once: build (sharding as needed), submit each shard, optionally wait and read."""
        build = self.build(jobs, task_type, model)
        outcome: dict[str, Any] = {
            "success": False,
            "task_type": task_type,
            "model": model,
            "job_count": build.request_count,
            "rejected": [r.as_dict() for r in build.rejections],
            "batch_id": None,
            "batch_ids": [],
            "file_id": None,
            "file_ids": [],
            "shards": len(build.shards),
        }
        if not build.shards:
            outcome["message"] = (
                f"No batch created: all {len(build.rejections)} jobs were rejected."
            )
            return outcome
        estimate = guard_budget(
            estimate_shards_cost(build.shards), self.settings.max_usd_per_submission
        )
        outcome.update(cost_dict(estimate))
        count = len(build.shards)
        # Several shards are reconciled against one reading of the provider's lists, not one each.
        recent = RecentSubmissions.read(self.client) if count > 1 else None
        records = [
            submit_shard(
                self.client,
                shard,
                description=description
                or f"{task_type} {shard.request_count} jobs (shard {shard.index + 1} of {count})",
                recent=recent,
            )
            for shard in build.shards
        ]
        outcome.update(
            success=True,
            batch_id=records[0].batch_id,
            batch_ids=[r.batch_id for r in records],
            file_id=records[0].input_file_id,
            file_ids=[r.input_file_id for r in records],
            reused=[r.reused for r in records],
            backend=records[0].backend,
            message=f"Processing {build.request_count} jobs in {len(records)} batch(es). "
            "Results available within 24 hours.",
        )
        if wait_for_completion:
            outcome.update(self._wait_and_read(outcome["batch_ids"], check_interval, timeout))
        return outcome

    def _wait_and_read(
        self, batch_ids: list[str], interval: float, timeout: float
    ) -> dict[str, Any]:
        statuses, results = [], []
        for batch_id in batch_ids:
            status = self.client.wait(batch_id, interval=interval, timeout=timeout)
            statuses.append(status_dict(status))
            if status.output_file_id or status.error_file_id:
                downloaded = download_results(self.client, status, self.work_dir / "results")
                results.extend(result_dicts(downloaded, None, self.inputs_dir))
        return {
            "statuses": statuses,
            "results": results,
            "successful": sum(1 for r in results if r["success"]),
            "failed": sum(1 for r in results if not r["success"]),
        }


def process_jobs_batch(
    jobs: Any,
    task_type: str = "analyze",
    wait_for_completion: bool = False,
    model: str = DEFAULT_MODEL,
    **options: Any,
) -> dict[str, Any]:
    """The guide's one-call entry point; ``options`` go to :class:`BatchProcessor` and the verb."""
    init = {
        k: options.pop(k) for k in ("client", "work_dir", "settings", "max_retries") if k in options
    }
    return BatchProcessor(**init).process_jobs_batch(
        jobs, task_type, wait_for_completion, model, **options
    )


# The seed's name for the processor, so its scripts keep working unchanged.
BatchProcessorAgent = BatchProcessor

"""Downloading a finished batch's output and error files side by side, and reading them together.

Files are named after the batch (``<batch_id>_output.jsonl``, ``<batch_id>_errors.jsonl``) with the
batch's last status beside them (``<batch_id>.batch.json``), so a results file found on disk later
still says which batch, task and shard it belongs to. The output file always exists after a
download (empty when every request failed), so callers get one path they can always open.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from jobbatch_dagster.batch.client import BatchClient, BatchStatus
from jobbatch_dagster.batch.failures import batch_failure
from jobbatch_dagster.batch.results import CorruptLine, Groups, RequestResult, ResultFile
from jobbatch_dagster.tasks import get_task
from jobbatch_dagster.tasks.base import Task

OUTPUT_SUFFIX = "_output.jsonl"
ERRORS_SUFFIX = "_errors.jsonl"
STATUS_SUFFIX = ".batch.json"


class ResultsNotReadyError(RuntimeError):
    """The batch has no output or error file (yet): nothing to download."""


@dataclass
class DownloadedResults:
    batch_id: str
    output_path: Path
    error_path: Path | None
    status: BatchStatus | None = None
    corrupt: list[CorruptLine] = field(default_factory=list)

    @classmethod
    def beside(cls, output_path: str | os.PathLike[str]) -> DownloadedResults:
        """The results of a download found on disk from its output path (errors and status too)."""
        path = Path(output_path)
        name = path.name.removesuffix(OUTPUT_SUFFIX)
        errors = path.with_name(name + ERRORS_SUFFIX)
        saved = path.with_name(name + STATUS_SUFFIX)
        status = _saved_status(saved) if saved.is_file() else None
        return cls(name, path, errors if errors.is_file() else None, status)

    @property
    def task(self) -> Task | None:
        """The task named in the batch's metadata, when the batch was ours."""
        name = self.status.metadata.get("task") if self.status else None
        try:
            return get_task(name) if name else None
        except ValueError:
            return None

    def results(
        self, task: Task | None = None, groups: Groups | None = None
    ) -> Iterator[RequestResult]:
        """Output lines, then error lines, streamed; unreadable lines collect in ``corrupt``.
        ``groups`` names the lines that judged several postings (one result per posting)."""
        task = task or self.task
        self.corrupt = []
        # The output path is always read (a download writes it, empty when the batch had none),
        # so a missing file or a folder in its place is an error naming it, never zero results.
        for path in (self.output_path, self.error_path):
            if path is not None:
                file = ResultFile(path, task, groups)
                yield from file
                self.corrupt.extend(file.corrupt)


def _saved_status(path: Path) -> BatchStatus | None:
    """The status saved beside a download; fields this version does not know are ignored."""
    known = {f.name for f in dataclasses.fields(BatchStatus)}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return BatchStatus(**{k: v for k, v in data.items() if k in known})
    except (ValueError, TypeError, AttributeError):
        return None


def download_results(
    client: BatchClient, batch: str | BatchStatus, dest_dir: str | os.PathLike[str]
) -> DownloadedResults:
    """Download whatever results a batch has (completed, expired and cancelled batches alike)."""
    status = client.status(batch) if isinstance(batch, str) else batch
    if status.output_file_id is None and status.error_file_id is None:
        failure = batch_failure(status)
        raise ResultsNotReadyError(
            f"batch {status.id} is {status.status!r} and has no output or error file"
            + (f": {failure.message}" if failure else " yet")
        )
    directory = Path(dest_dir)
    directory.mkdir(parents=True, exist_ok=True)
    output = directory / f"{status.id}{OUTPUT_SUFFIX}"
    if status.output_file_id:
        client.download(status.output_file_id, output)
    else:
        output.write_bytes(b"")
    errors = directory / f"{status.id}{ERRORS_SUFFIX}"
    if status.error_file_id:
        client.download(status.error_file_id, errors)
    else:
        errors.unlink(missing_ok=True)  # never read a stale error file as this batch's
    (directory / f"{status.id}{STATUS_SUFFIX}").write_text(
        json.dumps(dataclasses.asdict(status), indent=2)
    )
    return DownloadedResults(status.id, output, errors if status.error_file_id else None, status)

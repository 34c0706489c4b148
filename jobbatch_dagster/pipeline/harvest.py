"""Harvesting a (stage, day)'s finished batches: files downloaded, every line kept, every request
moved to its state, and the batch's cost recorded.

Expired, cancelled and failed batches are harvested like completed ones: every answer they did
finish is kept, and each request they never ran stays ``pending`` with the reason
(``batch_expired``, ``batch_cancelled``, the failure code), ready for a follow-up attempt. Their
status is recorded as it is, never as success. A request left pending at its last allowed attempt
(``[retries] max_attempts``) is dead-lettered with its last reason; an answer that is not JSON or
not the task's schema gets one repair resend carrying the validation error before it is. ``Harvest.to_send`` tells the
sensor whether the day needs another submission (follow-ups, shards queued under the quota).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date

import duckdb
import orjson

from jobbatch_dagster.batch.accounting import RequestOutcome, classify_requests
from jobbatch_dagster.batch.client import BatchClient, BatchStatus
from jobbatch_dagster.batch.cost import actual_cost
from jobbatch_dagster.batch.failures import batch_failure, unrun_reason
from jobbatch_dagster.batch.harvest import download_results
from jobbatch_dagster.batch.results import RequestResult, full_collections_held, group_map
from jobbatch_dagster.pipeline.inputs import stage_dir
from jobbatch_dagster.pipeline.submit import utc_datetime
from jobbatch_dagster.settings import Settings, StageConfig
from jobbatch_dagster.tasks import get_task
from jobbatch_dagster.warehouse.history import record_harvest
from jobbatch_dagster.warehouse.ledger import (
    batch_requests_of,
    dead_letter_exhausted,
    queue_repairs,
    requests_waiting,
    sent_line_members,
    set_request_states,
    stage_batches,
    upsert_batches,
    upsert_costs,
    upsert_raw_outputs,
)
from jobbatch_dagster.warehouse.rows import (
    BatchRow,
    BatchStatusRow,
    CostRow,
    RawOutputRow,
    RequestStateRow,
)
from jobbatch_dagster.warehouse.transaction import transaction

_LEDGER_STATE = {"answered": "answered", "failed": "dead_lettered", "pending": "pending"}


@dataclass
class Harvest:
    """What the harvest found, per batch and in total."""

    statuses: dict[str, str] = field(default_factory=dict)  # batch id -> status
    lines: int = 0
    states: dict[str, int] = field(default_factory=lambda: dict.fromkeys(_LEDGER_STATE.values(), 0))
    output_bytes: int = 0
    files: list[str] = field(default_factory=list)  # downloaded output and error files
    costs: list[CostRow] = field(default_factory=list)
    corrupt_lines: int = 0
    repairs: int = 0  # invalid answers waiting for their one schema-repair resend
    gave_up: int = 0  # requests dead-lettered at their last allowed attempt
    to_send: int = 0  # requests of the day still to submit: follow-ups and queued shards
    cancelled: int = 0  # requests a person's cancel left waiting for them
    attempt: int = 0  # the day's latest batch attempt: the sensor's backoff grows with it


def _state_row(outcome: RequestOutcome, status: BatchStatus) -> RequestStateRow:
    result = outcome.result
    error = result.error if result is not None else None
    code, message = (
        (error.code, error.message) if error else (None, None) if result else unrun_reason(status)
    )
    return RequestStateRow(outcome.entry.custom_id, _LEDGER_STATE[outcome.state], code, message)


def raw_output_row(result: RequestResult, batch_id: str, stage: str, day: date) -> RawOutputRow:
    line = result.as_dict()
    # The answer is stored once, in the content column (the parsed form is its stage's table):
    # a copy in the line doubled what the load writes, parses and checkpoints.
    del line["content"], line["parsed"]
    return RawOutputRow(
        batch_id=batch_id,
        custom_id=result.custom_id,
        stage=stage,
        scrape_date=day,
        kind="answered" if result.success else "failed",
        status_code=result.status_code,
        content=result.content,
        error_code=result.error.code if result.error else None,
        error_message=result.error.message if result.error else None,
        input_tokens=result.usage.prompt_tokens,
        output_tokens=result.usage.completion_tokens,
        line=orjson.dumps(line).decode(),
    )


def _status_row(status: BatchStatus) -> BatchStatusRow:
    return BatchStatusRow(
        batch_id=status.id,
        status=status.status,
        request_total=status.total,
        request_completed=status.completed,
        request_failed=status.failed,
        output_file_id=status.output_file_id,
        error_file_id=status.error_file_id,
        errors=json.dumps(status.errors),
        finished_at=utc_datetime(status.finished_at),
    )


def load_raw_outputs(
    con: duckdb.DuckDBPyConnection,
    results: Iterable[RequestResult],
    batch_id: str,
    stage: str,
    day: date,
) -> list[RequestResult]:
    """Upsert every line into ``raw_outputs`` while the file is read, in one statement.

    Returns the results read, each emptied of its content and parsed answer once its row is
    staged (all that the accounting and the cost need is left), so a 50,000-line output is never
    held whole. A custom id reported twice keeps its answer (see ``upsert_raw_outputs``).
    """
    compact: list[RequestResult] = []

    def rows() -> Iterator[RawOutputRow]:
        for result in results:
            row = raw_output_row(result, batch_id, stage, day)
            # emptied in place, not copied: a copy per line was a tenth of the Python part
            result.content = result.parsed = None
            compact.append(result)
            yield row

    with full_collections_held():
        upsert_raw_outputs(con, rows())
    return compact


def _cost_row(batch: BatchRow, results: Sequence[RequestResult]) -> CostRow:
    cost = actual_cost(
        batch.model,
        input_tokens=sum(r.usage.prompt_tokens for r in results),
        cached_tokens=sum(r.usage.cached_tokens for r in results),
        output_tokens=sum(r.usage.completion_tokens for r in results),
        # lines, as the provider counts them: a line that judged several postings is one
        requests=len({r.request_id or r.custom_id for r in results}),
    )
    return CostRow(
        batch_id=batch.batch_id,
        stage=batch.stage,
        scrape_date=batch.scrape_date,
        model=batch.model,
        backend=batch.backend,
        requests=cost.requests,
        input_tokens=cost.input_tokens,
        cached_input_tokens=cost.cached_input_tokens,
        output_tokens=cost.output_tokens,
        estimated_usd=batch.estimated_usd,
        batch_usd=cost.batch_usd,
        live_usd=cost.live_usd,
        saving_usd=cost.saving_usd,
    )


def harvest_stage(
    con: duckdb.DuckDBPyConnection,
    client: BatchClient,
    settings: Settings,
    stage: StageConfig,
    day: date,
) -> Harvest:
    """Refresh every batch of the (stage, day) and harvest the terminal ones."""
    task = get_task(stage.task)
    harvest = Harvest()
    out_dir = stage_dir(settings, stage.task, day) / "output"
    store = settings.batch_store
    batches = stage_batches(con, stage.task, day)
    for batch in batches:
        harvest.attempt = max(harvest.attempt, batch.attempt)
        status = client.status(batch.batch_id)
        harvest.statuses[status.id] = status.status
        if not status.is_terminal:
            upsert_batches(con, [_status_row(status)])
            continue
        downloaded = None
        if status.output_file_id or status.error_file_id:
            downloaded = download_results(client, status, out_dir)
            for path in (downloaded.output_path, downloaded.error_path):
                if path:
                    store.publish(path)
                    harvest.files.append(store.uri(path))
                    harvest.output_bytes += path.stat().st_size
        with transaction(con):
            carried = batch_requests_of(con, status.id)
            groups = group_map(sent_line_members(con, status.id))
            results: list[RequestResult] = []
            if downloaded is not None:
                results = load_raw_outputs(
                    con, downloaded.results(task, groups), status.id, stage.task, day
                )
                harvest.corrupt_lines += len(downloaded.corrupt)
            accounting = classify_requests(carried, results, batch_failure(status))
            states = [_state_row(o, status) for o in accounting.outcomes]
            for row in states:
                harvest.states[row.state] += 1
            harvest.lines += len(results)
            cost = _cost_row(batch, results)
            harvest.costs.append(cost)
            upsert_batches(con, [_status_row(status)])
            set_request_states(con, status.id, states)
            harvest.repairs += queue_repairs(con, status.id)
            harvest.gave_up += dead_letter_exhausted(con, status.id, settings.retries.max_attempts)
            upsert_costs(con, [cost])
            record_harvest(con, cost)
    harvest.to_send, harvest.cancelled = requests_waiting(con, stage.task, day)
    return harvest

"""The rows the pipeline writes to and reads from the ledgers, one type per table (or per update).

Each field is a column of the table it names (see :mod:`jobbatch_dagster.warehouse.schema`); the
ledger functions take and return these, so no layer above builds a row as a loose dict. The
``updated_at`` stamps are the warehouse's own business and are not part of any row type.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from typing import Any


def as_record(row: Any) -> dict[str, Any]:
    """A row type as the column -> value mapping the bulk insert takes.

    Field by field, not dataclasses.asdict: rows hold flat values, and asdict's deep copy of each
    one was most of a 50,000-line load's time."""
    return {f.name: getattr(row, f.name) for f in fields(row)}


@dataclass(frozen=True)
class StagePostingRow:
    """How a stage covers one posting on a day (``stage_postings``)."""

    job_id: str
    request_fingerprint: str
    disposition: str  # sent | reused | in_flight | dead_lettered


@dataclass(frozen=True)
class NewRequestRow:
    """A request just built into a shard, before any batch carries it (``batch_requests``)."""

    custom_id: str
    job_id: str | None
    request_fingerprint: str
    model: str
    shard: int
    attempt: int = 1
    request_id: str | None = None  # the line's custom id, when it judges several postings
    request_key: str | None = None  # the posting's id within that line


@dataclass(frozen=True)
class LedgerRequest:
    """A request the ledger knows a batch carries: what its harvest joins the output to."""

    custom_id: str
    job_id: str
    request_fingerprint: str
    request_id: str | None = None  # the line's custom id, when it judges several postings
    request_key: str | None = None  # the posting's id within that line


@dataclass(frozen=True)
class UnrunRequest:
    """A request of a (stage, day) that a terminal batch never ran, waiting for its next attempt.

    ``parent_batch_id`` is the batch that did not run it and ``attempt`` the attempt the
    follow-up will be; ``parent_fingerprint`` finds that batch's shard file.
    """

    custom_id: str
    request_fingerprint: str
    parent_batch_id: str
    parent_fingerprint: str | None
    attempt: int
    repair: str | None = None  # the validation error a schema-repair resend carries


@dataclass(frozen=True)
class BatchRow:
    """A batch as submitted (``batches``): the whole row, written once per submission."""

    batch_id: str
    stage: str
    scrape_date: date
    shard: int
    model: str
    backend: str  # openai | emulator
    input_file_id: str | None
    input_fingerprint: str | None
    status: str
    request_total: int | None
    estimated_input_tokens: int | None
    estimated_usd: float | None
    attempt: int = 1
    parent_batch_id: str | None = None
    created_at: datetime | None = None
    errors: str = field(default_factory=lambda: json.dumps([]))


@dataclass(frozen=True)
class BatchStatusRow:
    """What a status refresh changes on a ``batches`` row (the rest stays as submitted)."""

    batch_id: str
    status: str
    request_total: int
    request_completed: int
    request_failed: int
    output_file_id: str | None
    error_file_id: str | None
    errors: str  # JSON list of the provider's errors
    finished_at: datetime | None


# The two rows built once per request of a harvest are slotted, not frozen: a frozen dataclass
# sets each field through object.__setattr__, a third of building the row. Neither is changed
# after it is built.
@dataclass(slots=True)
class RequestStateRow:
    """A request's harvested state (``batch_requests``): answered, dead_lettered or pending."""

    custom_id: str
    state: str
    error_code: str | None
    error_message: str | None


@dataclass(slots=True)
class RawOutputRow:
    """One downloaded line (``raw_outputs``)."""

    batch_id: str
    custom_id: str
    stage: str
    scrape_date: date
    kind: str  # answered | failed
    status_code: int | None
    content: str | None
    error_code: str | None
    error_message: str | None
    input_tokens: int
    output_tokens: int
    line: str  # JSON


@dataclass(frozen=True)
class CostRow:
    """What one batch cost (``costs``); the dollar amounts are None when the price is unknown."""

    batch_id: str
    stage: str
    scrape_date: date
    model: str
    backend: str
    requests: int
    input_tokens: int
    cached_input_tokens: int
    output_tokens: int
    estimated_usd: float | None
    batch_usd: float | None
    live_usd: float | None
    saving_usd: float | None

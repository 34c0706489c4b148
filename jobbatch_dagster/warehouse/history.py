"""Immutable history: what was sent, reused, answered and paid, recorded as it happens.

The ledgers (``batch_requests``, ``stage_postings``, ``costs``) hold the current state, and a
re-run of a day rightly rewrites it: a second build finds every answer already stored and calls
each posting reused. The facts here are written beside the ledger writes, in the same
transaction, and never updated: recording a fact again is ignored by its key (a ``MERGE`` that only
inserts what is new). ``daily_funnel``
reads only these, so running a day again leaves its history as it was, and a genuinely new
posting on a re-run adds to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import duckdb

from jobbatch_dagster.warehouse.frames import Upsert, insert_rows
from jobbatch_dagster.warehouse.rows import CostRow, StagePostingRow

_REQUEST_EVENT = Upsert(("batch_id", "custom_id", "event"))
_REQUEST_EVENT_COLUMNS = (
    "batch_id", "custom_id", "event", "stage", "scrape_date", "job_id", "request_fingerprint",
    "attempt", "error_code", "recorded_at", "request_id",
)  # fmt: skip


def record_coverage(
    con: duckdb.DuckDBPyConnection, stage: str, day: date, postings: Sequence[StagePostingRow]
) -> int:
    """The postings a build covered without a request of their own (reused or in flight).

    The first build of a day decides; a later build of the same day adds only postings it had
    not seen (a late scraper file), never turns an earlier posting into a reuse.
    """
    now = datetime.now()
    return insert_rows(
        con,
        "posting_events",
        [
            {
                "stage": stage,
                "scrape_date": day,
                "job_id": p.job_id,
                "request_fingerprint": p.request_fingerprint,
                "disposition": p.disposition,
                "recorded_at": now,
            }
            for p in postings
            if p.disposition != "sent"
        ],
        upsert=Upsert(("stage", "scrape_date", "job_id")),
    )


def _record_request_events(con: duckdb.DuckDBPyConnection, source: str, batch_id: str) -> None:
    """Add the events ``source`` selects (one batch's, in the table's column order) that are not
    recorded yet."""
    con.execute(
        _REQUEST_EVENT.statement("request_events", _REQUEST_EVENT_COLUMNS, source), [batch_id]
    )


def record_sent(con: duckdb.DuckDBPyConnection, batch_id: str) -> None:
    """Every request the ledger now has in ``batch_id``: sent in that batch."""
    _record_request_events(
        con,
        """
        SELECT batch_id, custom_id, 'sent' AS event, stage, scrape_date, job_id,
               request_fingerprint, attempt, CAST(NULL AS VARCHAR) AS error_code,
               now() AS recorded_at, request_id
        FROM batch_requests WHERE batch_id = ?
        """,
        batch_id,
    )


def record_harvest(con: duckdb.DuckDBPyConnection, cost: CostRow) -> None:
    """A terminal batch's outcome per request, and what it cost, as first harvested.

    ``unrun`` is a request the batch ended without running (expired, cancelled, failed, or a
    retryable line error): still owed an answer, so the funnel counts it as pending.
    """
    _record_request_events(
        con,
        """
        SELECT batch_id, custom_id,
               CASE state WHEN 'answered' THEN 'answered'
                          WHEN 'dead_lettered' THEN 'dead_lettered' ELSE 'unrun' END AS event,
               stage, scrape_date, job_id, request_fingerprint, attempt, error_code,
               now() AS recorded_at, request_id
        FROM batch_requests WHERE batch_id = ? AND state <> 'submitted'
        """,
        cost.batch_id,
    )
    insert_rows(
        con,
        "spend_events",
        [
            {
                "batch_id": cost.batch_id,
                "stage": cost.stage,
                "scrape_date": cost.scrape_date,
                "requests": cost.requests,
                "input_tokens": cost.input_tokens,
                "output_tokens": cost.output_tokens,
                "batch_usd": cost.batch_usd,
                "saving_usd": cost.saving_usd,
                "recorded_at": datetime.now(),
            }
        ],
        upsert=Upsert(("batch_id",)),
    )

"""The durable ledgers: every request and its state, every batch and its status, every raw line, costs.

``batch_requests`` is written when a request is built (``pending``), moved to ``submitted`` when its
shard becomes a batch, and to ``answered`` or ``dead_lettered`` when the batch's files are read; a
request a terminal batch never ran (expired, cancelled) stays ``pending`` with the provider's error
code, waiting for a follow-up attempt. All writes are upserts keyed on the provider's ids, so a
crash and re-run never duplicates a row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import fields
from datetime import date, datetime
from typing import Any

import duckdb

from jobbatch_dagster.batch.failures import REPAIR_CODE, REPAIRABLE_CODES
from jobbatch_dagster.contract import TERMINAL_STATUSES
from jobbatch_dagster.warehouse.frames import (
    KeepOne,
    Upsert,
    insert_json_records,
    insert_rows,
    memory_limit,
    update_set,
)
from jobbatch_dagster.warehouse.rows import (
    BatchRow,
    BatchStatusRow,
    CostRow,
    LedgerRequest,
    NewRequestRow,
    RawOutputRow,
    RequestStateRow,
    StagePostingRow,
    UnrunRequest,
    as_record,
)

_FRAME = "_jobbatch_states"
CANCELLED = "batch_cancelled"  # the code of a request a person's cancel left unrun
RESUMED = "resent_next_night"  # a cancelled request the next scheduled night sends again
# A whole output file is upserted in one statement; DuckDB would keep its blocks cached up to 80%
# of RAM, so the statement runs under this cap (blocks spill instead). Uncapped, a 50,000-line
# output grew the harvest's peak RSS by 373 MB.
RAW_OUTPUT_MEMORY_LIMIT = "192MB"


def blocked_fingerprints(
    con: duckdb.DuckDBPyConnection, stage: str, day: date, fingerprints: Iterable[str]
) -> dict[str, str]:
    """Fingerprint -> why a build of (stage, day) must not send it: ``answered``, ``in_flight``,
    ``cancelled`` or ``dead_lettered``.

    In flight means built or submitted and not finished, except the day's own requests not yet
    in a batch: the build replaces those. A request left pending by an expired or failed batch
    (it has an error code) is not in flight and is sent again. Requests a person's cancel left
    waiting, and dead letters, are sent again only when a person asks (:func:`reopen_requests`),
    never by a re-run of their day.
    """
    rows = con.execute(
        """
        SELECT request_fingerprint,
               CASE WHEN bool_or(state = 'answered') THEN 'answered'
                    WHEN bool_or(state = 'submitted' OR error_code IS NULL) THEN 'in_flight'
                    WHEN bool_or(state = 'pending') THEN 'cancelled'
                    ELSE 'dead_lettered' END
        FROM batch_requests
        WHERE stage = ?
          AND request_fingerprint IN (SELECT unnest(?::VARCHAR[]))
          AND (state IN ('answered', 'submitted', 'dead_lettered')
               OR (state = 'pending' AND coalesce(error_code, ?) = ?))
          AND NOT (scrape_date = ? AND batch_id IS NULL)
        GROUP BY request_fingerprint
        """,
        [stage, list(fingerprints), CANCELLED, CANCELLED, day],
    ).fetchall()
    return dict(rows)


def replace_stage_postings(
    con: duckdb.DuckDBPyConnection, stage: str, day: date, rows: Sequence[StagePostingRow]
) -> None:
    """The postings a stage covers on a day (sent, reused or in flight), replaced as a whole."""
    con.execute("DELETE FROM stage_postings WHERE stage = ? AND scrape_date = ?", [stage, day])
    insert_rows(
        con,
        "stage_postings",
        [{"stage": stage, "scrape_date": day, **as_record(r)} for r in rows],
    )


# A request a terminal batch never ran (pending with the provider's reason) is the same durable
# record when it is built again for its day: its attempt goes up and it waits for its new batch.
# Answered and dead-lettered records are never overwritten.
_NEXT_ATTEMPT = Upsert(
    keys=("stage", "scrape_date", "custom_id"),
    update="""
        attempt = batch_requests.attempt + 1, previous_batch_id = batch_requests.batch_id,
        batch_id = NULL, state = 'pending',
        error_code = NULL, error_message = NULL, job_id = excluded.job_id,
        request_fingerprint = excluded.request_fingerprint, model = excluded.model,
        shard = excluded.shard, request_id = excluded.request_id,
        request_key = excluded.request_key, updated_at = excluded.updated_at
    """,
    when="batch_requests.state = 'pending' AND batch_requests.error_code IS NOT NULL",
)


def unrun_requests(con: duckdb.DuckDBPyConnection, stage: str, day: date) -> list[UnrunRequest]:
    """The (stage, day)'s requests a terminal batch never ran, each with the batch and attempt
    its follow-up continues: left pending with the provider's reason, or already built into a
    follow-up shard that is not yet submitted (rebuilding it keeps its attempt).

    Requests a person's cancel left (``batch_cancelled``) are not among them: they wait for that
    person (:func:`reopen_requests`), the automatic resend never overrides the decision.
    """
    found = con.execute(
        """
        SELECT r.custom_id, r.request_fingerprint,
               coalesce(r.batch_id, r.previous_batch_id) AS parent,
               b.input_fingerprint,
               CASE WHEN r.batch_id IS NULL THEN r.attempt ELSE r.attempt + 1 END,
               CASE WHEN r.error_code = ? THEN r.error_message END
        FROM batch_requests AS r
        JOIN batches AS b ON b.batch_id = coalesce(r.batch_id, r.previous_batch_id)
        WHERE r.stage = ? AND r.scrape_date = ? AND r.state = 'pending'
          AND ((r.batch_id IS NOT NULL AND r.error_code IS NOT NULL
                AND r.error_code <> ?)
               OR (r.batch_id IS NULL AND r.previous_batch_id IS NOT NULL))
        ORDER BY r.custom_id
        """,
        [REPAIR_CODE, stage, day, CANCELLED],
    ).fetchall()
    return [UnrunRequest(*row) for row in found]


def resolve_answered_elsewhere(con: duckdb.DuckDBPyConnection, stage: str, day: date) -> int:
    """Requests of (stage, day) a terminal batch left pending whose fingerprint was answered since
    by another request (another day, or another posting): answered by reuse, never sent again."""
    return _count(
        con,
        """
        UPDATE batch_requests AS r
        SET state = 'answered', error_code = NULL,
            error_message = 'answered by reuse: ' || a.custom_id || ' of ' || a.scrape_date,
            updated_at = now()
        FROM (SELECT request_fingerprint, any_value(custom_id) AS custom_id,
                     any_value(scrape_date) AS scrape_date
              FROM batch_requests WHERE stage = ? AND state = 'answered'
              GROUP BY request_fingerprint) AS a
        WHERE r.stage = ? AND r.scrape_date = ? AND r.state = 'pending'
          AND r.error_code IS NOT NULL AND r.request_fingerprint = a.request_fingerprint
        """,
        [stage, stage, day],
    )


def dead_letter_exhausted(con: duckdb.DuckDBPyConnection, batch_id: str, max_attempts: int) -> int:
    """A batch's requests left pending at their last allowed attempt become dead letters that
    keep the last reason; a person's cancel is not a failure and is left waiting."""
    return _count(
        con,
        """
        UPDATE batch_requests
        SET state = 'dead_lettered',
            error_message = 'gave up after ' || attempt || ' attempts ([retries] max_attempts = '
                || ? || '); last: ' || coalesce(error_message, error_code),
            updated_at = now()
        WHERE batch_id = ? AND state = 'pending' AND error_code IS NOT NULL
          AND error_code <> ? AND attempt >= ?
        """,
        [max_attempts, batch_id, CANCELLED, max_attempts],
    )


def queue_repairs(con: duckdb.DuckDBPyConnection, batch_id: str) -> int:
    """A batch's answers that were not JSON or not the task's schema wait for one repair resend
    (pending, ``schema_repair``, the validation error kept for the resend's message); an answer
    that was already repaired once and is still invalid stays a dead letter, saying so."""
    repairable = sorted(REPAIRABLE_CODES)
    con.execute(
        """
        UPDATE batch_requests AS r
        SET error_message = 'still invalid after one repair resend: ' || r.error_message
        WHERE r.batch_id = $batch AND r.state = 'dead_lettered'
          AND r.error_code IN (SELECT unnest($codes::VARCHAR[]))
          AND (SELECT count(*) FROM raw_outputs AS o
               WHERE o.stage = r.stage AND o.scrape_date = r.scrape_date
                 AND o.custom_id = r.custom_id AND o.kind = 'failed'
                 AND o.error_code IN (SELECT unnest($codes::VARCHAR[]))) > 1
        """,
        {"batch": batch_id, "codes": repairable},
    )
    return _count(
        con,
        """
        UPDATE batch_requests AS r
        SET state = 'pending', error_code = $repair, updated_at = now()
        WHERE r.batch_id = $batch AND r.state = 'dead_lettered'
          AND r.error_code IN (SELECT unnest($codes::VARCHAR[]))
          AND (SELECT count(*) FROM raw_outputs AS o
               WHERE o.stage = r.stage AND o.scrape_date = r.scrape_date
                 AND o.custom_id = r.custom_id AND o.kind = 'failed'
                 AND o.error_code IN (SELECT unnest($codes::VARCHAR[]))) = 1
        """,
        {"batch": batch_id, "codes": repairable, "repair": REPAIR_CODE},
    )


def requests_waiting(con: duckdb.DuckDBPyConnection, stage: str, day: date) -> tuple[int, int]:
    """(to send, cancelled) of a (stage, day): requests left pending by the provider or never
    submitted (queued under the quota), and those a person's cancel left waiting for them."""
    row = con.execute(
        """
        SELECT count(*) FILTER (WHERE coalesce(error_code, '') <> $cancelled),
               count(*) FILTER (WHERE error_code = $cancelled)
        FROM batch_requests
        WHERE stage = $stage AND scrape_date = $day AND state = 'pending'
          AND (batch_id IS NULL OR error_code IS NOT NULL)
        """,
        {"stage": stage, "day": day, "cancelled": CANCELLED},
    ).fetchone()
    return int(row[0]), int(row[1])


def reopen_requests(con: duckdb.DuckDBPyConnection, stage: str, day: date) -> int:
    """A person's retry: the (stage, day)'s dead letters and cancelled requests wait for the next
    submission again (pending with their last reason, so the follow-up continues their attempts)."""
    return _count(
        con,
        """
        UPDATE batch_requests
        SET state = 'pending', error_code = 'retry_requested',
            error_message = 'a person asked to send it again; last: '
                || coalesce(error_message, error_code, state),
            updated_at = now()
        WHERE stage = ? AND scrape_date = ? AND batch_id IS NOT NULL
          AND (state = 'dead_lettered' OR (state = 'pending' AND error_code = ?))
        """,
        [stage, day, CANCELLED],
    )


def resume_cancelled(
    con: duckdb.DuckDBPyConnection,
    stage: str,
    before: date,
    night_began: datetime,
    max_attempts: int,
) -> tuple[list[date], int]:
    """The next scheduled night's answer to a person's cancel on an earlier day.

    The stage's requests of days before ``before`` that a cancel left waiting, harvested before
    ``night_began`` (local time, as ``updated_at``; our clock, not the provider's), go to the next
    submission of their own day (pending with their last reason, so the follow-up continues their
    attempts and their parent); one already at its last allowed attempt is dead-lettered instead,
    where a person's retry can still reopen it. A cancel harvested after the night began waits for
    the next one. Returns the days with such requests to send (released now, or released by an
    earlier night and not sent: over the quota or the budget) and how many were dead-lettered.
    """
    params = {
        "stage": stage,
        "before": before,
        "began": night_began,
        "cancelled": CANCELLED,
        "max": max_attempts,
    }
    gave_up = _count(
        con,
        """
        UPDATE batch_requests
        SET state = 'dead_lettered',
            error_message = 'cancelled by a person at its last allowed attempt ' || attempt
                || ' ([retries] max_attempts = ' || $max || '); last: '
                || coalesce(error_message, error_code),
            updated_at = now()
        WHERE stage = $stage AND scrape_date < $before AND state = 'pending'
          AND error_code = $cancelled AND attempt >= $max
          AND updated_at < $began
        """,
        params,
    )
    con.execute(
        """
        UPDATE batch_requests
        SET error_code = $resumed,
            error_message = 'cancelled by a person; sent again by the scheduled night of '
                || $before || '; last: ' || coalesce(error_message, error_code),
            updated_at = now()
        WHERE stage = $stage AND scrape_date < $before AND state = 'pending'
          AND error_code = $cancelled AND attempt < $max
          AND updated_at < $began
        """,
        {**params, "resumed": RESUMED},
    )
    days = con.execute(
        """
        SELECT DISTINCT r.scrape_date
        FROM batch_requests AS r
        LEFT JOIN batches AS b ON b.batch_id = r.previous_batch_id
        WHERE r.stage = $stage AND r.scrape_date < $before AND r.state = 'pending'
          AND (r.error_code = $resumed OR (r.batch_id IS NULL AND b.status = 'cancelled'))
        ORDER BY 1
        """,
        {"stage": stage, "before": before, "resumed": RESUMED},
    ).fetchall()
    return [d[0] for d in days], gave_up


def enqueued_tokens(con: duckdb.DuckDBPyConnection, model: str) -> int:
    """Estimated prompt tokens of the model's batches the provider has not finished (any stage,
    any day): what counts against its enqueued-token limit."""
    row = con.execute(
        "SELECT coalesce(sum(estimated_input_tokens), 0) FROM batches "
        "WHERE model = ? AND status NOT IN (SELECT unnest(?::VARCHAR[]))",
        [model, sorted(TERMINAL_STATUSES)],
    ).fetchone()
    return int(row[0])


def known_batch_ids(con: duckdb.DuckDBPyConnection, batch_ids: Iterable[str]) -> set[str]:
    """Which of these provider batch ids are in ``batches``."""
    found = con.execute(
        "SELECT batch_id FROM batches WHERE batch_id IN (SELECT unnest(?::VARCHAR[]))",
        [list(batch_ids)],
    ).fetchall()
    return {r[0] for r in found}


def _count(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | dict[str, Any]) -> int:
    """The rows an UPDATE changed (DuckLake has no RETURNING on updates; the count is the same)."""
    return int(con.execute(sql, params).fetchone()[0])  # type: ignore[index]


def replace_unsubmitted_requests(
    con: duckdb.DuckDBPyConnection, stage: str, day: date, rows: Sequence[NewRequestRow]
) -> None:
    """Drop the (stage, day) requests not yet in any batch and record the new build's requests.

    A follow-up's records (``previous_batch_id`` set) are kept: they are the same durable
    records at their next attempt, and the follow-up rows upserted here leave them as they are.
    """
    con.execute(
        "DELETE FROM batch_requests WHERE stage = ? AND scrape_date = ? AND batch_id IS NULL "
        "AND previous_batch_id IS NULL",
        [stage, day],
    )
    record_requests(con, stage, day, rows)


def record_requests(
    con: duckdb.DuckDBPyConnection, stage: str, day: date, rows: Sequence[NewRequestRow]
) -> None:
    """Record built requests as ``pending``; a request a terminal batch never ran becomes its
    own next attempt, and answered or dead-lettered records stay as they are."""
    now = datetime.now()
    insert_rows(
        con,
        "batch_requests",
        [
            {
                "stage": stage,
                "scrape_date": day,
                "state": "pending",
                "updated_at": now,
                **as_record(r),
            }
            for r in rows
        ],
        upsert=_NEXT_ATTEMPT,
    )


def shard_lineage(
    con: duckdb.DuckDBPyConnection, stage: str, day: date, custom_ids: Sequence[str]
) -> tuple[int, str | None]:
    """(attempt, parent batch id) of a shard about to be submitted, from its requests' records."""
    row = con.execute(
        """
        SELECT coalesce(max(attempt), 1), min(previous_batch_id)
        FROM batch_requests
        WHERE stage = ? AND scrape_date = ? AND batch_id IS NULL
          AND custom_id IN (SELECT unnest(?::VARCHAR[]))
        """,
        [stage, day, list(custom_ids)],
    ).fetchone()
    return int(row[0]), row[1]


def mark_submitted(
    con: duckdb.DuckDBPyConnection, stage: str, day: date, custom_ids: Sequence[str], batch_id: str
) -> int:
    """Attach the shard's unsubmitted requests to the batch that now carries them; a line's
    custom id that judges several postings attaches each of its postings."""
    con.execute(
        """
        UPDATE batch_requests SET batch_id = $1, state = 'submitted', updated_at = now()
        WHERE stage = $2 AND scrape_date = $3 AND batch_id IS NULL
          AND (custom_id IN (SELECT unnest($4::VARCHAR[]))
               OR request_id IN (SELECT unnest($4::VARCHAR[])))
        """,
        [batch_id, stage, day, list(custom_ids)],
    )
    return len(custom_ids)


def _upsert_stamped(con: duckdb.DuckDBPyConnection, table: str, rows: Sequence[Any]) -> int:
    """Insert or refresh rows (all of one row type) keyed by batch id, stamping ``updated_at``."""
    if not rows:
        return 0
    changing = [f.name for f in fields(rows[0]) if f.name != "batch_id"]
    stamped = [{**as_record(r), "updated_at": datetime.now()} for r in rows]
    return insert_rows(
        con,
        table,
        stamped,
        upsert=Upsert(("batch_id",), update_set([*changing, "updated_at"])),
    )


def upsert_batches(
    con: duckdb.DuckDBPyConnection, rows: Sequence[BatchRow] | Sequence[BatchStatusRow]
) -> int:
    """Record submitted batches (whole rows) or refresh their status, counts and file ids."""
    return _upsert_stamped(con, "batches", rows)


def upsert_raw_outputs(con: duckdb.DuckDBPyConnection, rows: Iterable[RawOutputRow]) -> int:
    """Insert or replace downloaded lines by (batch_id, custom_id), in one statement however many
    stream in; returns the lines read. An answered line is never replaced by a failed one for the
    same request: among lines repeating a request, the last answer wins, else the first failure."""
    changing = [f.name for f in fields(RawOutputRow) if f.name not in ("batch_id", "custom_id")]
    with memory_limit(con, RAW_OUTPUT_MEMORY_LIMIT):
        return insert_json_records(
            con,
            "raw_outputs",
            rows,
            upsert=Upsert(
                ("batch_id", "custom_id"),
                update_set(changing),
                when="(excluded.kind = 'answered' OR raw_outputs.kind <> 'answered')",
            ),
            keep_one=KeepOne(
                ("batch_id", "custom_id"),
                "kind = 'answered' DESC, "
                "CASE WHEN kind = 'answered' THEN -_arrival ELSE _arrival END",
            ),
        )


def set_request_states(
    con: duckdb.DuckDBPyConnection, batch_id: str, rows: Sequence[RequestStateRow]
) -> int:
    """Move a batch's requests to their harvested state."""
    if not rows:
        return 0
    con.execute("CREATE TEMP TABLE IF NOT EXISTS _jobbatch_states "
                "(custom_id VARCHAR, state VARCHAR, error_code VARCHAR, error_message VARCHAR)")  # fmt: skip
    con.execute("DELETE FROM _jobbatch_states")
    insert_rows(con, _FRAME, [as_record(r) for r in rows])
    con.execute(
        """
        UPDATE batch_requests AS r
        SET state = s.state, error_code = s.error_code, error_message = s.error_message,
            updated_at = now()
        FROM _jobbatch_states AS s
        WHERE r.batch_id = ? AND r.custom_id = s.custom_id
        """,
        [batch_id],
    )
    return len(rows)


def upsert_costs(con: duckdb.DuckDBPyConnection, rows: Sequence[CostRow]) -> int:
    """Insert or refresh the cost ledger, one row per batch."""
    return _upsert_stamped(con, "costs", rows)


_BATCH_COLUMNS = ", ".join(
    f"CAST({f.name} AS VARCHAR) AS errors" if f.name == "errors" else f.name
    for f in fields(BatchRow)
)


def stage_batches(con: duckdb.DuckDBPyConnection, stage: str, day: date) -> list[BatchRow]:
    """The ``batches`` rows of one (stage, day), oldest shard first."""
    found = con.execute(
        f"SELECT {_BATCH_COLUMNS} FROM batches WHERE stage = ? AND scrape_date = ? "
        "ORDER BY shard, attempt",
        [stage, day],
    ).fetchall()
    return [BatchRow(*row) for row in found]


def submitted_fingerprints(con: duckdb.DuckDBPyConnection, stage: str, day: date) -> set[str]:
    """Input fingerprints of the shards of (stage, day) that became a batch (any status)."""
    found = con.execute(
        "SELECT input_fingerprint FROM batches WHERE stage = ? AND scrape_date = ? "
        "AND input_fingerprint IS NOT NULL",
        [stage, day],
    ).fetchall()
    return {r[0] for r in found}


def batch_requests_of(con: duckdb.DuckDBPyConnection, batch_id: str) -> list[LedgerRequest]:
    """The requests the ledger says a batch carries."""
    found = con.execute(
        "SELECT custom_id, job_id, request_fingerprint, request_id, request_key "
        "FROM batch_requests WHERE batch_id = ?",
        [batch_id],
    ).fetchall()
    return [LedgerRequest(*row) for row in found]


def sent_line_members(
    con: duckdb.DuckDBPyConnection, batch_id: str
) -> list[tuple[str, str | None, str]]:
    """``(line custom id, posting id in the line, posting custom id)`` of every posting a batch
    was sent in a line that judged several: what its output lines answer, read from the sends, so
    a batch harvested again after its postings moved on to a follow-up still reads the same."""
    return con.execute(
        """
        SELECT e.request_id, r.request_key, e.custom_id
        FROM request_events AS e
        JOIN batch_requests AS r
          ON r.stage = e.stage AND r.scrape_date = e.scrape_date AND r.custom_id = e.custom_id
        WHERE e.batch_id = ? AND e.event = 'sent' AND e.request_id IS NOT NULL
        ORDER BY e.request_id, r.request_key
        """,
        [batch_id],
    ).fetchall()

"""What the audit asks the warehouse: the ledger's side of each link it compares with an
independent record (the shard manifests on disk, the provider, the typed tables)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import duckdb

from jobbatch_dagster.warehouse.queries import scalar


@dataclass(frozen=True)
class LedgerEntry:
    """The ledger's records of one custom id of a (stage, day): how many, and the first's facts."""

    records: int
    request_fingerprint: str
    job_id: str


def ledger_entries(con: duckdb.DuckDBPyConnection, stage: str, day: date) -> dict[str, LedgerEntry]:
    """custom_id -> its ``batch_requests`` records for the (stage, day)."""
    found = con.execute(
        """
        SELECT custom_id, count(*), min(request_fingerprint), min(job_id)
        FROM batch_requests WHERE stage = ? AND scrape_date = ? GROUP BY custom_id
        """,
        [stage, day],
    ).fetchall()
    return {row[0]: LedgerEntry(*row[1:]) for row in found}


@dataclass(frozen=True)
class LedgerBatch:
    """A ``batches`` row of a (stage, day) and the request lines recorded as sent in it (a line
    that judged several postings counts once, as the provider counts it)."""

    batch_id: str
    status: str
    sent: int


def ledger_batches(con: duckdb.DuckDBPyConnection, stage: str, day: date) -> list[LedgerBatch]:
    found = con.execute(
        """
        SELECT b.batch_id, b.status, count(DISTINCT coalesce(e.request_id, e.custom_id))
        FROM batches AS b
        LEFT JOIN request_events AS e ON e.batch_id = b.batch_id AND e.event = 'sent'
        WHERE b.stage = ? AND b.scrape_date = ?
        GROUP BY b.batch_id, b.status, b.shard, b.attempt
        ORDER BY b.shard, b.attempt, b.batch_id
        """,
        [stage, day],
    ).fetchall()
    return [LedgerBatch(*row) for row in found]


def unsent_output_lines(
    con: duckdb.DuckDBPyConnection, stage: str, day: date
) -> list[tuple[str, str, str]]:
    """(batch_id, custom_id, kind) of the (stage, day)'s downloaded lines that answer no request
    recorded as sent in that batch."""
    return con.execute(
        """
        SELECT o.batch_id, o.custom_id, o.kind
        FROM raw_outputs AS o
        WHERE o.stage = ? AND o.scrape_date = ? AND NOT EXISTS (
            SELECT 1 FROM request_events AS e
            WHERE e.batch_id = o.batch_id AND e.custom_id = o.custom_id AND e.event = 'sent'
        )
        ORDER BY o.batch_id, o.custom_id
        """,
        [stage, day],
    ).fetchall()


def output_lines(con: duckdb.DuckDBPyConnection, stage: str, day: date) -> int:
    return scalar(
        con, "SELECT count(*) FROM raw_outputs WHERE stage = ? AND scrape_date = ?", [stage, day]
    )


@dataclass(frozen=True)
class AnswersAndRows:
    """A (stage, day)'s answered requests against its typed result rows."""

    answered: int
    rows: int
    unloaded_answers: list[tuple[str, str]]  # (batch_id, custom_id) answered, in no typed row
    postings_without_row: list[tuple[str, str]]  # (job_id, fingerprint) covered and answered
    rows_without_answer: list[tuple[str, str]]  # (job_id, custom_id) of rows no answer backs


def answers_and_rows(
    con: duckdb.DuckDBPyConnection, table: str, stage: str, day: date
) -> AnswersAndRows:
    """Every answered request of the day is in the typed table (``table`` is ours), every posting
    the stage covered that day has the row its answer makes, and every row of the day is backed
    by an answered request."""
    answered = """
        SELECT batch_id, custom_id, request_fingerprint FROM batch_requests
        WHERE stage = ? AND state = 'answered'
    """
    return AnswersAndRows(
        answered=scalar(
            con,
            "SELECT count(*) FROM batch_requests "
            "WHERE stage = ? AND scrape_date = ? AND state = 'answered'",
            [stage, day],
        ),
        rows=scalar(con, f"SELECT count(*) FROM {table} WHERE scrape_date = ?", [day]),
        unloaded_answers=con.execute(
            f"""
            SELECT r.batch_id, r.custom_id FROM batch_requests AS r
            WHERE r.stage = ? AND r.scrape_date = ? AND r.state = 'answered'
              AND NOT EXISTS (SELECT 1 FROM {table} AS t
                              WHERE t.batch_id = r.batch_id AND t.custom_id = r.custom_id)
            ORDER BY r.custom_id
            """,
            [stage, day],
        ).fetchall(),
        postings_without_row=con.execute(
            f"""
            SELECT DISTINCT sp.job_id, sp.request_fingerprint FROM stage_postings AS sp
            JOIN ({answered}) AS a USING (request_fingerprint)
            WHERE sp.stage = ? AND sp.scrape_date = ?
              AND NOT EXISTS (SELECT 1 FROM {table} AS t
                              WHERE t.job_id = sp.job_id
                                AND t.request_fingerprint = sp.request_fingerprint)
            ORDER BY sp.job_id
            """,
            [stage, stage, day],
        ).fetchall(),
        rows_without_answer=con.execute(
            f"""
            SELECT t.job_id, t.custom_id FROM {table} AS t
            WHERE t.scrape_date = ? AND NOT EXISTS (
                SELECT 1 FROM ({answered}) AS a
                WHERE a.batch_id = t.batch_id AND a.custom_id = t.custom_id
            )
            ORDER BY t.job_id
            """,
            [day, stage],
        ).fetchall(),
    )


def recorded_batches(
    con: duckdb.DuckDBPyConnection, batch_ids: Iterable[str]
) -> tuple[set[str], set[str]]:
    """Which of these batch ids are in ``batches``, and which in ``costs``."""
    ids = list(batch_ids)
    in_batches = con.execute(
        "SELECT batch_id FROM batches WHERE batch_id IN (SELECT unnest(?::VARCHAR[]))", [ids]
    ).fetchall()
    in_costs = con.execute(
        "SELECT batch_id FROM costs WHERE batch_id IN (SELECT unnest(?::VARCHAR[]))", [ids]
    ).fetchall()
    return {r[0] for r in in_batches}, {r[0] for r in in_costs}


def ledger_stage_days(con: duckdb.DuckDBPyConnection) -> set[tuple[str, date]]:
    """Every (stage, day) the warehouse has requests or batches for."""
    found = con.execute(
        "SELECT stage, scrape_date FROM batch_requests UNION SELECT stage, scrape_date FROM batches"
    ).fetchall()
    return {(stage, day) for stage, day in found}

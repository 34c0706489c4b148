"""Read-only questions the pipeline asks the warehouse: counts for metadata and checks, previews."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb


def rows(
    con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Column names and rows of a query (our own SQL, values as parameters)."""
    cursor = con.execute(sql, list(params))
    return [d[0] for d in cursor.description], cursor.fetchall()


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()) -> Any:
    """The single value of a query."""
    return con.execute(sql, list(params)).fetchone()[0]


@dataclass(frozen=True)
class Table:
    """Column names and rows, for a preview a user reads."""

    columns: list[str]
    rows: list[tuple[Any, ...]]


def results_preview(
    con: duckdb.DuckDBPyConnection, table: str, columns: Sequence[str], day: date, limit: int = 10
) -> Table:
    """The first rows of a typed result table for a day (``table`` and ``columns`` are ours)."""
    return Table(
        *rows(
            con,
            f"SELECT {', '.join(columns)} FROM {table} WHERE scrape_date = ? "
            "ORDER BY job_id LIMIT ?",
            [day, limit],
        )
    )


def stored_answers(con: duckdb.DuckDBPyConnection, table: str, day: date) -> list[tuple[str, str]]:
    """(job_id, answer JSON) of every row a typed result table holds for a day."""
    return con.execute(
        f"SELECT job_id, CAST(answer AS VARCHAR) FROM {table} WHERE scrape_date = ?", [day]
    ).fetchall()


def leads_preview(con: duckdb.DuckDBPyConnection, day: date, limit: int = 10) -> Table:
    """The day's best leads as the morning view orders them."""
    return Table(
        *rows(
            con,
            "SELECT job_id, score, confidence, title, company, deal_value_usd, urgency "
            "FROM top_leads WHERE scrape_date = ? LIMIT ?",
            [day, limit],
        )
    )


def leads_with_analysis(con: duckdb.DuckDBPyConnection, day: date) -> int:
    """How many of the day's leads already have their analysis joined."""
    return scalar(
        con,
        "SELECT count(*) FROM qualified_leads WHERE scrape_date = ? AND analysis IS NOT NULL",
        [day],
    )


def batch_outcomes(con: duckdb.DuckDBPyConnection, stage: str, day: date) -> Table:
    """Each batch of a (stage, day) with its status and request counts."""
    return Table(
        *rows(
            con,
            "SELECT batch_id, status, request_total, request_completed, request_failed "
            "FROM batches WHERE stage = ? AND scrape_date = ? ORDER BY shard, attempt",
            [stage, day],
        )
    )

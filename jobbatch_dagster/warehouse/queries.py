"""Read-only questions the pipeline asks the warehouse: counts for metadata and checks, previews."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb


@dataclass(frozen=True)
class RequestIdentity:
    """The accounting identity of one (stage, day): requests = answered + dead_lettered + pending."""

    requests: int
    answered: int
    dead_lettered: int
    pending: int  # built or submitted and not finished, or left unrun by an expired/cancelled batch

    @property
    def holds(self) -> bool:
        return self.requests == self.answered + self.dead_lettered + self.pending


def request_identity(con: duckdb.DuckDBPyConnection, stage: str, day: date) -> RequestIdentity:
    row = con.execute(
        """
        SELECT count(*),
               count(*) FILTER (WHERE state = 'answered'),
               count(*) FILTER (WHERE state = 'dead_lettered'),
               count(*) FILTER (WHERE state IN ('pending', 'submitted'))
        FROM batch_requests WHERE stage = ? AND scrape_date = ?
        """,
        [stage, day],
    ).fetchone()
    return RequestIdentity(*row)


def rows(
    con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Column names and rows of a query (our own SQL, values as parameters)."""
    cursor = con.execute(sql, list(params))
    return [d[0] for d in cursor.description], cursor.fetchall()


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()) -> Any:
    """The single value of a query."""
    return con.execute(sql, list(params)).fetchone()[0]

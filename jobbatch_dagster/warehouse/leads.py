"""The salesperson's questions of the warehouse: the day's top leads, one lead whole, the day's funnel.

Read-only, for the HTTP API and its leads page. Each answer is a row type, never a bare tuple.
The follow-up tables (``outreach``, ``lead_conversations``) are read when they exist, so a warehouse
made before the follow-up stage still answers; their columns are read as they are, keyed by name.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

import duckdb

OUTREACH_TABLE: Final = "outreach"
CONVERSATIONS_TABLE: Final = "lead_conversations"
LEAD_KEY_COLUMNS: Final = ("job_id", "lead_id", "lead")  # how a follow-up table may name the lead


@dataclass(frozen=True)
class LeadSummary:
    """One line of the morning list."""

    job_id: str
    scrape_date: date
    score: int
    confidence: str | None
    title: str | None
    company: str | None
    location: str | None
    pay: str | None  # the posting's compensation text, else the parsed salary range
    urgency: str | None
    deal_value_usd: int | None
    summary: str | None


@dataclass(frozen=True)
class LeadDetail:
    """Everything known about one lead: the posting, each stage's answer, and the follow-up."""

    lead: LeadSummary
    url: str | None
    description: str | None
    reasons: list[str]
    analysis: dict[str, Any] | None
    pain_points: dict[str, Any] | None
    parsed: dict[str, Any] | None
    outreach: dict[str, Any] | None  # None until the follow-up stage has written this lead's row
    conversation: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class DayFunnel:
    """One scrape day's funnel and spend (the ``daily_funnel`` view)."""

    scrape_date: date
    postings: int
    rejected: int
    requests: int
    answered: int
    dead_lettered: int
    pending: int
    leads: int
    batch_usd: float | None
    saving_usd: float | None


_PAY = """coalesce(l.compensation, CASE
    WHEN json_extract(l.parsed, '$.salary_min') IS NOT NULL
      OR json_extract(l.parsed, '$.salary_max') IS NOT NULL
    THEN concat_ws(' ',
        concat_ws('-', json_extract_string(l.parsed, '$.salary_min'),
                       json_extract_string(l.parsed, '$.salary_max')),
        json_extract_string(l.parsed, '$.salary_currency'),
        json_extract_string(l.parsed, '$.salary_period'))
    END)"""

_SUMMARY_COLUMNS = f"""t.job_id, t.scrape_date, t.score, t.confidence, t.title, t.company,
    t.location, {_PAY} AS pay, t.urgency, t.deal_value_usd, t.summary"""

_SUMMARY_FROM = "FROM top_leads AS t JOIN qualified_leads AS l USING (job_id)"


def _summary(row: tuple[Any, ...]) -> LeadSummary:
    return LeadSummary(*row)


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def has_table(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    found = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [table]
    ).fetchone()
    return bool(found and found[0])


def lead_days(con: duckdb.DuckDBPyConnection) -> list[date]:
    """The scrape days that have leads, newest first."""
    result = con.execute(
        "SELECT DISTINCT scrape_date FROM qualified_leads ORDER BY scrape_date DESC"
    ).fetchall()
    return [row[0] for row in result]


def top_leads(
    con: duckdb.DuckDBPyConnection, day: date | None, min_score: int, limit: int
) -> list[LeadSummary]:
    """The best leads of one scrape day (every day when ``day`` is None), best first."""
    result = con.execute(
        f"""SELECT {_SUMMARY_COLUMNS} {_SUMMARY_FROM}
        WHERE (CAST(? AS DATE) IS NULL OR t.scrape_date = CAST(? AS DATE)) AND t.score >= ?
        ORDER BY t.score DESC, t.deal_value_usd DESC NULLS LAST, t.scrape_date DESC, t.job_id
        LIMIT ?""",
        [day, day, min_score, limit],
    ).fetchall()
    return [_summary(row) for row in result]


def _follow_up_rows(
    con: duckdb.DuckDBPyConnection, table: str, job_id: str
) -> list[dict[str, Any]]:
    """The rows of a follow-up table about one lead, oldest first, as column -> value."""
    if not has_table(con, table):
        return []
    columns = [
        row[0]
        for row in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
            "ORDER BY ordinal_position",
            [table],
        ).fetchall()
    ]
    key = next((c for c in LEAD_KEY_COLUMNS if c in columns), None)
    if key is None:
        return []
    order = "turn" if "turn" in columns else "rowid"
    cursor = con.execute(f'SELECT * FROM {table} WHERE "{key}" = ? ORDER BY {order}', [job_id])
    described = [(d[0], str(d[1]) == "JSON") for d in cursor.description]
    return [
        {
            name: _json(value) if is_json else value
            for (name, is_json), value in zip(described, row, strict=True)
        }
        for row in cursor.fetchall()
    ]


def lead_detail(con: duckdb.DuckDBPyConnection, job_id: str) -> LeadDetail | None:
    """One lead whole, or None when no day qualified that posting."""
    row = con.execute(
        f"""SELECT {_SUMMARY_COLUMNS}, l.url, j.description, l.reasons, l.analysis,
               l.pain_points, l.parsed
        {_SUMMARY_FROM} LEFT JOIN jobs AS j USING (job_id)
        WHERE t.job_id = ?""",
        [job_id],
    ).fetchone()
    if row is None:
        return None
    summary, (url, description, reasons, analysis, pain_points, parsed) = row[:11], row[11:]
    outreach = _follow_up_rows(con, OUTREACH_TABLE, job_id)
    return LeadDetail(
        lead=_summary(summary),
        url=url,
        description=description,
        reasons=_json(reasons) or [],
        analysis=_json(analysis),
        pain_points=_json(pain_points),
        parsed=_json(parsed),
        outreach=outreach[-1] if outreach else None,
        conversation=_follow_up_rows(con, CONVERSATIONS_TABLE, job_id),
    )


def day_funnel(con: duckdb.DuckDBPyConnection, day: date) -> DayFunnel | None:
    """The funnel and spend of one scrape day, or None for a day nothing was read on."""
    row = con.execute(
        """SELECT scrape_date, postings, rejected, requests, answered, dead_lettered, pending,
               leads, batch_usd, saving_usd
        FROM daily_funnel WHERE scrape_date = ?""",
        [day],
    ).fetchone()
    return DayFunnel(*row) if row else None

"""Reading leads back for the morning: the list, one lead with everything known, the day's funnel.

A lead is a ``qualified_leads`` row: the posting that qualified, with the answers of the later
stages joined as they arrived (analysis, pain points, parsed fields, outreach). The live follow-up
builds its context from :class:`LeadRecord`, so it sees exactly what the tables hold; the HTTP API
and its leads page read :class:`MorningLead`, :class:`LeadDetail` and :class:`DayFunnel`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import duckdb

from jobbatch_dagster.warehouse.conversations import (
    CONTEXT_ROLE,
    ConversationTurn,
    conversation_turns,
)


@dataclass(frozen=True)
class LeadRecord:
    """One lead: the posting as the engine reads it, its qualification and the later answers."""

    job_id: str
    scrape_date: date
    score: int
    confidence: str | None
    reasons: list[str]
    posting: dict[str, Any]  # the job dict (title, description, company, ...)
    analysis: dict[str, Any] | None
    pain_points: dict[str, Any] | None
    parsed: dict[str, Any] | None
    outreach: dict[str, Any] | None

    @property
    def title(self) -> str:
        return str(self.posting.get("title") or "")

    @property
    def company(self) -> str | None:
        return self.posting.get("company")


@dataclass(frozen=True)
class LeadSummary:
    """One line of ``jobbatch leads list``."""

    job_id: str
    scrape_date: date
    score: int
    title: str | None
    company: str | None
    deal_value_usd: int | None
    has_outreach: bool
    turns: int  # questions and answers in the lead's live conversation


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


_LEAD_SQL = """
    SELECT l.job_id, l.scrape_date, l.score, l.confidence, l.reasons, j.job_json,
           l.analysis, l.pain_points, l.parsed, l.outreach
    FROM qualified_leads AS l JOIN jobs AS j USING (job_id)
"""


def _pain_points(
    pain_points: dict[str, Any] | None, analysis: dict[str, Any] | None
) -> dict[str, Any] | None:
    """The lead's pain points: ``extract_pain_points``' answer where that stage ran, else the ones
    ``analyze`` carries (the shipped night runs no separate pain-point stage), marked as such."""
    if pain_points is not None or not analysis or "pain_points" not in analysis:
        return pain_points
    return {
        "pain_points": analysis["pain_points"],
        "urgency": analysis.get("urgency"),
        "source": "analyze",
    }


def _record(row: tuple[Any, ...]) -> LeadRecord:
    job_id, day, score, confidence, reasons, job_json, *answers = row
    analysis, pain_points, parsed, outreach = (_json(a) for a in answers)
    return LeadRecord(
        job_id=job_id,
        scrape_date=day,
        score=score,
        confidence=confidence,
        reasons=_json(reasons) or [],
        posting=_json(job_json),
        analysis=analysis,
        pain_points=_pain_points(pain_points, analysis),
        parsed=parsed,
        outreach=outreach,
    )


def lead_record(con: duckdb.DuckDBPyConnection, job_id: str) -> LeadRecord | None:
    """The lead with this job id (its newest scrape day), or None when it is not a lead."""
    row = con.execute(
        f"{_LEAD_SQL} WHERE l.job_id = ? ORDER BY l.scrape_date DESC LIMIT 1", [job_id]
    ).fetchone()
    return _record(row) if row else None


def top_lead_jobs(
    con: duckdb.DuckDBPyConnection, day: date, min_score: int, top: int | None
) -> list[dict[str, Any]]:
    """What a lead stage (``outreach``) is sent for a day: the postings the day's ``qualify``
    scored at ``min_score`` or above that have an analysis, best first (score, then deal value),
    at most ``top``; each job dict carries its ``analysis`` answer.

    Read from the result tables themselves, not ``qualified_leads``, so the choice does not depend
    on when the leads were last rebuilt.
    """
    rows = con.execute(
        """
        SELECT j.job_json, an.answer
        FROM stage_postings AS sp
        JOIN qualifications AS q USING (job_id, request_fingerprint)
        JOIN jobs AS j USING (job_id)
        JOIN (SELECT job_id, answer FROM analyses
              QUALIFY row_number() OVER (PARTITION BY job_id ORDER BY scrape_date DESC) = 1)
            AS an USING (job_id)
        WHERE sp.stage = 'qualify' AND sp.scrape_date = ? AND q.score >= ?
        ORDER BY q.score DESC,
                 TRY_CAST(json_extract(an.answer, '$.estimated_deal_value_usd') AS BIGINT)
                     DESC NULLS LAST,
                 j.job_id
        LIMIT ?
        """,
        [day, min_score, top if top is not None else 2**62],
    ).fetchall()
    return [{**json.loads(job), "analysis": json.loads(answer)} for job, answer in rows]


def lead_summaries(con: duckdb.DuckDBPyConnection, limit: int) -> list[LeadSummary]:
    """The best leads of every day, as ``top_leads`` orders them, with their conversation size."""
    rows = con.execute(
        "SELECT t.job_id, t.scrape_date, t.score, t.title, t.company, t.deal_value_usd, "
        "t.email_subject IS NOT NULL, "
        "(SELECT count(*) FROM lead_conversations AS c WHERE c.job_id = t.job_id AND c.role <> ?) "
        "FROM top_leads AS t LIMIT ?",
        [CONTEXT_ROLE, limit],
    ).fetchall()
    return [LeadSummary(*row) for row in rows]


@dataclass(frozen=True)
class MorningLead:
    """One line of the leads page's list."""

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
    email_subject: str | None  # None until the outreach stage has drafted this lead's email


@dataclass(frozen=True)
class LeadDetail:
    """Everything known about one lead: the posting, each stage's answer, and the follow-up."""

    lead: MorningLead
    url: str | None
    description: str | None
    reasons: list[str]
    analysis: dict[str, Any] | None
    pain_points: dict[str, Any] | None
    parsed: dict[str, Any] | None
    outreach: dict[str, Any] | None
    # what was asked and answered, without the lead's file the model reads first
    conversation: list[ConversationTurn] = field(default_factory=list)


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

_MORNING_SQL = f"""
    SELECT t.job_id, t.scrape_date, t.score, t.confidence, t.title, t.company, t.location,
           {_PAY} AS pay, t.urgency, t.deal_value_usd, t.summary, t.email_subject
    FROM top_leads AS t JOIN qualified_leads AS l USING (job_id)
"""


def lead_days(con: duckdb.DuckDBPyConnection) -> list[date]:
    """The scrape days that have leads, newest first."""
    result = con.execute(
        "SELECT DISTINCT scrape_date FROM qualified_leads ORDER BY scrape_date DESC"
    ).fetchall()
    return [row[0] for row in result]


def morning_leads(
    con: duckdb.DuckDBPyConnection, day: date | None, min_score: int, limit: int
) -> list[MorningLead]:
    """The best leads of one scrape day (every day when ``day`` is None), best first."""
    result = con.execute(
        f"""{_MORNING_SQL}
        WHERE (CAST(? AS DATE) IS NULL OR t.scrape_date = CAST(? AS DATE)) AND t.score >= ?
        ORDER BY t.score DESC, t.deal_value_usd DESC NULLS LAST, t.scrape_date DESC, t.job_id
        LIMIT ?""",
        [day, day, min_score, limit],
    ).fetchall()
    return [MorningLead(*row) for row in result]


def lead_detail(con: duckdb.DuckDBPyConnection, job_id: str) -> LeadDetail | None:
    """One lead whole with its conversation, or None when no day qualified that posting."""
    row = con.execute(
        f"""SELECT m.*, l.url, j.description, l.reasons, l.analysis, l.pain_points, l.parsed,
               l.outreach
        FROM ({_MORNING_SQL} WHERE t.job_id = ?) AS m
        JOIN qualified_leads AS l USING (job_id) LEFT JOIN jobs AS j USING (job_id)""",
        [job_id],
    ).fetchone()
    if row is None:
        return None
    width = len(MorningLead.__dataclass_fields__)
    url, description, reasons, *answers = row[width:]
    analysis, pain_points, parsed, outreach = (_json(a) for a in answers)
    return LeadDetail(
        lead=MorningLead(*row[:width]),
        url=url,
        description=description,
        reasons=_json(reasons) or [],
        analysis=analysis,
        pain_points=_pain_points(pain_points, analysis),
        parsed=parsed,
        outreach=outreach,
        conversation=[t for t in conversation_turns(con, job_id) if t.role != CONTEXT_ROLE],
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

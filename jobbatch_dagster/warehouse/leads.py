"""Reading leads back for the morning's follow-up: the list, and one lead with everything known.

A lead is a ``qualified_leads`` row: the posting that qualified, with the answers of the later
stages joined as they arrived (analysis, pain points, parsed fields, outreach). The live follow-up
builds its context from :class:`LeadRecord`, so it sees exactly what the tables hold.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb

from jobbatch_dagster.warehouse.conversations import CONTEXT_ROLE


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
        pain_points=pain_points,
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

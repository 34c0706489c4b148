"""Which lead a caller means: a job id, a warehouse lead, or one of the guide's result dicts.

The pipeline's leads live in ``qualified_leads``; a plain-Python user of the guide's verbs has only
result dicts (``parse_results``), which carry the posting they answered (``job``) and their task's
answer (``parsed``). Both become a :class:`LeadRecord`, and the lead's file, the conversation's
first message, is built from that record alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from jobbatch_dagster.batch.requests import POSTING_FIELDS
from jobbatch_dagster.tasks.base import lead_message
from jobbatch_dagster.warehouse.leads import LeadRecord

# Which LeadRecord field a result of each task fills.
_ANSWER_FIELD = {"analyze": "analysis", "extract_pain_points": "pain_points", "parse": "parsed"}


class UnknownLeadError(LookupError):
    """A lead id that is neither in ``qualified_leads`` nor has a conversation."""


def lead_id_of(prospect: Mapping[str, Any]) -> str:
    """The job id of a result or job dict: ``job_id``, else ``id``, else its ``custom_id``."""
    for key in ("job_id", "id", "custom_id"):
        value = prospect.get(key)
        if value not in (None, ""):
            return str(value)
    raise ValueError(
        "cannot tell which lead this is: the dict has no job_id, id or custom_id; pass a result "
        "from parse_results(), a job dict with an id, or a lead id from `jobbatch leads list`"
    )


def lead_from_mapping(prospect: Mapping[str, Any]) -> LeadRecord:
    """A lead from a guide result dict (``job`` + ``task`` + ``parsed``) or a job dict."""
    job = prospect.get("job") if isinstance(prospect.get("job"), Mapping) else prospect
    posting = {k: job[k] for k in ("id", "url", *POSTING_FIELDS) if job.get(k) is not None}
    if "description" not in posting:
        raise ValueError(
            f"lead {lead_id_of(prospect)!r} has no posting: pass a result from parse_results() "
            "of a batch built in this work_dir (it carries the posting as 'job'), or the job dict"
        )
    answers: dict[str, Any] = {}
    task = prospect.get("task")
    if task in _ANSWER_FIELD and isinstance(prospect.get("parsed"), Mapping):
        answers[_ANSWER_FIELD[task]] = dict(prospect["parsed"])
    score = prospect.get("score")
    return LeadRecord(
        job_id=lead_id_of(prospect),
        scrape_date=datetime.now(UTC).date(),  # not scraped through the pipeline: seen today
        score=score if isinstance(score, int) else 0,
        confidence=prospect.get("confidence"),
        reasons=list(prospect.get("reasons") or []),
        posting=posting,
        analysis=answers.get("analysis") or prospect.get("analysis"),
        pain_points=answers.get("pain_points") or prospect.get("pain_points"),
        parsed=answers.get("parsed"),
        outreach=prospect.get("outreach"),
    )


def lead_file(lead: LeadRecord) -> str:
    """The conversation's first message: the posting, then everything known about the lead."""
    posting = {k: v for k, v in lead.posting.items() if k in POSTING_FIELDS}
    context = {
        "lead_id": lead.job_id,
        "qualification": {
            "score": lead.score,
            "confidence": lead.confidence,
            "reasons": lead.reasons,
        },
        "analysis": lead.analysis,
        "pain_points": lead.pain_points,
        "outreach": lead.outreach,
    }
    return lead_message(posting, context)

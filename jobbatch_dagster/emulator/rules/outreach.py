"""The emulator's ``outreach`` rule: a call plan and first email assembled from the lead's evidence.

Stated rules, each named in the answer ("emulator rule: ..."):

- roi: deal value and annual saving are the lead context's ``analysis`` figures when it has them,
  else the ``analyze`` rule's own (so a bare posting still gets an answer); payback months =
  deal value / (annual saving / 12), rounded to one decimal, null when either is missing.
- email: the subject names the posting's title and first fit signal (cut at a word to fit 80
  characters); the body quotes, once each, the posting's sentences where the first two fit
  signals and the first urgency phrase were found, and asks for a call.
- call opener: the title and first fit signal again, spoken.
- questions: one per fit signal (at most two), then one each on tools, volume and timing.
The same rule answers the live follow-up's ROI and email questions with the matching part.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jobbatch_dagster.emulator.rules.evidence import Evidence
from jobbatch_dagster.emulator.rules.lead import analyze_answer

_MAX_SIGNAL_QUESTIONS = 2
_MAX_SUBJECT_CHARS = 80
LABEL = "emulator rule"


def _figures(evidence: Evidence) -> tuple[Mapping[str, Any], str]:
    """The analysis the figures come from, and where it came from."""
    analysis = evidence.context.get("analysis")
    if isinstance(analysis, Mapping):
        return analysis, "the lead's analysis"
    return analyze_answer(evidence), "the analyze rule applied to the posting (no analysis given)"


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def roi_answer(evidence: Evidence) -> dict[str, Any]:
    analysis, source = _figures(evidence)
    deal = _int_or_none(analysis.get("estimated_deal_value_usd"))
    saving = _int_or_none(analysis.get("estimated_annual_savings_usd"))
    payback = round(deal * 12 / saving, 1) if deal and saving else None
    payback_reason = (
        f"payback = {deal} / ({saving} / 12) = {payback} months"
        if payback is not None
        else "no payback: deal value or annual saving missing"
    )
    return {
        "deal_value_usd": deal,
        "annual_savings_usd": saving,
        "payback_months": payback,
        "reasoning": (
            f"{LABEL}: deal value {deal} and annual saving {saving} taken from {source}; "
            f"{payback_reason}."
        ),
    }


def _title(evidence: Evidence) -> str:
    return evidence.field("title") or "open role"


def _signal(evidence: Evidence) -> str:
    return evidence.fit[0].phrase if evidence.fit else "manual office"


def _shorten(text: str, max_chars: int) -> str:
    """``text`` cut at a word boundary to fit ``max_chars``, with "..." when cut."""
    if len(text) <= max_chars:
        return text
    return text[: max_chars - 3].rsplit(" ", 1)[0].rstrip(" ,;:-(/") + "..."


def email_answer(evidence: Evidence) -> dict[str, Any]:
    title, signal = _title(evidence), _signal(evidence)
    company = evidence.field("company")
    seen = f"your {title} posting" + (f" at {company}" if company else "")
    hits = (*evidence.fit[:2], *evidence.urgent[:1])
    quotes = [f'"{sentence}"' for sentence in dict.fromkeys(hit.sentence for hit in hits)]
    pain = f" It says {' and '.join(quotes)}." if quotes else ""
    return {
        "subject": _shorten(
            f"Automating the {signal} work behind your {title} posting", _MAX_SUBJECT_CHARS
        ),
        "body": (
            f"Hi,\n\nI saw {seen}.{pain} We automate exactly this kind of {signal} work, so "
            "the hire can focus on what needs a person.\n\n"
            "Could we take 15 minutes this week to look at how it is done today?\n\n"
            f"({LABEL}: subject from the title and first fit signal; the body quotes the "
            "sentences where the fit signals and urgency were found, each once.)"
        ),
    }


def outreach_answer(evidence: Evidence) -> dict[str, Any]:
    title, signal = _title(evidence), _signal(evidence)
    questions = [
        f"How much of the week goes to {hit.phrase} today, and who does it?"
        for hit in evidence.fit[:_MAX_SIGNAL_QUESTIONS]
    ]
    questions += [
        "Which tools does this work go through today (spreadsheets, email, an order system)?",
        "How many records, orders or documents pass through this work on a typical day?",
        "By when do you need this covered, and what happens if the role stays open?",
    ]
    return {
        "roi": roi_answer(evidence),
        "email": email_answer(evidence),
        "call_opener": (
            f"Hi, I'm calling about your {title} posting and the {signal} work it describes. "
            "We automate that work; may I ask two quick questions to see if it fits? "
            f"({LABEL}: opener from the title and first fit signal.)"
        ),
        "questions": questions,
    }

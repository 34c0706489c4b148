"""The emulator's lead rules: ``qualify``, ``analyze`` and ``extract_pain_points`` from the evidence.

Every rule is a plain, stated arithmetic on the evidence, and every answer says which rule fired
("emulator rule: ..."), so no one takes it for a model's judgement:

- score = 10 + 20 per distinct fit signal (at most 4 counted) + 20 when an urgency phrase is found,
  capped at 100; any disqualifier sets it to 5. qualified = score >= the qualify prompt's
  worth-contacting score (60).
- fit: none (disqualified or no signal), strong (score >= 80), moderate (>= 60), else weak.
- deal value = the profile's average deal value x 1.25 (strong), 1.0 (moderate), 0.5 (weak).
- annual savings = half of a year's pay for the job (half the work assumed automatable).
"""

from __future__ import annotations

from typing import Any

from jobbatch_dagster.emulator.rules.evidence import Evidence, Hit, first_sentence
from jobbatch_dagster.emulator.rules.pay import HOURS_PER_YEAR
from jobbatch_dagster.emulator.rules.posting import employment_type, posting_pay
from jobbatch_dagster.tasks.qualify import WORTH_CONTACTING_SCORE

QUALIFY_THRESHOLD = WORTH_CONTACTING_SCORE
_BASE, _PER_SIGNAL, _MAX_SIGNALS, _URGENCY_BONUS, _DISQUALIFIED_CAP = 10, 20, 4, 20, 5
_DEAL_FACTOR = {"strong": 1.25, "moderate": 1.0, "weak": 0.5}
_AUTOMATABLE_SHARE = 0.5
_VOLUME_WORDS = ("daily", "every day", "hundreds", "thousands", "all day", "backlog", "hours")
_MAX_PAIN_POINTS = 5


def _where(hit: Hit) -> str:
    return f"'{hit.phrase}' found in {hit.field}"


def _phrases(hits: tuple[Hit, ...]) -> str:
    return ", ".join(f"'{hit.phrase}'" for hit in hits) or "none found"


def _quoted(hit: Hit) -> str:
    """The rule that fired and the posting's words it fired on, as a reason a user can check."""
    return f'{_where(hit)}: "{hit.sentence}"'


def score(evidence: Evidence) -> int:
    if evidence.disqualifiers:
        return _DISQUALIFIED_CAP
    signals = min(len(evidence.fit), _MAX_SIGNALS)
    urgency = _URGENCY_BONUS if evidence.urgent else 0
    return min(100, _BASE + _PER_SIGNAL * signals + urgency)


def urgency(evidence: Evidence) -> str:
    if evidence.urgent:
        return "high"
    return "medium" if evidence.soon else "low"


def fit(evidence: Evidence) -> str:
    if evidence.disqualifiers or not evidence.fit:
        return "none"
    value = score(evidence)
    if value >= 80:
        return "strong"
    return "moderate" if value >= QUALIFY_THRESHOLD else "weak"


def _score_reason(evidence: Evidence) -> str:
    if evidence.disqualifiers:
        return f"emulator rule: score = {_DISQUALIFIED_CAP} because a disqualifier was found"
    signals = min(len(evidence.fit), _MAX_SIGNALS)
    urgency_part = f" + {_URGENCY_BONUS} urgency" if evidence.urgent else ""
    return (
        f"emulator rule: score = {_BASE} base + {signals} fit signal(s) x {_PER_SIGNAL}"
        f"{urgency_part} = {score(evidence)} (capped at 100; qualified at {QUALIFY_THRESHOLD})"
    )


def qualify_answer(evidence: Evidence) -> dict[str, Any]:
    reasons = [f"emulator rule: disqualifier {_quoted(hit)}" for hit in evidence.disqualifiers]
    reasons += [f"emulator rule: fit signal {_quoted(hit)}" for hit in evidence.fit[:_MAX_SIGNALS]]
    reasons += [f"emulator rule: urgency phrase {_quoted(hit)}" for hit in evidence.urgent[:1]]
    if not evidence.fit and not evidence.disqualifiers:
        reasons.append("emulator rule: no fit signal from the lead profile found")
    reasons.append(_score_reason(evidence))
    value = score(evidence)
    if evidence.disqualifiers or len(evidence.fit) >= 3:
        confidence = "high"
    else:
        confidence = "medium" if evidence.fit or evidence.urgent else "low"
    return {
        "qualified": value >= QUALIFY_THRESHOLD,
        "score": value,
        "confidence": confidence,
        "reasons": reasons,
    }


def qualify_reason(evidence: Evidence) -> str:
    """The group form's one short reason: the rule that decided the score, in a few words."""
    if evidence.disqualifiers:
        return f"emulator rule: disqualifier '{evidence.disqualifiers[0].phrase}'"
    signals = min(len(evidence.fit), _MAX_SIGNALS)
    if not signals:
        return "emulator rule: no fit signal found"
    urgent = " plus urgency" if evidence.urgent else ""
    return f"emulator rule: {signals} fit signal(s){urgent}"


def _savings(evidence: Evidence) -> tuple[int | None, str]:
    pay = posting_pay(evidence)
    if pay is None:
        return None, "no pay stated, so no savings estimate"
    kind = employment_type(evidence.text)
    hours = HOURS_PER_YEAR.get(kind or "", HOURS_PER_YEAR["full_time"])
    periods = pay.periods_per_year(hours)
    if periods is None:
        return None, "pay period unknown, so no savings estimate"
    saving = round(pay.midpoint * periods * _AUTOMATABLE_SHARE)
    yearly = f"{pay.midpoint:g}" if periods == 1 else f"{pay.midpoint:g} x {periods} {pay.period}s"
    return saving, (
        f"savings = {_AUTOMATABLE_SHARE:.0%} of a year's pay"
        f" ({yearly} per year, midpoint of the stated range) = {saving}"
    )


def _payback(deal: int | None, saving: int | None) -> str:
    """How many months of savings pay for the project, when both figures exist."""
    if not deal or not saving:
        return ""
    return f"; payback = {deal} / ({saving} / 12) = {deal * 12 / saving:.1f} months"


def analyze_answer(evidence: Evidence) -> dict[str, Any]:
    level = fit(evidence)
    title = evidence.field("title") or "An untitled job"
    company = evidence.field("company") or "an unnamed business"
    location = evidence.field("location")
    signals = ", ".join(hit.phrase for hit in evidence.fit) or "none"
    opening = first_sentence(evidence.field("description") or "")
    summary = (
        f"{title} at {company}{f' in {location}' if location else ''}"
        f"{f': {opening}' if opening else '.'} "
        f"Emulator rule summary: fit signals found: {signals}; urgency {urgency(evidence)}."
    )
    average = evidence.profile.average_deal_value_usd
    deal = round(average * _DEAL_FACTOR[level]) if level in _DEAL_FACTOR else None
    deal_reason = (
        f"deal value = profile average {average} x {_DEAL_FACTOR[level]} for {level} fit = {deal}"
        if deal is not None
        else f"no deal value: fit is {level}"
    )
    saving, saving_reason = _savings(evidence)
    if level == "none":
        blocker = evidence.disqualifiers[0] if evidence.disqualifiers else None
        why = f"disqualifier {_where(blocker)}" if blocker else "no fit signal found"
        approach = f"Do not pursue (emulator rule: {why})."
    else:
        lead = " and lead with speed, since they need someone urgently" if evidence.urgent else ""
        approach = (
            f"Offer to automate the {signals} work the posting describes{lead}; "
            "propose a short call to map the current process."
        )
    return {
        "summary": summary,
        "fit": level,
        "pain_points": [f"{hit.phrase}: {hit.sentence}" for hit in evidence.fit[:_MAX_PAIN_POINTS]],
        "urgency": urgency(evidence),
        "estimated_deal_value_usd": deal,
        "estimated_annual_savings_usd": saving,
        "roi_reasoning": f"emulator rule: {deal_reason}; {saving_reason}{_payback(deal, saving)}.",
        "recommended_approach": approach,
    }


def pain_points_answer(evidence: Evidence) -> dict[str, Any]:
    pain_points = []
    for hit in evidence.fit[:_MAX_PAIN_POINTS]:
        sentence = hit.sentence.lower()
        heavy = bool(evidence.urgent) or any(word in sentence for word in _VOLUME_WORDS)
        pain_points.append(
            {
                "description": f"manual work involving {hit.phrase}",
                "severity": "high" if heavy else "medium",
                "evidence": hit.sentence,
            }
        )
    level = urgency(evidence)
    if evidence.fit and level == "high":
        motivation = "high"
    else:
        motivation = "medium" if evidence.fit or evidence.urgent else "low"
    return {
        "pain_points": pain_points,
        "urgency_signals": list(
            dict.fromkeys(h.sentence for h in (*evidence.urgent, *evidence.soon))
        ),
        "urgency": level,
        "motivation": motivation,
        "motivation_reasoning": (
            f"emulator rule: {len(evidence.fit)} fit signal(s) ({_phrases(evidence.fit)}) and "
            f"urgency {level} ({_phrases((*evidence.urgent, *evidence.soon))}) give motivation"
            f" {motivation} (high needs both a signal and an urgency phrase)."
        ),
    }

"""What the emulator's rules read: the posting's fields and the lead profile's signals found in them.

The lead profile is read back from the system message (its "Fit signals:" and "Disqualifiers:"
lines, as ``LeadProfile.as_prompt_section`` writes them), so the emulator follows the user's own
profile rather than a copy of it. The system message is the same for every request of a batch, so
the profile and its compiled regexes are built once per distinct prompt and cached.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jobbatch_dagster.tasks.base import decode_context, decode_posting
from jobbatch_dagster.tasks.profile import LeadProfile

# The posting fields the rules read, in the order a reason names them ("found in title").
FIELDS = ("title", "description", "compensation", "company", "location")

_PROFILE_LINE = re.compile(
    r"^(Fit signals|Disqualifiers|Average deal value \(USD\)):[ \t]*(.*)$", re.M
)
_URGENT = re.compile(
    r"(?<![a-z])(asap|a\.s\.a\.p|urgent(?:ly)?|immediately|immediate (?:start|opening|hire)|right away"
    r"|as soon as possible|start (?:today|tomorrow)|needed now)(?![a-z])"
)
_SOON = re.compile(r"(?<![a-z])(soon|backlog|next week|quickly|this month|behind on)(?![a-z])")
_SENTENCE_END = re.compile(r"[.!?\n]")
_DEFAULT = LeadProfile()
_MAX_EVIDENCE_CHARS = 160


@dataclass(frozen=True)
class ProfileRules:
    """The profile's phrases, and one compiled regex each for fit signals and disqualifiers."""

    fit_signals: tuple[str, ...]
    disqualifiers: tuple[str, ...]
    average_deal_value_usd: int
    fit_pattern: re.Pattern[str] | None
    disqualifier_pattern: re.Pattern[str] | None


@dataclass(frozen=True)
class Hit:
    """One phrase found in the posting: which phrase, in which field, and the sentence around it."""

    phrase: str
    field: str
    sentence: str


@dataclass(frozen=True)
class Evidence:
    """Everything the task rules decide on, gathered once per request."""

    posting: Mapping[str, Any]
    fit: tuple[Hit, ...]
    disqualifiers: tuple[Hit, ...]
    urgent: tuple[Hit, ...]
    soon: tuple[Hit, ...]
    profile: ProfileRules
    # What earlier answers found, for a lead task or a follow-up (``<lead_context>``); else empty.
    context: Mapping[str, Any]

    def field(self, name: str) -> str | None:
        value = self.posting.get(name)
        return value.strip() or None if isinstance(value, str) else None

    @property
    def text(self) -> str:
        """All readable fields, one per line (for the rules that search the whole posting)."""
        return "\n".join(v for name in FIELDS if (v := self.field(name)))


def _normalise(phrase: str) -> str:
    return " ".join(phrase.lower().replace("-", " ").split())


def _phrase_pattern(phrases: Sequence[str]) -> re.Pattern[str] | None:
    """One alternation matching any phrase as whole words; spaces and hyphens match each other."""
    if not phrases:
        return None
    parts = sorted(
        (r"[\s\-]+".join(re.escape(word) for word in p.split()) for p in phrases),
        key=len,
        reverse=True,
    )
    # A plural ("spreadsheets" for "spreadsheet") counts, but stays outside the match so the match
    # reads back as the profile's phrase.
    return re.compile(r"(?<![a-z0-9])(?:" + "|".join(parts) + r")(?=(?:e?s)?(?![a-z0-9]))")


_LIST_SEPARATOR = re.compile(r",\s+")  # as as_prompt_section joins; "10,000+" keeps its comma


def _split_list(value: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(n for p in _LIST_SEPARATOR.split(value) if (n := _normalise(p))))


@lru_cache(maxsize=64)
def profile_rules(system_prompt: str) -> ProfileRules:
    """The profile written into a system prompt; the default profile's values for missing lines."""
    lines = dict(_PROFILE_LINE.findall(system_prompt))
    fit = _split_list(lines["Fit signals"]) if "Fit signals" in lines else _DEFAULT.fit_signals
    bad = (
        _split_list(lines["Disqualifiers"]) if "Disqualifiers" in lines else _DEFAULT.disqualifiers
    )
    deal = lines.get("Average deal value (USD)", "").strip()
    return ProfileRules(
        fit_signals=fit,
        disqualifiers=bad,
        average_deal_value_usd=int(deal) if deal.isdigit() else _DEFAULT.average_deal_value_usd,
        fit_pattern=_phrase_pattern(fit),
        disqualifier_pattern=_phrase_pattern(bad),
    )


def _sentence(text: str, start: int, end: int) -> str:
    """The sentence of ``text`` around ``start:end``, shortened to a quotable length."""
    left = max((m.end() for m in _SENTENCE_END.finditer(text, 0, start)), default=0)
    right_match = _SENTENCE_END.search(text, end)
    right = right_match.end() if right_match else len(text)
    sentence = " ".join(text[left:right].split())
    if len(sentence) > _MAX_EVIDENCE_CHARS:
        sentence = sentence[: _MAX_EVIDENCE_CHARS - 3].rstrip() + "..."
    return sentence


def first_sentence(text: str) -> str:
    """The opening sentence of ``text``, shortened to a quotable length."""
    return _sentence(text, 0, 0)


def _find(pattern: re.Pattern[str] | None, fields: Mapping[str, str]) -> tuple[Hit, ...]:
    """Each distinct phrase ``pattern`` finds, with the first field (in FIELDS order) holding it."""
    if pattern is None:
        return ()
    hits: dict[str, Hit] = {}
    for name, (original, lowered) in fields.items():
        for match in pattern.finditer(lowered):
            phrase = _normalise(match.group(0))
            if phrase not in hits:
                hits[phrase] = Hit(phrase, name, _sentence(original, match.start(), match.end()))
    return tuple(hits.values())


def _content_text(message: Mapping[str, Any] | None) -> str:
    """A message's text, whether its content is a string or a list of text parts."""
    content = message.get("content") if message else None
    if isinstance(content, list):
        return "\n".join(
            part["text"]
            for part in content
            if isinstance(part, Mapping) and isinstance(part.get("text"), str)
        )
    return content if isinstance(content, str) else ""


def user_posting(
    messages: Sequence[Mapping[str, Any]],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The posting and lead context of the newest user message holding a posting (a follow-up's
    questions come after it); else the last user message's whole text as the description."""
    users = [_content_text(m) for m in messages if m.get("role") == "user"]
    for text in reversed(users):
        posting = decode_posting(text)
        if posting is not None:
            return posting, decode_context(text) or {}
    return ({"description": users[-1]} if users and users[-1] else {}), {}


def system_prompt(messages: Sequence[Mapping[str, Any]]) -> str:
    return _content_text(
        next((m for m in messages if m.get("role") in ("system", "developer")), None)
    )


def gather_evidence(messages: Sequence[Mapping[str, Any]]) -> Evidence:
    posting, context = user_posting(messages)
    return posting_evidence(posting, system_prompt(messages), context)


def user_text(messages: Sequence[Mapping[str, Any]]) -> str:
    """The newest user message's text."""
    users = [_content_text(m) for m in messages if m.get("role") == "user"]
    return users[-1] if users else ""


def posting_evidence(
    posting: Mapping[str, Any], prompt: str, context: Mapping[str, Any] | None = None
) -> Evidence:
    """The evidence of one posting under the lead profile in ``prompt`` (a system message)."""
    profile = profile_rules(prompt)
    fields = {
        name: (value, value.lower())
        for name in FIELDS
        if isinstance(value := posting.get(name), str) and value
    }
    return Evidence(
        posting=dict(posting),
        fit=_find(profile.fit_pattern, fields),
        disqualifiers=_find(profile.disqualifier_pattern, fields),
        urgent=_find(_URGENT, fields),
        soon=_find(_SOON, fields),
        profile=profile,
        context=dict(context or {}),
    )

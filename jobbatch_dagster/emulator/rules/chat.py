"""The emulator's answer to free chat (no JSON schema): a labelled text built by rules.

Nothing here pretends to be a model. The answer opens with :data:`LABEL`, then one sentence per rule,
each naming its rule: which question was asked (``question``), how much conversation came before it
(``context``), which posting the conversation carries, if any (``posting``), and the question's main
words (``keywords``). The same conversation always gets the same answer.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from jobbatch_dagster.tasks.base import decode_posting

LABEL = "[jobbatch emulator: rule-based answer; no model was called]"
MAX_QUOTE_CHARS = 160
MAX_KEYWORDS = 5
_WORD = re.compile(r"[a-z][a-z'-]{4,}")
_STOPWORDS = frozenset(
    [
        "about",
        "after",
        "again",
        "against",
        "being",
        "below",
        "between",
        "could",
        "doing",
        "during",
        "every",
        "their",
        "there",
        "these",
        "those",
        "through",
        "under",
        "until",
        "which",
        "while",
        "would",
        "should",
        "other",
        "where",
        "whose",
        "please",
        "thanks",
    ]
)


def message_text(message: Mapping[str, Any]) -> str:
    """A message's text: its string content, or its text parts joined."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(
            part["text"]
            for part in content
            if isinstance(part, Mapping) and isinstance(part.get("text"), str)
        )
    return ""


def chat_answer(messages: Sequence[Mapping[str, Any]]) -> str:
    """The labelled, rule-based reply to a conversation."""
    user_turns = [message_text(m) for m in messages if m.get("role") == "user"]
    last = user_turns[-1] if user_turns else ""
    sentences = [LABEL, _question_rule(last), _context_rule(messages, len(user_turns))]
    posting = _posting_rule(messages)
    if posting:
        sentences.append(posting)
    sentences.append(_keywords_rule(last))
    return " ".join(sentences)


def _question_rule(last: str) -> str:
    quoted = " ".join(last.split())
    if not quoted:
        return "Rule 'question': the conversation has no user question to answer."
    if len(quoted) > MAX_QUOTE_CHARS:
        quoted = quoted[:MAX_QUOTE_CHARS].rstrip() + "..."
    return f"Rule 'question': you asked \"{quoted}\"."


def _context_rule(messages: Sequence[Mapping[str, Any]], user_turns: int) -> str:
    earlier = max(user_turns - 1, 0)
    instructions = sum(1 for m in messages if m.get("role") in ("system", "developer"))
    answers = sum(1 for m in messages if m.get("role") == "assistant")
    return (
        f"Rule 'context': this is turn {earlier + 1} of the conversation, after {earlier} earlier "
        f"question(s) and {answers} earlier answer(s), with {instructions} instruction message(s)."
    )


def _posting_rule(messages: Sequence[Mapping[str, Any]]) -> str | None:
    for message in messages:
        posting = decode_posting(message_text(message))
        if posting is not None:
            title = posting.get("title") or "an untitled role"
            company = posting.get("company") or "an unnamed company"
            return f"Rule 'posting': the conversation is about {title} at {company}."
    return None


def _keywords_rule(last: str) -> str:
    words = [w for w in _WORD.findall(last.lower()) if w not in _STOPWORDS]
    common = [word for word, _ in Counter(words).most_common(MAX_KEYWORDS)]
    if not common:
        return "Rule 'keywords': the question has no word of five letters or more."
    return f"Rule 'keywords': the question is about {', '.join(common)}."

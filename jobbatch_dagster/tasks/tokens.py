"""Offline token estimates, shared by the engine's cost estimate and the emulator's usage report.

No tokenizer is shipped (none can be downloaded here), so tokens are estimated from text length:
one token per 4 characters of UTF-8 text (rounded up), which is OpenAI's published rule of thumb for
English, plus the chat format's framing as in OpenAI's cookbook: 3 tokens per message and 3 to prime
the reply. Real counts for English prose land within about 10-15% of this; the engine documents the
tolerance it reports against.

A Structured Outputs schema is turned into text the model reads, so it is billed as prompt tokens
too; :func:`estimate_body_prompt_tokens` counts it (as compact JSON) on top of the messages.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

CHARS_PER_TOKEN = 4
TOKENS_PER_MESSAGE = 3
TOKENS_PER_REPLY = 3


def estimate_text_tokens(text: str) -> int:
    """Tokens in a piece of text: ceil(utf-8 bytes / 4)."""
    n = len(text.encode("utf-8"))
    return (n + CHARS_PER_TOKEN - 1) // CHARS_PER_TOKEN


def estimate_prompt_tokens(messages: Iterable[Mapping[str, Any]]) -> int:
    """Prompt tokens of a chat request's messages, framing included."""
    total = TOKENS_PER_REPLY
    for message in messages:
        total += TOKENS_PER_MESSAGE
        content = message.get("content")
        if isinstance(content, str):
            total += estimate_text_tokens(content)
        elif isinstance(content, list):
            for part in content:
                if isinstance(part, Mapping) and isinstance(part.get("text"), str):
                    total += estimate_text_tokens(part["text"])
        total += estimate_text_tokens(str(message.get("role", "")))
    return total


def estimate_body_prompt_tokens(body: Mapping[str, Any]) -> int:
    """Prompt tokens of a whole chat request body: its messages plus its response schema, if any."""
    total = estimate_prompt_tokens(body.get("messages") or ())
    response_format = body.get("response_format")
    if isinstance(response_format, Mapping) and response_format.get("type") == "json_schema":
        spec = response_format.get("json_schema")
        if isinstance(spec, Mapping):
            total += estimate_text_tokens(json.dumps(spec, separators=(",", ":"), sort_keys=True))
    return total

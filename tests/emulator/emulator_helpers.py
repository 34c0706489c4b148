"""Builders shared by the emulator tests: request lines, uploads, and waiting for a status."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from typing import Any

import openai
from openai.types import Batch

from jobbatch_dagster.contract import CHAT_COMPLETIONS_ENDPOINT, TERMINAL_STATUSES

MODEL = "gpt-4o-mini"
ANSWER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "verdict": {"type": "string", "enum": ["yes", "no"]},
        "score": {"type": "integer", "minimum": 1, "maximum": 5},
        "reason": {"anyOf": [{"type": "string"}, {"type": "null"}]},
    },
    "required": ["verdict", "score", "reason"],
    "additionalProperties": False,
}


def chat_line(
    custom_id: str,
    *,
    content: str = "Is this a lead?",
    model: str = MODEL,
    schema: Mapping[str, Any] | None = None,
    url: str = CHAT_COMPLETIONS_ENDPOINT,
) -> dict[str, Any]:
    body: dict[str, Any] = {"model": model, "messages": [{"role": "user", "content": content}]}
    if schema is not None:
        body["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": "test_answer", "strict": True, "schema": schema},
        }
    return {"custom_id": custom_id, "method": "POST", "url": url, "body": body}


def jsonl(lines: Iterable[Mapping[str, Any] | str]) -> bytes:
    return "".join((ln if isinstance(ln, str) else json.dumps(ln)) + "\n" for ln in lines).encode()


def upload(
    client: openai.OpenAI, lines: Iterable[Mapping[str, Any] | str], name: str = "in.jsonl"
) -> str:
    return client.files.create(file=(name, jsonl(lines)), purpose="batch").id


def submit(client: openai.OpenAI, lines: Iterable[Mapping[str, Any] | str], **kwargs: Any) -> Batch:
    return client.batches.create(
        input_file_id=upload(client, lines),
        endpoint=CHAT_COMPLETIONS_ENDPOINT,
        completion_window="24h",
        **kwargs,
    )


def wait_for(
    client: openai.OpenAI,
    batch_id: str,
    statuses: Iterable[str] = TERMINAL_STATUSES,
    timeout: float = 30.0,
) -> Batch:
    """Poll until the batch reaches one of ``statuses`` (polling, not a sleep, synchronises)."""
    wanted = set(statuses)
    deadline = time.monotonic() + timeout
    while True:
        batch = client.batches.retrieve(batch_id)
        if batch.status in wanted:
            return batch
        if time.monotonic() > deadline:
            raise AssertionError(f"batch {batch_id} still {batch.status} after {timeout}s")
        time.sleep(0.02)


def read_lines(client: openai.OpenAI, file_id: str | None) -> list[dict[str, Any]]:
    if not file_id:
        return []
    return [json.loads(line) for line in client.files.content(file_id).text.splitlines()]


def by_custom_id(lines: Iterable[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    return {line["custom_id"]: line for line in lines}


def user_message(content: Any = "hi") -> dict[str, Any]:
    return {"role": "user", "content": content}


# Each bad chat body, and the (param, code) of the service's 400: live and as batch lines.
BAD_BODIES: list[tuple[str, dict[str, Any], str | None, str | None]] = [
    ("unknown top-level key", {"messages": [user_message()], "temprature": 1}, None, None),
    ("no messages", {}, "messages", "missing_required_parameter"),
    ("messages not a list", {"messages": "hi"}, "messages", "invalid_type"),
    ("empty messages", {"messages": []}, "messages", "empty_array"),
    ("message without role", {"messages": [{"content": "hi"}]}, "messages[0].role",
     "missing_required_parameter"),
    ("unknown role", {"messages": [{"role": "bot", "content": "hi"}]}, "messages[0].role",
     "invalid_value"),
    ("user message without content", {"messages": [{"role": "user"}]}, "messages[0].content",
     "missing_required_parameter"),
    ("content of the wrong type", {"messages": [user_message(42)]}, "messages[0].content",
     "invalid_type"),
    ("unknown message key", {"messages": [{**user_message(), "mood": "x"}]}, None, None),
    ("content part without type", {"messages": [user_message([{"text": "hi"}])]},
     "messages[0].content[0].type", "missing_required_parameter"),
    ("content part of an unknown type", {"messages": [user_message([{"type": "video", "text": "x"}])]},
     "messages[0].content[0].type", "invalid_value"),
    ("text part without text", {"messages": [user_message([{"type": "text"}])]},
     "messages[0].content[0].text", "missing_required_parameter"),
    ("max_tokens as a string", {"messages": [user_message()], "max_tokens": "100"}, "max_tokens",
     "invalid_type"),
    ("max_completion_tokens of 0", {"messages": [user_message()], "max_completion_tokens": 0},
     "max_completion_tokens", "integer_below_min_value"),
    ("temperature above 2", {"messages": [user_message()], "temperature": 3}, "temperature",
     "decimal_above_max_value"),
    ("response_format of an unknown type", {"messages": [user_message()],
     "response_format": {"type": "xml"}}, "response_format.type", "invalid_value"),
    ("json_schema format without its schema", {"messages": [user_message()],
     "response_format": {"type": "json_schema"}}, "response_format.json_schema",
     "missing_required_parameter"),
    ("json_schema without a name", {"messages": [user_message()],
     "response_format": {"type": "json_schema", "json_schema": {"schema": {}}}},
     "response_format.json_schema.name", "missing_required_parameter"),
]  # fmt: skip

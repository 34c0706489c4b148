"""Answers to the requests of a batch, as the lines of its output and error files.

Every chat completion is complete (id, model, choices, usage, system_fingerprint) and says it comes
from the emulator. With a ``json_schema`` response format the content validates against the schema:
our four task schemas are answered by ``rules.tasks`` (rules on the posting text), any other schema
by :func:`schema_answer`. Token counts come from the same estimate the engine uses for costs.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator

from jobbatch_dagster.contract import CHAT_COMPLETIONS_ENDPOINT, EMULATOR_FINGERPRINT_PREFIX
from jobbatch_dagster.emulator.clock import Clock
from jobbatch_dagster.emulator.faults import LineFailure
from jobbatch_dagster.emulator.rules.schema_answer import schema_answer
from jobbatch_dagster.emulator.rules.tasks import task_answer
from jobbatch_dagster.tasks.tokens import (
    TOKENS_PER_REPLY,
    estimate_prompt_tokens,
    estimate_text_tokens,
)

log = logging.getLogger(__name__)

SYSTEM_FINGERPRINT = f"{EMULATOR_FINGERPRINT_PREFIX}_v1"
PLAIN_ANSWER = (
    "This is an emulator answer from the jobbatch offline Batch API emulator; no model was called. "
    "The last message had {chars} characters."
)
# OpenAI caches prompt prefixes of at least 1,024 tokens, in steps of 128 tokens.
CACHE_MIN_TOKENS = 1024
CACHE_STEP_TOKENS = 128
MAX_CHOICES = 8


@dataclass(frozen=True)
class Outcome:
    """One request's line and what it adds to the batch's counts and usage."""

    line: dict[str, Any]
    ok: bool
    prompt_tokens: int = 0
    cached_tokens: int = 0
    completion_tokens: int = 0


def request_id() -> str:
    return "req_" + secrets.token_hex(16)


def line_id() -> str:
    return "batch_req_" + secrets.token_hex(16)


def expired_line(custom_id: str) -> dict[str, Any]:
    return {
        "id": line_id(),
        "custom_id": custom_id,
        "response": None,
        "error": {
            "code": "batch_expired",
            "message": "This request could not be executed before the completion window expired.",
        },
    }


def _response_line(custom_id: str, status: int, body: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": line_id(),
        "custom_id": custom_id,
        "response": {"status_code": status, "request_id": request_id(), "body": body},
        "error": None,
    }


@lru_cache(maxsize=64)
def _validator(schema_text: str) -> Draft202012Validator:
    return Draft202012Validator(json.loads(schema_text))


@lru_cache(maxsize=64)
def _generic_answer_text(schema_text: str) -> str:
    return json.dumps(schema_answer(json.loads(schema_text)))


class Responder:
    """Answers one batch's requests; remembers prompt prefixes to report cached tokens."""

    def __init__(
        self, endpoint: str, faults: Mapping[str, Any], clock: Clock | None = None
    ) -> None:
        self.endpoint = endpoint
        self.clock = clock or Clock.resume(1.0, None)
        self.fail_lines = {
            cid: LineFailure.model_validate(f) for cid, f in faults.get("fail_lines", {}).items()
        }
        self.malformed = set(faults.get("malformed_json", []))
        self.schema_invalid = set(faults.get("schema_invalid", []))
        self._seen_prefixes: set[str] = set()

    def answer(self, custom_id: str, body: Mapping[str, Any]) -> Outcome:
        if custom_id in self.fail_lines:
            failure = self.fail_lines[custom_id]
            return Outcome(_response_line(custom_id, failure.status_code, failure.body()), ok=False)
        if self.endpoint != CHAT_COMPLETIONS_ENDPOINT:
            error = LineFailure(
                status_code=400,
                message=f"The jobbatch emulator answers {CHAT_COMPLETIONS_ENDPOINT} requests only, "
                f"not {self.endpoint}.",
                type="invalid_request_error",
                code="unsupported_endpoint",
            )
            return Outcome(_response_line(custom_id, 400, error.body()), ok=False)
        return self._chat_completion(custom_id, body)

    def _chat_completion(self, custom_id: str, body: Mapping[str, Any]) -> Outcome:
        messages: list[Mapping[str, Any]] = body["messages"]
        content = self._content(custom_id, body, messages)
        prompt = estimate_prompt_tokens(messages)
        cached = self._cached_tokens(messages)
        choices = max(1, min(int(body.get("n") or 1), MAX_CHOICES))
        completion = estimate_text_tokens(content) * choices
        completion_body = {
            "id": "chatcmpl-" + secrets.token_hex(12),
            "object": "chat.completion",
            "created": self.clock.stamp(),
            "model": body["model"],
            "choices": [
                {
                    "index": index,
                    "message": {
                        "role": "assistant",
                        "content": content,
                        "refusal": None,
                        "annotations": [],
                    },
                    "logprobs": None,
                    "finish_reason": "stop",
                }
                for index in range(choices)
            ],
            "usage": {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
                "prompt_tokens_details": {"cached_tokens": cached, "audio_tokens": 0},
                "completion_tokens_details": {
                    "reasoning_tokens": 0,
                    "audio_tokens": 0,
                    "accepted_prediction_tokens": 0,
                    "rejected_prediction_tokens": 0,
                },
            },
            "service_tier": "default",
            "system_fingerprint": SYSTEM_FINGERPRINT,
        }
        return Outcome(
            _response_line(custom_id, 200, completion_body),
            ok=True,
            prompt_tokens=prompt,
            cached_tokens=cached,
            completion_tokens=completion,
        )

    def _content(
        self, custom_id: str, body: Mapping[str, Any], messages: list[Mapping[str, Any]]
    ) -> str:
        response_format = body.get("response_format") or {}
        kind = response_format.get("type") if isinstance(response_format, Mapping) else None
        if kind == "json_schema":
            spec = response_format.get("json_schema") or {}
            schema = spec.get("schema") or {}
            answer = self._schema_answer(spec.get("name", ""), schema, messages)
            if custom_id in self.schema_invalid:
                answer = break_schema(answer)
            content = json.dumps(answer, ensure_ascii=False)
        elif kind == "json_object":
            content = json.dumps({"answer": _plain_answer(messages)})
        else:
            content = _plain_answer(messages)
        if custom_id in self.malformed:
            content = content[: len(content) // 2] or "{"  # truncated JSON, never parseable
        return content

    def _schema_answer(
        self, name: str, schema: Mapping[str, Any], messages: list[Mapping[str, Any]]
    ) -> Any:
        schema_text = json.dumps(schema, sort_keys=True)
        answer = task_answer(name, schema, messages)
        if answer is not None:
            errors = list(_validator(schema_text).iter_errors(answer))
            if not errors:
                return answer
            # A rule bug must not leak schema-invalid content to the engine; say so loudly.
            log.warning("task rule answer for %s is not schema-valid: %s", name, errors[0].message)
        return json.loads(_generic_answer_text(schema_text))

    def _cached_tokens(self, messages: list[Mapping[str, Any]]) -> int:
        """Tokens of a long system prefix already seen in this batch, in OpenAI's 128-token steps."""
        first = messages[0]
        if first.get("role") not in ("system", "developer"):
            return 0
        prefix_tokens = estimate_prompt_tokens([first]) - TOKENS_PER_REPLY
        if prefix_tokens < CACHE_MIN_TOKENS:
            return 0
        key = str(first.get("content"))
        if key not in self._seen_prefixes:
            self._seen_prefixes.add(key)
            return 0
        return (
            CACHE_MIN_TOKENS
            + (prefix_tokens - CACHE_MIN_TOKENS) // CACHE_STEP_TOKENS * CACHE_STEP_TOKENS
        )


def _plain_answer(messages: list[Mapping[str, Any]]) -> str:
    last = messages[-1].get("content")
    return PLAIN_ANSWER.format(chars=len(last) if isinstance(last, str) else 0)


def break_schema(answer: Any) -> Any:
    """The schema-invalid variant of a valid answer: an object loses a required-looking key
    (every key is required in strict schemas), anything else turns into the wrong type."""
    if isinstance(answer, dict) and answer:
        broken = dict(answer)
        broken.pop(next(iter(broken)))
        broken["emulator_fault"] = "schema_invalid"
        return broken
    if isinstance(answer, dict):
        return ["emulator_fault"]
    return {"emulator_fault": "schema_invalid"}

"""Chat completions for a batch's lines (:class:`Responder`) and for live calls (:class:`ChatAnswerer`).

Every chat completion is complete (id, model, choices, usage, system_fingerprint) and says it comes
from the emulator. With a ``json_schema`` response format the content validates against the schema:
our task schemas are answered by ``rules.tasks`` (rules on the posting text), any other schema by
:func:`schema_answer`; without one, ``rules.chat`` writes a labelled rule-based text. Token counts
come from the same estimate the engine uses for costs; cached tokens from :class:`PromptCache`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator

from jobbatch_dagster.contract import CHAT_COMPLETIONS_ENDPOINT, EMULATOR_FINGERPRINT_PREFIX
from jobbatch_dagster.emulator.chat_validation import check_chat_request
from jobbatch_dagster.emulator.clock import Clock
from jobbatch_dagster.emulator.errors import ApiError
from jobbatch_dagster.emulator.faults import LineFailure
from jobbatch_dagster.emulator.rules.chat import chat_answer
from jobbatch_dagster.emulator.rules.schema_answer import schema_answer
from jobbatch_dagster.emulator.rules.tasks import task_answer
from jobbatch_dagster.tasks.tokens import (
    TOKENS_PER_REPLY,
    estimate_body_prompt_tokens,
    estimate_prompt_tokens,
    estimate_text_tokens,
)

log = logging.getLogger(__name__)

SYSTEM_FINGERPRINT = f"{EMULATOR_FINGERPRINT_PREFIX}_v1"
# OpenAI caches prompt prefixes of at least 1,024 tokens, in steps of 128 tokens.
CACHE_MIN_TOKENS = 1024
CACHE_STEP_TOKENS = 128
MAX_CHOICES = 8
# Enough for every distinct prompt prefix of a 50,000-request batch, or a busy day of live calls.
MAX_CACHED_PREFIXES = 100_000


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


class PromptCache:
    """Prompt prefixes seen before, to report ``cached_tokens`` as the service does.

    The service caches a repeated prompt prefix of at least 1,024 tokens, in 128-token steps. Here
    a prefix is a run of whole leading messages (the static system prompt, or the earlier turns of
    a conversation); the longest one seen before counts. ``ttl_seconds`` (emulator time) forgets
    prefixes unused that long, as the service's cache does after minutes of inactivity; None keeps
    them (one batch's cache lives as long as the batch).
    """

    def __init__(self, clock: Clock, ttl_seconds: float | None = None) -> None:
        self.clock = clock
        self.ttl_seconds = ttl_seconds
        self._last_used: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def cached_tokens(self, messages: Sequence[Mapping[str, Any]]) -> int:
        """Tokens of the longest prefix seen before (0 if none); remembers this prompt's prefixes."""
        chain = hashlib.sha256()
        tokens = 0
        prefixes: list[tuple[str, int]] = []
        for message in messages:
            chain.update(json.dumps(message, sort_keys=True, ensure_ascii=False).encode())
            chain.update(b"\n")
            tokens += estimate_prompt_tokens([message]) - TOKENS_PER_REPLY
            if tokens >= CACHE_MIN_TOKENS:
                prefixes.append((chain.hexdigest(), tokens))
        if not prefixes:
            return 0
        now = self.clock.now()
        cached = 0
        with self._lock:
            self._forget_before(now)
            for key, prefix_tokens in prefixes:
                if key in self._last_used:
                    cached = prefix_tokens
                self._last_used[key] = now
                self._last_used.move_to_end(key)
            while len(self._last_used) > MAX_CACHED_PREFIXES:
                self._last_used.popitem(last=False)
        return cached // CACHE_STEP_TOKENS * CACHE_STEP_TOKENS

    def _forget_before(self, now: float) -> None:
        if self.ttl_seconds is None:
            return
        while self._last_used:
            key, used = next(iter(self._last_used.items()))
            if now - used < self.ttl_seconds:
                return
            del self._last_used[key]


@dataclass(frozen=True)
class Completion:
    """One chat completion object and its token counts."""

    body: dict[str, Any]
    prompt_tokens: int
    cached_tokens: int
    completion_tokens: int


class ChatAnswerer:
    """Answers chat-completions bodies that passed validation: for a batch or for live calls."""

    def __init__(self, clock: Clock, cache: PromptCache) -> None:
        self.clock = clock
        self.cache = cache

    def complete(
        self,
        body: Mapping[str, Any],
        *,
        malformed: bool = False,
        schema_invalid: bool = False,
        missing_verdict: bool = False,
    ) -> Completion:
        messages: list[Mapping[str, Any]] = body["messages"]
        content = answer_content(body, messages, schema_invalid, missing_verdict)
        if malformed:
            content = content[: len(content) // 2] or "{"  # truncated JSON, never parseable
        prompt = estimate_body_prompt_tokens(body)  # a json_schema is billed as prompt, too
        cached = self.cache.cached_tokens(messages)
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
        return Completion(completion_body, prompt, cached, completion)


class Responder:
    """Answers one batch's requests: per-line faults and validation, then a chat completion."""

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
        self.missing_verdict = set(faults.get("missing_verdict", []))
        self.answerer = ChatAnswerer(self.clock, PromptCache(self.clock))

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
        try:
            check_chat_request(body)
        except ApiError as error:
            # The service answers each line on its own: a bad body fails that line only.
            return Outcome(_response_line(custom_id, error.status, error.body()), ok=False)
        completion = self.answerer.complete(
            body,
            malformed=custom_id in self.malformed,
            schema_invalid=custom_id in self.schema_invalid,
            missing_verdict=custom_id in self.missing_verdict,
        )
        return Outcome(
            _response_line(custom_id, 200, completion.body),
            ok=True,
            prompt_tokens=completion.prompt_tokens,
            cached_tokens=completion.cached_tokens,
            completion_tokens=completion.completion_tokens,
        )


def answer_content(
    body: Mapping[str, Any],
    messages: list[Mapping[str, Any]],
    schema_invalid: bool = False,
    missing_verdict: bool = False,
) -> str:
    """The assistant's content: schema-valid JSON for a json_schema format, else labelled text.
    ``missing_verdict`` leaves the last posting's verdict out of a group answer."""
    response_format = body.get("response_format") or {}
    kind = response_format.get("type") if isinstance(response_format, Mapping) else None
    if kind == "json_schema":
        spec = response_format.get("json_schema") or {}
        answer = _schema_answer(spec.get("name", ""), spec.get("schema") or {}, messages)
        if schema_invalid:
            answer = break_schema(answer)
        if (
            missing_verdict
            and isinstance(answer, dict)
            and isinstance(answer.get("verdicts"), list)
        ):
            answer = {**answer, "verdicts": answer["verdicts"][:-1]}
        return json.dumps(answer, ensure_ascii=False)
    if kind == "json_object":
        return json.dumps({"answer": chat_answer(messages)}, ensure_ascii=False)
    return chat_answer(messages)


def _schema_answer(name: str, schema: Mapping[str, Any], messages: list[Mapping[str, Any]]) -> Any:
    schema_text = json.dumps(schema, sort_keys=True)
    answer = task_answer(name, schema, messages)
    if answer is not None:
        errors = list(_validator(schema_text).iter_errors(answer))
        if not errors:
            return answer
        # A rule bug must not leak schema-invalid content to the engine; say so loudly.
        log.warning("task rule answer for %s is not schema-valid: %s", name, errors[0].message)
    return json.loads(_generic_answer_text(schema_text))


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

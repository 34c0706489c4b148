"""Live (synchronous) chat completions through the ``openai`` SDK, for when a person is waiting.

The batch engine's twin for one call at a time: the same SDK (so ``OPENAI_API_KEY`` and
``OPENAI_BASE_URL`` work the same way), the same strict response formats, the same backend check
(the emulator marks its responses), and a price for every call at the model's live rates. Callers
speak in :class:`ChatMessage` and :class:`LiveAnswer`; the wire format stays in this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import openai

from jobbatch_dagster.batch.client import Backend, sdk_client
from jobbatch_dagster.batch.cost import CostBreakdown, priced
from jobbatch_dagster.batch.results import Usage
from jobbatch_dagster.contract import EMULATOR_HEADER
from jobbatch_dagster.tasks.base import Task, TaskResultError
from jobbatch_dagster.tasks.tokens import estimate_body_prompt_tokens


class LiveAnswerError(RuntimeError):
    """A live call that returned no usable answer (a refusal, no content, or a broken shape)."""


@dataclass(frozen=True)
class ChatMessage:
    role: str  # system | user | assistant
    content: str


@dataclass(frozen=True)
class LiveRequest:
    """One call: the messages, the model, an answer ceiling and, optionally, a strict answer shape."""

    messages: tuple[ChatMessage, ...]
    model: str
    max_output_tokens: int
    shape: Task | None = None  # the answer must be this task's schema (Structured Outputs)

    def body(self) -> dict[str, Any]:
        """The ``/v1/chat/completions`` body."""
        body: dict[str, Any] = {
            "model": self.model,
            "messages": [{"role": m.role, "content": m.content} for m in self.messages],
            "max_completion_tokens": self.max_output_tokens,
            "temperature": 0,
        }
        if self.shape is not None:
            body["response_format"] = self.shape.response_format()
        return body

    def estimate(self) -> CostBreakdown:
        """The most this call can cost: its prompt plus a full answer ceiling, at live prices."""
        return priced(
            self.model,
            requests=1,
            input_tokens=estimate_body_prompt_tokens(self.body()),
            cached_tokens=0,
            output_tokens=self.max_output_tokens,
        )


@dataclass(frozen=True)
class LiveAnswer:
    """The answer's text (JSON text for a shaped request), who answered, and what it cost."""

    content: str
    parsed: dict[str, Any] | None
    model: str
    backend: Backend
    usage: Usage
    cost: CostBreakdown  # ``live_usd`` is the call's price; None when the model has no price


class LiveClient:
    """Chat completions over one ``openai.OpenAI`` client (reads the key from the environment)."""

    def __init__(
        self,
        sdk: openai.OpenAI | None = None,
        *,
        max_retries: int | None = None,
        timeout: float | None = None,
    ) -> None:
        self.sdk = sdk_client(sdk, max_retries=max_retries, timeout=timeout)

    def __repr__(self) -> str:  # never shows the key
        return f"LiveClient(base_url={str(self.sdk.base_url)!r})"

    def complete(self, request: LiveRequest) -> LiveAnswer:
        """Make the call; raise :class:`LiveAnswerError` saying why when there is no usable answer."""
        raw = self.sdk.chat.completions.with_raw_response.create(**request.body())
        backend: Backend = "emulator" if EMULATOR_HEADER in raw.headers else "openai"
        completion = raw.parse()
        message = completion.choices[0].message if completion.choices else None
        if message is None or message.refusal:
            reason = message.refusal if message is not None else "no choices in the response"
            raise LiveAnswerError(f"{request.model} gave no answer: {reason}")
        content = message.content or ""
        parsed = _parsed(content, request.shape)
        usage = completion.usage
        details = usage.prompt_tokens_details if usage else None
        tokens = Usage(
            prompt_tokens=usage.prompt_tokens if usage else 0,
            cached_tokens=(details.cached_tokens or 0) if details else 0,
            completion_tokens=usage.completion_tokens if usage else 0,
        )
        cost = priced(
            completion.model or request.model,
            requests=1,
            input_tokens=tokens.prompt_tokens,
            cached_tokens=tokens.cached_tokens,
            output_tokens=tokens.completion_tokens,
        )
        return LiveAnswer(content, parsed, completion.model, backend, tokens, cost)


def _parsed(content: str, shape: Task | None) -> dict[str, Any] | None:
    if shape is None:
        if not content.strip():
            raise LiveAnswerError("the answer is empty")
        return None
    try:
        model = shape.parse_content(content)
    except TaskResultError as exc:
        raise LiveAnswerError(f"the answer does not have the requested shape: {exc}") from exc
    return model.model_dump(mode="json")

"""The checks the service runs on a ``/v1/chat/completions`` body, live or as one line of a batch.

The first problem found raises an :class:`ApiError` 400 with the service's ``type``, ``param`` and
``code``; a live call answers it, a batch writes it to the error file for that line only. The keys,
roles, content-part types and ranges come from the spec (``CreateChatCompletionRequest`` and the
``ChatCompletionRequest*Message`` schemas); the wording follows the service's own 400s (see
docs/emulator.md, "Request validation", for each rule's source).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from jobbatch_dagster.emulator.errors import ApiError, invalid, missing, unsupported

# Top-level keys of CreateChatCompletionRequest (with CreateModelResponseProperties) in the spec.
REQUEST_KEYS = frozenset(
    {
        "audio", "frequency_penalty", "function_call", "functions", "logit_bias", "logprobs",
        "max_completion_tokens", "max_tokens", "messages", "metadata", "modalities", "model",
        "moderation", "n", "parallel_tool_calls", "prediction", "presence_penalty",
        "prompt_cache_key", "prompt_cache_options", "prompt_cache_retention", "reasoning_effort",
        "response_format", "safety_identifier", "seed", "service_tier", "stop", "store", "stream",
        "stream_options", "temperature", "tool_choice", "tools", "top_logprobs", "top_p", "user",
        "verbosity", "web_search_options",
    }
)  # fmt: skip
ROLES = ("system", "assistant", "user", "function", "tool", "developer")
# Per role: the keys a message may carry, the ones it must, and the content-part types it takes.
MESSAGE_KEYS: dict[str, frozenset[str]] = {
    "system": frozenset({"role", "content", "name"}),
    "developer": frozenset({"role", "content", "name"}),
    "user": frozenset({"role", "content", "name"}),
    "assistant": frozenset(
        {"role", "content", "name", "refusal", "audio", "tool_calls", "function_call"}
    ),
    "tool": frozenset({"role", "content", "tool_call_id"}),
    "function": frozenset({"role", "content", "name"}),
}
REQUIRED_MESSAGE_KEYS: dict[str, tuple[str, ...]] = {
    "system": ("content",),
    "developer": ("content",),
    "user": ("content",),
    "assistant": (),
    "tool": ("content", "tool_call_id"),
    "function": ("content", "name"),
}
PART_TYPES: dict[str, tuple[str, ...]] = {
    "system": ("text",),
    "developer": ("text",),
    "user": ("text", "image_url", "input_audio", "file"),
    "assistant": ("text", "refusal"),
    "tool": ("text",),
    "function": ("text",),
}
PART_TEXT_KEY = {"text": "text", "refusal": "refusal"}
RESPONSE_FORMAT_TYPES = ("text", "json_object", "json_schema")
SCHEMA_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
# Scalar parameters: (expected kind, minimum, maximum), every one nullable as in the spec.
SCALARS: dict[str, tuple[str, float | None, float | None]] = {
    "max_tokens": ("integer", 1, None),
    "max_completion_tokens": ("integer", 1, None),
    "n": ("integer", 1, 128),
    "top_logprobs": ("integer", 0, 20),
    "seed": ("integer", None, None),
    "temperature": ("number", 0, 2),
    "top_p": ("number", 0, 1),
    "presence_penalty": ("number", -2, 2),
    "frequency_penalty": ("number", -2, 2),
    "logprobs": ("boolean", None, None),
    "store": ("boolean", None, None),
    "stream": ("boolean", None, None),
    "parallel_tool_calls": ("boolean", None, None),
    "user": ("string", None, None),
    "metadata": ("object", None, None),
}


def type_name(value: Any) -> str:
    """How the service names a JSON value's type in its ``invalid_type`` messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a decimal"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def wrong_type(param: str, expected: str, value: Any) -> ApiError:
    return invalid(
        f"Invalid type for '{param}': expected {expected}, but got {type_name(value)} instead.",
        param,
        "invalid_type",
    )


def check_chat_request(body: Any) -> None:
    """Raise the service's 400 for the first problem of a chat-completions body, if any."""
    if not isinstance(body, Mapping):
        raise wrong_type("body", "an object", body)
    for key in body:
        if key not in REQUEST_KEYS:
            raise invalid(f"Unrecognized request argument supplied: {key}", None, None)
    if not isinstance(body.get("model"), str) or not body["model"]:
        # The service's own wording for a missing model, with neither param nor code.
        raise invalid("you must provide a model parameter", None, None)
    if "messages" not in body or body["messages"] is None:
        raise missing("messages")
    _check_messages(body["messages"])
    for key, (kind, low, high) in SCALARS.items():
        if body.get(key) is not None:
            _check_scalar(key, body[key], kind, low, high)
    if body.get("response_format") is not None:
        _check_response_format(body["response_format"])


def _check_messages(messages: Any) -> None:
    if not isinstance(messages, list):
        raise wrong_type("messages", "an array", messages)
    if not messages:
        raise invalid(
            "Invalid 'messages': empty array. Expected an array with minimum length 1, but got "
            "an empty array instead.",
            "messages",
            "empty_array",
        )
    for index, message in enumerate(messages):
        _check_message(f"messages[{index}]", message)


def _kind(param: str, value: Any, key: str, allowed: tuple[str, ...]) -> str:
    """The discriminating key of an object (a message's role, a part's or format's type)."""
    if not isinstance(value, Mapping):
        raise wrong_type(param, "an object", value)
    if key not in value:
        raise missing(f"{param}.{key}")
    if value[key] not in allowed:
        raise unsupported(value[key], allowed, f"{param}.{key}")
    return str(value[key])


def _check_message(param: str, message: Any) -> None:
    role = _kind(param, message, "role", ROLES)
    for key in message:
        if key not in MESSAGE_KEYS[role]:
            # The service reports extra message keys in its JSON-schema wording, without a param.
            index = param.removeprefix("messages[").rstrip("]")
            raise invalid(
                f"Additional properties are not allowed ('{key}' was unexpected) - "
                f"'messages.{index}'",
                None,
                None,
            )
    for key in REQUIRED_MESSAGE_KEYS[role]:
        if key not in message:
            raise missing(f"{param}.{key}")
    content = message.get("content")
    if content is None and role in ("assistant", "function"):
        return  # an assistant turn may carry tool calls only; a function result may be null
    if isinstance(content, str):
        return
    if not isinstance(content, list):
        raise wrong_type(f"{param}.content", "one of a string or array of objects", content)
    for index, part in enumerate(content):
        _check_part(f"{param}.content[{index}]", part, PART_TYPES[role])


def _check_part(param: str, part: Any, allowed: tuple[str, ...]) -> None:
    kind = _kind(param, part, "type", allowed)
    text_key = PART_TEXT_KEY.get(kind)
    if text_key is None:
        if kind not in part:  # image_url, input_audio and file carry an object under their type
            raise missing(f"{param}.{kind}")
        return
    if text_key not in part:
        raise missing(f"{param}.{text_key}")
    if not isinstance(part[text_key], str):
        raise wrong_type(f"{param}.{text_key}", "a string", part[text_key])


def _check_scalar(param: str, value: Any, kind: str, low: float | None, high: float | None) -> None:
    is_bool = isinstance(value, bool)
    fits = {
        "integer": isinstance(value, int) and not is_bool,
        "number": isinstance(value, (int, float)) and not is_bool,
        "boolean": is_bool,
        "string": isinstance(value, str),
        "object": isinstance(value, Mapping),
    }[kind]
    if not fits:
        article = "an" if kind[0] in "aeiou" else "a"
        raise wrong_type(param, f"{article} {'decimal' if kind == 'number' else kind}", value)
    if kind not in ("integer", "number"):
        return
    noun = "integer" if kind == "integer" else "decimal"
    if low is not None and value < low:
        raise invalid(
            f"Invalid '{param}': {noun} below minimum value. Expected a value >= {low:g}, but "
            f"got {value} instead.",
            param,
            f"{noun}_below_min_value",
        )
    if high is not None and value > high:
        raise invalid(
            f"Invalid '{param}': {noun} above maximum value. Expected a value <= {high:g}, but "
            f"got {value} instead.",
            param,
            f"{noun}_above_max_value",
        )


def _check_response_format(value: Any) -> None:
    if _kind("response_format", value, "type", RESPONSE_FORMAT_TYPES) != "json_schema":
        return
    spec = value.get("json_schema")
    if spec is None:
        raise missing("response_format.json_schema")
    if not isinstance(spec, Mapping):
        raise wrong_type("response_format.json_schema", "an object", spec)
    if "name" not in spec:
        raise missing("response_format.json_schema.name")
    name = spec["name"]
    if not isinstance(name, str) or not SCHEMA_NAME.match(name):
        raise invalid(
            "Invalid 'response_format.json_schema.name': string does not match pattern. "
            "Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$' (at most 64 "
            "characters).",
            "response_format.json_schema.name",
            "invalid_value",
        )
    schema = spec.get("schema")
    if schema is not None and not isinstance(schema, Mapping):
        raise wrong_type("response_format.json_schema.schema", "an object", schema)
    strict = spec.get("strict")
    if strict is not None and not isinstance(strict, bool):
        raise wrong_type("response_format.json_schema.strict", "a boolean", strict)

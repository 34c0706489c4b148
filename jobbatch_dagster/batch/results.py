"""Reading output and error files into one :class:`RequestResult` per request, streamed.

Lines are matched by ``custom_id`` (the provider does not keep input order). A model answer that is
not JSON, or not the task's schema, is an error on that request (``invalid_json_content``,
``schema_mismatch``), never an exception for the file; a line of the file itself that cannot be read
is a :class:`CorruptLine` with its line number. Files are read line by line, so a 200 MB output
file costs one line of memory.

A line that judged several postings (its custom id among ``groups``, from the manifest or the
ledger) becomes one result per posting, under the posting's own custom id with the line's in
``request_id``: its verdict as the task's answer, or why there is none (``missing_verdict``, which is
retried; ``schema_mismatch`` for a garbled verdict, which gets a repair resend). The line's usage is
shared out in whole tokens that add up to it, so costs summed over postings are the line's.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Annotated, Any

import msgspec
import orjson
from pydantic import ValidationError

from jobbatch_dagster.batch.failures import is_retryable
from jobbatch_dagster.tasks.base import Task, TaskResultError

# A group line's custom id -> {posting id in the line: the posting's own custom id}.
Groups = Mapping[str, Mapping[str, str]]


def group_map(members: Iterable[tuple[str | None, str | None, str]]) -> dict[str, dict[str, str]]:
    """Groups from ``(line custom id, posting id, posting custom id)``; a request of its own (no
    line id) is left out."""
    groups: dict[str, dict[str, str]] = {}
    for line_id, key, custom_id in members:
        if line_id:
            groups.setdefault(line_id, {})[key or ""] = custom_id
    return groups


@dataclass(frozen=True)
class RequestError:
    code: str
    message: str


# RequestResult and Usage are built once per line and never changed after; they are not
# frozen because a frozen dataclass sets each field through object.__setattr__, which made
# building them a fifth of reading a line.
@dataclass(slots=True)
class Usage:
    prompt_tokens: int = 0
    cached_tokens: int = 0
    completion_tokens: int = 0


@dataclass(slots=True)
class RequestResult:
    """The outcome of one request as the provider reported it."""

    custom_id: str
    success: bool
    content: str | None = None
    parsed: dict[str, Any] | None = None
    error: RequestError | None = None
    status_code: int | None = None
    usage: Usage = field(default_factory=Usage)
    batch_request_id: str | None = None
    model: str | None = None
    line: int = 0  # 1-based line in the file it came from
    request_id: str | None = None  # the line's custom id, when the line judged several postings

    def as_dict(self, after: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The seed's result shape (custom_id, success, content, error, parsed) and the rest,
        with ``retryable``: whether a failed request may succeed if sent again (failures.py).
        With ``after``, its keys come first and these win over them (no second dict to merge into)."""
        # Field by field, not dataclasses.asdict: asdict deep-copies the parsed answer and was
        # three quarters of parse_results' time.
        error = self.error
        return {
            **(after or {}),
            "custom_id": self.custom_id,
            "success": self.success,
            "content": self.content,
            "parsed": self.parsed,
            "error": None if error is None else {"code": error.code, "message": error.message},
            "status_code": self.status_code,
            "usage": {
                "prompt_tokens": self.usage.prompt_tokens,
                "cached_tokens": self.usage.cached_tokens,
                "completion_tokens": self.usage.completion_tokens,
            },
            "batch_request_id": self.batch_request_id,
            "model": self.model,
            "line": self.line,
            "request_id": self.request_id,
            "retryable": error is not None and is_retryable(error.code, self.status_code),
        }


@dataclass(frozen=True)
class CorruptLine:
    """A line of an output or error file that is not a result line at all."""

    path: str
    line: int
    reason: str


def _error_of(line: dict[str, Any], response: dict[str, Any] | None) -> RequestError | None:
    top = line.get("error")
    if isinstance(top, dict):
        return RequestError(str(top.get("code") or "error"), str(top.get("message") or ""))
    if response is None:
        return RequestError("no_response", "the line has neither a response nor an error")
    status = response.get("status_code")
    body = response.get("body") if isinstance(response.get("body"), dict) else {}
    if isinstance(body.get("error"), dict):
        err = body["error"]
        return RequestError(
            str(err.get("code") or err.get("type") or f"http_{status}"),
            str(err.get("message") or ""),
        )
    if status != 200:
        return RequestError(f"http_{status}", f"the request returned HTTP {status}")
    return None


def _usage_of(body: dict[str, Any]) -> Usage:
    usage = body.get("usage") or {}
    details = usage.get("prompt_tokens_details") or {}
    return Usage(
        int(usage.get("prompt_tokens") or 0),
        int(details.get("cached_tokens") or 0),
        int(usage.get("completion_tokens") or 0),
    )


def _answer_of(
    body: dict[str, Any], task: Task | None
) -> tuple[str | None, dict | None, RequestError | None]:
    """The message content, its parsed form, and what is wrong with it if anything."""
    choices = body.get("choices") or []
    message = choices[0].get("message") if choices and isinstance(choices[0], dict) else None
    if not isinstance(message, dict):
        return None, None, RequestError("no_content", "the response has no message")
    if message.get("refusal"):
        return None, None, RequestError("refusal", str(message["refusal"]))
    return _checked_answer(message.get("content"), task)


def _checked_answer(
    content: Any, task: Task | None
) -> tuple[str | None, dict | None, RequestError | None]:
    """An answer's text, its parsed form, and what is wrong with it if anything."""
    if task is None:
        return content, None, None
    if not isinstance(content, str) or not content or content.isspace():  # isspace copies nothing
        return content, None, RequestError("invalid_json_content", "the answer is empty, not JSON")
    # One pass over the answer: the task's quick read or its compiled validator parses and checks
    # it together; the validator tells a text that is not JSON at all from JSON of the wrong shape.
    try:
        parsed = task.read_answer(content)
    except TaskResultError as exc:
        cause = exc.__cause__
        if isinstance(cause, ValidationError) and cause.errors()[0]["type"] == "json_invalid":
            message = f"the answer is not JSON: {cause.errors()[0]['msg']}"
            return content, None, RequestError("invalid_json_content", message)
        return content, None, RequestError("schema_mismatch", str(exc))
    return content, parsed, None


# The shape of nearly every output line: an answered request (HTTP 200, a message, no error).
# msgspec decodes a line straight into it, checking the shape as it goes and skipping the fields
# nothing reads, in about half the time of building the line's dicts. A line of any other shape
# fails that decode and is read field by field instead (parse_result_line), so the two ways agree
# on every line: a type here is never looser than what the general way accepts, and token counts
# stay within 64 bits, where orjson (the general way) still reads integers exactly.
# The structs are not tracked by the garbage collector (gc=False): decoded data never forms a cycle,
# and tracking each line's seven structs made the collector a third of the decode.
_Count = Annotated[int, msgspec.Meta(ge=-(2**63), le=2**63 - 1)]


class _Message(msgspec.Struct, gc=False):
    content: str | None = None
    refusal: None = None  # a refusal is read the general way


class _Choice(msgspec.Struct, gc=False):
    message: _Message


class _PromptDetails(msgspec.Struct, gc=False):
    cached_tokens: _Count | None = None


class _Usage(msgspec.Struct, gc=False):
    prompt_tokens: _Count | None = None
    completion_tokens: _Count | None = None
    prompt_tokens_details: _PromptDetails | None = None


class _Body(msgspec.Struct, gc=False):
    choices: list[_Choice]
    model: str | None = None
    usage: _Usage | None = None
    error: None = None


class _Response(msgspec.Struct, gc=False):
    status_code: int
    body: _Body


class _AnsweredLine(msgspec.Struct, gc=False):
    custom_id: str
    response: _Response
    id: str | None = None
    error: None = None


_decode_answered = msgspec.json.Decoder(_AnsweredLine).decode
_NO_USAGE = _Usage()
_NO_DETAILS = _PromptDetails()


def _answered(raw: bytes | str, task: Task | None, lineno: int) -> RequestResult | None:
    """The result of a line of the common shape (above), or None for any other line."""
    try:
        line = _decode_answered(raw)
    except msgspec.DecodeError:  # not JSON, or not of this shape (ValidationError is a kind)
        return None
    response = line.response
    body = response.body
    if response.status_code != 200 or not body.choices:
        return None
    content, parsed, error = _checked_answer(body.choices[0].message.content, task)
    usage = body.usage or _NO_USAGE
    details = usage.prompt_tokens_details or _NO_DETAILS
    # In field order, not by keyword: matching ten keywords took 0.55 µs of this call, run once
    # per line of a 50,000-line output.
    return RequestResult(
        line.custom_id,  # custom_id
        error is None,  # success
        content,
        parsed,
        error,
        200,  # status_code
        Usage(usage.prompt_tokens or 0, details.cached_tokens or 0, usage.completion_tokens or 0),
        line.id,  # batch_request_id
        body.model,  # model
        lineno,  # line
    )


def parse_result_line(raw: bytes | str, task: Task | None, lineno: int = 0) -> RequestResult:
    """One output or error line; raise ValueError when the line itself is unreadable."""
    answered = _answered(raw, task, lineno)
    return answered if answered is not None else _read_field_by_field(raw, task, lineno)


def _read_field_by_field(raw: bytes | str, task: Task | None, lineno: int) -> RequestResult:
    """Any line, each field looked up and checked on its own: the general way."""
    try:
        line = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ValueError(f"invalid JSON: {exc}") from exc
    if not isinstance(line, dict) or not isinstance(line.get("custom_id"), str):
        raise ValueError("not a result line (no custom_id)")
    response = line.get("response") if isinstance(line.get("response"), dict) else None
    body = response.get("body") if response and isinstance(response.get("body"), dict) else {}
    error = _error_of(line, response)
    content = parsed = None
    if error is None:
        content, parsed, error = _answer_of(body, task)
    return RequestResult(
        custom_id=line["custom_id"],
        success=error is None,
        content=content,
        parsed=parsed,
        error=error,
        status_code=response.get("status_code") if response else None,
        usage=_usage_of(body),
        batch_request_id=line.get("id"),
        model=body.get("model"),
        line=lineno,
    )


def split_evenly(total: int, parts: int) -> list[int]:
    """``total`` in ``parts`` whole shares that add up to it exactly, the larger ones first."""
    base, extra = divmod(total, parts)
    return [base + (n < extra) for n in range(parts)]


def _usages(usage: Usage, parts: int) -> list[Usage]:
    """A line's usage shared out over its postings, each count adding up to the line's."""
    return [
        Usage(*shares)
        for shares in zip(
            split_evenly(usage.prompt_tokens, parts),
            split_evenly(usage.cached_tokens, parts),
            split_evenly(usage.completion_tokens, parts),
            strict=True,
        )
    ]


def _unusable_code(content: str | None) -> str:
    """Why a whole answer is unusable: not JSON at all, or JSON of the wrong shape."""
    try:
        json.loads(content or "")
    except json.JSONDecodeError:
        return "invalid_json_content"
    return "schema_mismatch"


def expand_group(
    result: RequestResult, task: Task, members: Mapping[str, str]
) -> list[RequestResult]:
    """One result per posting of a line that judged several (module doc); ``result`` is the line
    read without a task, so its content is the answer as it came."""
    keys = list(members)
    usages = _usages(result.usage, len(keys))
    line = {"request_id": result.custom_id}
    if not result.success:
        return [
            replace(result, custom_id=members[k], usage=u, **line)
            for k, u in zip(keys, usages, strict=True)
        ]
    try:
        answers = task.grouped().split(result.content, keys)
    except TaskResultError as exc:
        error = RequestError(_unusable_code(result.content), str(exc))
        return [
            replace(result, custom_id=members[k], usage=u, success=False, error=error, **line)
            for k, u in zip(keys, usages, strict=True)
        ]
    expanded = []
    for key, usage in zip(keys, usages, strict=True):
        answer = answers.get(key)
        posting = replace(result, custom_id=members[key], usage=usage, content=None, **line)
        if answer is None:
            message = f"the answer to line {result.custom_id} has no verdict for posting id {key!r}"
            posting = replace(
                posting, success=False, error=RequestError("missing_verdict", message)
            )
        elif isinstance(answer, str):
            posting = replace(posting, success=False, error=RequestError("schema_mismatch", answer))
        else:
            content = json.dumps(answer, ensure_ascii=False)
            posting = replace(posting, content=content, parsed=answer)
        expanded.append(posting)
    return expanded


def parse_result_lines(
    raw: bytes | str, task: Task | None, lineno: int = 0, groups: Groups | None = None
) -> list[RequestResult]:
    """The results of one output or error line: one, or one per posting of a group line."""
    if not groups or task is None:
        return [parse_result_line(raw, task, lineno)]
    result = parse_result_line(raw, None, lineno)
    members = groups.get(result.custom_id)
    if members is None:
        return [parse_result_line(raw, task, lineno)]
    return expand_group(result, task, members)


class _FullPassHold:
    """The process's one hold on the collector's full passes: how many readers share it, and the
    thresholds to restore when the last one leaves (taken when the first one comes in)."""

    NO_FULL_PASS = 1 << 30  # the oldest generation's threshold while held: its passes never start

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.readers = 0
        self.before = gc.get_threshold()

    def enter(self) -> None:
        with self.lock:
            if self.readers == 0:
                self.before = gc.get_threshold()
                young, middle, _ = self.before
                gc.set_threshold(young, middle, self.NO_FULL_PASS)
            self.readers += 1

    def leave(self) -> None:
        with self.lock:
            self.readers -= 1
            if self.readers == 0:
                gc.set_threshold(*self.before)


_HOLD = _FullPassHold()


@contextlib.contextmanager
def full_collections_held() -> Iterator[None]:
    """Hold off the garbage collector's full passes while a whole output is read into objects.

    Reading keeps every result, so each full pass rescans all those read so far: on a 36,000-line
    output that was a sixth of the read. The young generations still collect, so the reference
    cycles that a refused answer's or an unreadable line's exception leaves are freed as they come
    (with the collector off altogether, a 36,000-line output of refused answers held 170 MB more).
    Threads reading at once share the hold; the last one out restores the thresholds, also when
    its read fails."""
    _HOLD.enter()
    try:
        yield
    finally:
        _HOLD.leave()


class ResultFile:
    """Iterate the results in an output or error file; unreadable lines collect in ``corrupt``.
    With ``groups``, a group line gives one result per posting (module doc)."""

    def __init__(
        self, path: str | os.PathLike[str], task: Task | None = None, groups: Groups | None = None
    ) -> None:
        self.path = str(path)
        self.task = task
        self.groups = groups
        self.corrupt: list[CorruptLine] = []

    def __iter__(self) -> Iterator[RequestResult]:
        self.corrupt = []  # each pass reports what it found, once
        task, groups = self.task, self.groups
        # Lines of a kilobyte or two each: a 1 MB buffer reads them in a third of the time.
        with open(self.path, "rb", buffering=1 << 20) as fh:
            for lineno, raw in enumerate(fh, start=1):
                if raw.isspace():  # a blank line (isspace copies nothing, strip copies the line)
                    continue
                try:
                    yield from parse_result_lines(raw, task, lineno, groups)
                except ValueError as exc:
                    self.corrupt.append(CorruptLine(self.path, lineno, str(exc)))

"""From scraped job dicts to Batch API request lines, one posting at a time.

A job dict is the seed's ``scrape_results`` item: ``title`` and ``description`` are required;
``company``, ``location``, ``compensation``, ``posted_date``, ``url`` and ``id`` are optional.
The model sees only the content fields (:data:`POSTING_FIELDS`), normalised: that content, together
with task, prompt version and model, is the request fingerprint. Two postings with the same
fingerprint get the same answer, so an answered fingerprint is never sent again ("never pay twice"),
whatever its id, URL or scrape day. A job that cannot be used becomes a :class:`JobRejection` with
its index and the reason; it never stops the others.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from jobbatch_dagster.contract import CHAT_COMPLETIONS_ENDPOINT
from jobbatch_dagster.sources.fields import REQUIRED_FIELDS
from jobbatch_dagster.sources.text import normalize_whitespace, truncate
from jobbatch_dagster.tasks.base import Task, canonical_context
from jobbatch_dagster.tasks.profile import LeadProfile
from jobbatch_dagster.tasks.tokens import estimate_body_prompt_tokens, estimate_prompt_tokens

# What the model reads, in this order; ``id`` and ``url`` identify a posting but do not change it.
POSTING_FIELDS = ("title", "company", "location", "compensation", "posted_date", "description")


@dataclass(frozen=True)
class JobRejection:
    """A job that was not turned into a request: where it was in the input, and why."""

    index: int
    reason: str
    job_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"index": self.index, "job_id": self.job_id, "reason": self.reason}


@dataclass(frozen=True)
class PreparedPosting:
    """A valid job: its identity (id, url) apart from the normalised content the model reads."""

    index: int
    job_id: str | None
    url: str | None
    posting: dict[str, str]
    truncated: bool


def normalise_text(text: str) -> str:
    """The project's one text normalisation (sources'), lines kept: a raw job dict and a posting
    read by the scraper readers fingerprint alike."""
    return normalize_whitespace(text, keep_newlines=True)


def truncate_description(text: str, max_chars: int) -> tuple[str, bool]:
    """Keep the first ``max_chars`` characters and say so visibly; never drop the posting."""
    return truncate(text, max_chars)


def _text_field(job: Mapping[str, Any], key: str) -> str | None:
    value = job.get(key)
    if value is None:
        return None
    if isinstance(value, date):
        return value.isoformat()
    if not isinstance(value, str):
        raise TypeError(f"field {key!r} must be a string, got {type(value).__name__}")
    return normalise_text(value) or None


def prepare_posting(
    job: object, index: int, max_description_chars: int, context_fields: tuple[str, ...] = ()
) -> PreparedPosting:
    """Validate and normalise one job; raise ValueError/TypeError saying what is wrong.

    ``context_fields`` (a lead task's, e.g. ``analysis``) are kept beside the content fields as
    canonical JSON text, so they reach the request and its fingerprint; a missing one is ``null``.
    """
    if not isinstance(job, Mapping):
        raise TypeError(f"a job must be a JSON object (mapping), got {type(job).__name__}")
    raw_id = job.get("id")
    if raw_id is not None and (isinstance(raw_id, bool) or not isinstance(raw_id, str | int)):
        raise TypeError(f"field 'id' must be a string or an integer, got {type(raw_id).__name__}")
    posting: dict[str, str] = {}
    for key in POSTING_FIELDS:
        value = _text_field(job, key)
        if value is None and key in REQUIRED_FIELDS:
            raise ValueError(f"missing or empty required field {key!r}")
        if value is not None:
            posting[key] = value
    posting["description"], truncated = truncate_description(
        posting["description"], max_description_chars
    )
    for key in context_fields:
        posting[key] = canonical_context(job.get(key), key)
    job_id = None if raw_id is None else str(raw_id).strip() or None
    return PreparedPosting(index, job_id, _text_field(job, "url"), posting, truncated)


def request_fingerprint(
    task: Task, prompt_version: str, model: str, posting: Mapping[str, str]
) -> str:
    """sha256 of (task, prompt version, model, normalised posting): equal means the same answer.

    Each field is framed by its name and length, so no text can pose as another field; hashing the
    raw text skips a second JSON encoding of the posting (it is encoded once for the body already).
    """
    digest = hashlib.sha256(f"{task.name}\0{prompt_version}\0{model}".encode())
    for key in sorted(posting):
        value = posting[key]
        digest.update(f"\0{key}\0{len(value)}\0{value}".encode())
    return digest.hexdigest()


def posting_fingerprint(
    job: Mapping[str, Any], task: Task, model: str, profile: LeadProfile, max_description_chars: int
) -> str:
    """The request fingerprint a job would get, without building anything (for skip lists)."""
    prepared = prepare_posting(job, 0, max_description_chars, task.context_fields)
    return request_fingerprint(task, task.prompt_version(profile), model, prepared.posting)


@dataclass(frozen=True)
class EncodedRequest:
    """One request line, encoded once: what is written is exactly what was counted."""

    custom_id: str
    line: bytes  # UTF-8 JSON object plus b"\n"
    prompt_tokens: int


class RequestEncoder:
    """Encodes request lines for one task, model and profile.

    Everything that is the same for every request (method, url, model, system prompt, schema) is
    encoded once, from a template body; each line then costs one ``build_body`` (so the task alone
    decides the body) and the JSON encoding of its custom id and posting message only. A body that
    differs from the template anywhere else is encoded whole, so the output is always exactly
    ``json.dumps`` of the request.
    """

    def __init__(self, task: Task, model: str, profile: LeadProfile) -> None:
        self.task = task
        self.model = model
        self.profile = profile
        self.prompt_version = task.prompt_version(profile)
        self._template = task.build_body(_TEMPLATE_POSTING, model, profile)
        self._slot = next(
            i for i, m in enumerate(self._template["messages"]) if m["role"] == "user"
        )
        self._template_user = self._template["messages"][self._slot]["content"]
        encoded = _dumps(_request(_TEMPLATE_ID, self._template))
        head, rest = encoded.split(_dumps(_TEMPLATE_ID), 1)
        middle, tail = rest.split(_dumps(self._template_user), 1)
        self._parts = (head, middle, tail + "\n")
        # The cost module counts the response schema as prompt tokens; it is the same every line.
        template_messages = estimate_prompt_tokens(self._template["messages"])
        self._schema_tokens = estimate_body_prompt_tokens(self._template) - template_messages

    def fingerprint(self, posting: Mapping[str, str]) -> str:
        return request_fingerprint(self.task, self.prompt_version, self.model, posting)

    def encode(self, custom_id: str, posting: Mapping[str, str]) -> EncodedRequest:
        body = self.task.build_body(posting, self.model, self.profile)
        messages = body["messages"]
        tokens = estimate_prompt_tokens(messages) + self._schema_tokens
        user = messages[self._slot]["content"] if len(messages) > self._slot else None
        if isinstance(user, str):
            messages[self._slot] = {**messages[self._slot], "content": self._template_user}
            if body == self._template:
                head, middle, tail = self._parts
                line = f"{head}{_dumps(custom_id)}{middle}{_dumps(user)}{tail}"
                return EncodedRequest(custom_id, line.encode(), tokens)
            messages[self._slot] = {**messages[self._slot], "content": user}
        line = _dumps(_request(custom_id, body)) + "\n"
        return EncodedRequest(custom_id, line.encode(), estimate_body_prompt_tokens(body))


_TEMPLATE_POSTING = {"title": "\x00title", "description": "\x00description"}
_TEMPLATE_ID = "\x00custom_id"


def _request(custom_id: str, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "custom_id": custom_id,
        "method": "POST",
        "url": CHAT_COMPLETIONS_ENDPOINT,
        "body": body,
    }


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

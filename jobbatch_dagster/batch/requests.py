"""From scraped job dicts to Batch API request lines, one posting at a time.

A job dict is the seed's ``scrape_results`` item: ``title`` and ``description`` are required;
``company``, ``location``, ``compensation``, ``posted_date``, ``url`` and ``id`` are optional.
The model sees only the content fields (:data:`POSTING_FIELDS`), normalised: that content, together
with task, prompt version and model, is the request fingerprint. Two postings with the same
fingerprint get the same answer, so an answered fingerprint is never sent again ("never pay twice"),
whatever its id, URL or scrape day. A job that cannot be used becomes a :class:`JobRejection` with
its index and the reason; it never stops the others.

A stage that judges several postings per request (``postings_per_request`` above 1) still
fingerprints each posting on its own, under the grouped prompt's version: one line then carries
several fingerprints, each answered, retried and reused by itself.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import orjson

from jobbatch_dagster.batch.brief import BRIEF_LEAVES_OUT, brief_description
from jobbatch_dagster.contract import CHAT_COMPLETIONS_ENDPOINT
from jobbatch_dagster.sources.fields import REQUIRED_FIELDS
from jobbatch_dagster.sources.text import normalize_whitespace, truncate
from jobbatch_dagster.tasks.base import GroupedTask, Task, canonical_context
from jobbatch_dagster.tasks.profile import LeadProfile
from jobbatch_dagster.tasks.tokens import estimate_body_prompt_tokens, estimate_text_tokens

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


# PreparedPosting and EncodedRequest are built once per posting of a build and never changed;
# they are slotted, not frozen, since a frozen dataclass sets each field through
# object.__setattr__.
@dataclass(slots=True)
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
    if type(value) is str:  # nearly every field: one exact type check before the general ones
        return normalise_text(value) or None
    if value is None:
        return None
    if isinstance(value, date):
        return value.isoformat()
    if not isinstance(value, str):
        raise TypeError(f"field {key!r} must be a string, got {type(value).__name__}")
    return normalise_text(value) or None


def prepare_posting(
    job: object,
    index: int,
    max_description_chars: int,
    context_fields: tuple[str, ...] = (),
    description_chars: int | None = None,
) -> PreparedPosting:
    """Validate and normalise one job; raise ValueError/TypeError saying what is wrong.

    ``description_chars`` (a cheap filter stage's) sends the brief posting instead of the whole
    one: the description without boilerplate, cut to that many characters, and no posted date
    (see :mod:`~jobbatch_dagster.batch.brief`).

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
    if description_chars:
        posting["description"] = brief_description(posting["description"], description_chars)
        posting.pop(BRIEF_LEAVES_OUT, None)
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
    fields = "".join(f"\0{key}\0{len(value)}\0{value}" for key, value in sorted(posting.items()))
    return hashlib.sha256(f"{task.name}\0{prompt_version}\0{model}{fields}".encode()).hexdigest()


def prompt_version_of(task: Task, profile: LeadProfile, postings_per_request: int = 1) -> str:
    """The prompt version a stage's fingerprints carry: the grouped prompt's above 1."""
    if postings_per_request > 1:
        return task.grouped().prompt_version(profile)
    return task.prompt_version(profile)


def posting_fingerprint(
    job: Mapping[str, Any],
    task: Task,
    model: str,
    profile: LeadProfile,
    max_description_chars: int,
    description_chars: int | None = None,
    postings_per_request: int = 1,
) -> str:
    """The request fingerprint a job would get, without building anything (for skip lists)."""
    prepared = prepare_posting(
        job, 0, max_description_chars, task.context_fields, description_chars
    )
    version = prompt_version_of(task, profile, postings_per_request)
    return request_fingerprint(task, version, model, prepared.posting)


@dataclass(slots=True)
class EncodedRequest:
    """One request line, encoded once: what is written is exactly what was counted."""

    custom_id: str
    line: bytes  # UTF-8 JSON object plus b"\n"
    prompt_tokens: int


class RequestEncoder:
    """Encodes request lines for one task, model and profile.

    Everything that is the same for every request (method, url, model, system prompt, schema) is
    encoded once, from a template body; each line then costs the task's user message for its
    posting (``Task.user_message``), the encoding of that and of its custom id, and the prompt
    tokens of that message only. The encoder first checks that ``build_body`` of two probe postings
    differs from the template in the user message alone; a task whose body varies elsewhere gets
    every line built by ``build_body`` and encoded whole. Either way a line is exactly the compact JSON of
    ``build_body``'s request (the task alone decides the body).
    """

    def __init__(
        self, task: Task, model: str, profile: LeadProfile, postings_per_request: int = 1
    ) -> None:
        self.task = task
        self.model = model
        self.profile = profile
        self.postings_per_request = postings_per_request
        self.group: GroupedTask | None = task.grouped() if postings_per_request > 1 else None
        self.prompt_version = prompt_version_of(task, profile, postings_per_request)
        template = task.build_body(_TEMPLATE_POSTING, model, profile)
        self._slot = next(i for i, m in enumerate(template["messages"]) if m["role"] == "user")
        template_user = template["messages"][self._slot]["content"]
        head, rest = _dumps(_request(_TEMPLATE_ID, template)).split(_dumps(_TEMPLATE_ID), 1)
        middle, tail = rest.split(_dumps(template_user), 1)
        self._parts = (head.encode(), middle.encode(), tail.encode() + b"\n")
        # Every message but the user's, and the schema, cost the same tokens on every line.
        user_tokens = estimate_text_tokens(template_user)
        self._static_tokens = estimate_body_prompt_tokens(template) - user_tokens
        self._spliced = template_user == task.user_message(_TEMPLATE_POSTING) and all(
            self._splices(probe, template) for probe in _PROBE_POSTINGS
        )

    def _splices(self, posting: Mapping[str, str], template: dict[str, Any]) -> bool:
        """Whether the task's body for ``posting`` is the template with only the posting changed."""
        body = self.task.build_body(posting, self.model, self.profile)
        messages = body.get("messages")
        if not isinstance(messages, list) or len(messages) <= self._slot:
            return False
        if messages[self._slot].get("content") != self.task.user_message(posting):
            return False
        user = messages[self._slot]
        messages[self._slot] = {**user, "content": template["messages"][self._slot]["content"]}
        return body == template

    def fingerprint(self, posting: Mapping[str, str]) -> str:
        return request_fingerprint(self.task, self.prompt_version, self.model, posting)

    def encode(self, custom_id: str, posting: Mapping[str, str]) -> EncodedRequest:
        if not self._spliced:
            body = self.task.build_body(posting, self.model, self.profile)
            line = _dumps(_request(custom_id, body)).encode() + b"\n"
            return EncodedRequest(custom_id, line, estimate_body_prompt_tokens(body))
        user = self.task.user_message(posting)
        head, middle, tail = self._parts
        line = b"".join((head, orjson.dumps(custom_id), middle, orjson.dumps(user), tail))
        return EncodedRequest(custom_id, line, self._static_tokens + estimate_text_tokens(user))

    def encode_group(
        self, custom_id: str, postings: list[tuple[str, Mapping[str, str]]]
    ) -> EncodedRequest:
        """One line judging several ``(id, posting)`` pairs (a stage with a group form)."""
        if self.group is None:
            raise ValueError(f"{self.task.name} is built one posting per request")
        body = self.group.build_body(postings, self.model, self.profile)
        line = _dumps(_request(custom_id, body)).encode() + b"\n"
        return EncodedRequest(custom_id, line, estimate_body_prompt_tokens(body))


_TEMPLATE_POSTING = {"title": "\x00title", "description": "\x00description"}
_TEMPLATE_ID = "\x00custom_id"
# Two unlike postings: a task whose body changes with the posting other than in the posting's own
# encoding is caught by one of them.
_PROBE_POSTINGS = (
    {"title": "Probe A", "description": "short"},
    {
        "title": 'Probe B \u00e9 "<b>"',
        "company": "Co",
        "location": "Remote",
        "compensation": "$1",
        "posted_date": "2026-01-01",
        "description": "line\n" + "long " * 2_000,
    },
)


def _request(custom_id: str, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "custom_id": custom_id,
        "method": "POST",
        "url": CHAT_COMPLETIONS_ENDPOINT,
        "body": body,
    }


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

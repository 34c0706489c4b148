"""Live ``POST /v1/chat/completions`` through the real SDK: rule-based answers, usage, validation."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import openai
import pytest
from emulator_helpers import ANSWER_SCHEMA, BAD_BODIES, MODEL, user_message
from openai.types.chat import ChatCompletion

from jobbatch_dagster.contract import EMULATOR_FINGERPRINT_PREFIX, EMULATOR_HEADER
from jobbatch_dagster.emulator.rules.chat import LABEL
from jobbatch_dagster.tasks import LeadProfile, get_task
from jobbatch_dagster.tasks.base import POSTING_CLOSE, POSTING_OPEN, encode_posting
from tests.tasks.postings import EXCEL_ASAP

pytestmark = pytest.mark.integration

LONG_INSTRUCTIONS = "Follow the shop's sales playbook to the letter. " * 120  # ~1,450 tokens


def test_a_task_schema_gets_the_batch_rules_answer(client: openai.OpenAI) -> None:
    task = get_task("qualify")
    body = task.build_body(EXCEL_ASAP, MODEL, LeadProfile())
    raw = client.chat.completions.with_raw_response.create(**body)
    completion = raw.parse()
    assert raw.headers[EMULATOR_HEADER] == "1"
    assert completion.system_fingerprint is not None
    assert completion.system_fingerprint.startswith(EMULATOR_FINGERPRINT_PREFIX)
    answer = json.loads(completion.choices[0].message.content or "")
    jsonschema.validate(answer, task.schema)
    assert answer["qualified"] is True
    assert "emulator rule" in json.dumps(answer)  # every reason names the rule behind it
    usage = completion.usage
    assert usage is not None and usage.prompt_tokens > 0 and usage.completion_tokens > 0
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens
    assert usage.prompt_tokens_details is not None
    assert usage.prompt_tokens_details.cached_tokens == 0


def test_any_other_schema_gets_a_schema_valid_answer(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": "Is this a lead?"}],
        response_format={
            "type": "json_schema",
            "json_schema": {"name": "verdict", "strict": True, "schema": ANSWER_SCHEMA},
        },
    )
    jsonschema.validate(json.loads(completion.choices[0].message.content or ""), ANSWER_SCHEMA)


def test_free_chat_gets_a_labelled_rule_based_text(client: openai.OpenAI) -> None:
    messages: list[Any] = [
        {"role": "system", "content": "You help a sales rep follow up on a lead."},
        {
            "role": "user",
            "content": f"{POSTING_OPEN}\n{encode_posting(EXCEL_ASAP)}\n{POSTING_CLOSE}",
        },
        {"role": "assistant", "content": "Noted."},
        {"role": "user", "content": "Draft a short email about their spreadsheet backlog."},
    ]
    first = client.chat.completions.create(model=MODEL, messages=messages)
    text = first.choices[0].message.content or ""
    assert text.startswith(LABEL)
    assert "Rule 'question'" in text and "spreadsheet backlog" in text
    assert "Rule 'context': this is turn 2" in text
    assert "Order Entry Clerk - ASAP at Valley Plumbing Supply" in text
    again = client.chat.completions.create(model=MODEL, messages=messages)
    assert again.choices[0].message.content == text  # rules, not sampling


def test_a_conversation_resent_with_a_new_turn_reports_its_prefix_cached(
    client: openai.OpenAI,
) -> None:
    turns: list[Any] = [
        {"role": "system", "content": LONG_INSTRUCTIONS + "(conversation test)"},
        {"role": "user", "content": "What should I ask first?"},
    ]
    first = client.chat.completions.create(model=MODEL, messages=turns)
    turns += [
        {"role": "assistant", "content": first.choices[0].message.content},
        {"role": "user", "content": "And then?"},
    ]
    second = client.chat.completions.create(model=MODEL, messages=turns)
    assert first.usage is not None and second.usage is not None
    assert first.usage.prompt_tokens_details is not None
    assert second.usage.prompt_tokens_details is not None
    assert first.usage.prompt_tokens_details.cached_tokens == 0
    cached = second.usage.prompt_tokens_details.cached_tokens
    assert cached is not None and cached >= 1024 and cached % 128 == 0
    assert first.usage.prompt_tokens - 128 < cached <= first.usage.prompt_tokens


def test_a_short_repeated_prompt_is_not_cached(client: openai.OpenAI) -> None:
    messages: list[Any] = [{"role": "user", "content": "short and repeated"}]
    client.chat.completions.create(model=MODEL, messages=messages)
    again = client.chat.completions.create(model=MODEL, messages=messages)
    assert again.usage is not None and again.usage.prompt_tokens_details is not None
    assert again.usage.prompt_tokens_details.cached_tokens == 0


def post_chat(client: openai.OpenAI, body: dict[str, Any]) -> ChatCompletion:
    """POST a raw body through the SDK (its typed ``create`` refuses some bad bodies itself)."""
    return client.post("/chat/completions", body=body, cast_to=ChatCompletion)


@pytest.mark.parametrize(
    ("body", "param", "code"),
    [case[1:] for case in BAD_BODIES],
    ids=[case[0] for case in BAD_BODIES],
)
def test_a_bad_body_gets_the_services_400(
    client: openai.OpenAI, body: dict[str, Any], param: str | None, code: str | None
) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        post_chat(client, {"model": MODEL, **body})
    error = caught.value
    assert error.status_code == 400 and error.type == "invalid_request_error"
    assert (error.param, error.code) == (param, code)
    assert error.response.headers["x-should-retry"] == "false"
    assert error.response.headers[EMULATOR_HEADER] == "1"


def test_a_missing_model_gets_the_services_wording(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError, match="you must provide a model parameter"):
        post_chat(client, {"messages": [user_message()]})


def test_an_unknown_model_is_not_found(client: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as caught:
        client.chat.completions.create(model="gpt-9-preview", messages=[user_message()])
    assert caught.value.code == "model_not_found"
    assert "The model `gpt-9-preview` does not exist" in str(caught.value)


def test_a_dated_snapshot_of_a_listed_model_is_served(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(
        model="gpt-4o-2024-08-06", messages=[user_message()]
    )
    assert completion.model == "gpt-4o-2024-08-06"

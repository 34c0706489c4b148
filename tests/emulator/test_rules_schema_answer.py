"""The responder's answers validate against whatever schema a request carries."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest

from jobbatch_dagster.emulator.rules.chat import LABEL
from jobbatch_dagster.emulator.rules.regex_sample import sample_matching
from jobbatch_dagster.emulator.rules.responder import Responder, break_schema
from jobbatch_dagster.emulator.rules.schema_answer import schema_answer
from jobbatch_dagster.tasks import TASKS
from jobbatch_dagster.tasks.profile import LeadProfile
from jobbatch_dagster.tasks.tokens import estimate_text_tokens

SCHEMAS: dict[str, dict[str, Any]] = {
    "flat strict object": {
        "type": "object",
        "properties": {"a": {"type": "string"}, "b": {"type": "boolean"}, "c": {"type": "null"}},
        "required": ["a", "b", "c"],
        "additionalProperties": False,
    },
    "enums and const": {
        "type": "object",
        "properties": {
            "level": {"enum": ["low", "high"]},
            "kind": {"const": "lead"},
            "n": {"enum": [None, 3]},
        },
        "required": ["level", "kind", "n"],
    },
    "bounded numbers": {
        "type": "object",
        "properties": {
            "score": {"type": "integer", "minimum": 3, "maximum": 7},
            "ratio": {"type": "number", "exclusiveMinimum": 0.5, "exclusiveMaximum": 1},
            "negative": {"type": "integer", "maximum": -10},
            "step": {"type": "number", "minimum": 1, "multipleOf": 0.25},
            "odd": {"type": "integer", "exclusiveMinimum": 4, "multipleOf": 5},
        },
        "required": ["score", "ratio", "negative", "step", "odd"],
    },
    "strings with rules": {
        "type": "object",
        "properties": {
            "code": {"type": "string", "pattern": "^[A-Z]{2}-\\d{3}$"},
            "when": {"type": "string", "format": "date-time"},
            "day": {"type": "string", "format": "date"},
            "mail": {"type": "string", "format": "email"},
            "id": {"type": "string", "format": "uuid"},
            "long": {"type": "string", "minLength": 20},
            "short": {"type": "string", "maxLength": 3},
            "choice": {"type": "string", "pattern": "^(yes|no)$"},
        },
        "required": ["code", "when", "day", "mail", "id", "long", "short", "choice"],
    },
    "arrays": {
        "type": "object",
        "properties": {
            "tags": {
                "type": "array",
                "items": {"type": "string"},
                "minItems": 3,
                "uniqueItems": True,
            },
            "none": {"type": "array", "items": {"type": "integer"}, "maxItems": 0},
            "levels": {
                "type": "array",
                "items": {"enum": ["a", "b", "c"]},
                "minItems": 2,
                "maxItems": 2,
                "uniqueItems": True,
            },
            "pair": {
                "type": "array",
                "prefixItems": [{"type": "integer"}, {"type": "string"}],
                "items": False,
            },
        },
        "required": ["tags", "none", "levels", "pair"],
    },
    "nullable unions": {
        "type": "object",
        "properties": {
            "maybe": {"type": ["string", "null"]},
            "either": {"anyOf": [{"type": "null"}, {"type": "integer", "minimum": 2}]},
            "one": {"oneOf": [{"type": "string", "maxLength": 2}, {"type": "integer"}]},
        },
        "required": ["maybe", "either", "one"],
        "additionalProperties": False,
    },
    "defs and refs": {
        "$defs": {
            "money": {
                "type": "object",
                "properties": {
                    "amount": {"type": "number", "minimum": 0},
                    "currency": {"enum": ["EUR", "USD"]},
                },
                "required": ["amount", "currency"],
                "additionalProperties": False,
            },
        },
        "type": "object",
        "properties": {
            "budget": {"$ref": "#/$defs/money"},
            "spend": {"type": "array", "items": {"$ref": "#/$defs/money"}},
        },
        "required": ["budget", "spend"],
    },
    "recursive tree": {
        "$defs": {
            "node": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "children": {"type": "array", "items": {"$ref": "#/$defs/node"}},
                },
                "required": ["name", "children"],
                "additionalProperties": False,
            }
        },
        "$ref": "#/$defs/node",
    },
    "recursive nullable": {
        "$defs": {
            "link": {
                "type": "object",
                "properties": {"next": {"anyOf": [{"$ref": "#/$defs/link"}, {"type": "null"}]}},
                "required": ["next"],
            }
        },
        "$ref": "#/$defs/link",
    },
    "allOf": {
        "allOf": [
            {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]},
            {"properties": {"b": {"type": "string", "minLength": 2}}, "required": ["b"]},
        ]
    },
    "min properties": {"type": "object", "minProperties": 2},
    "array of numbers": {"type": "array", "items": {"type": "number"}, "minItems": 1},
    "top-level string": {"type": "string", "enum": ["only"]},
}


@pytest.mark.parametrize("name", SCHEMAS)
def test_generic_answer_is_schema_valid(name: str) -> None:
    schema = SCHEMAS[name]
    answer = schema_answer(schema)
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(
        answer
    )


@pytest.mark.parametrize(
    "name", [n for n in SCHEMAS if SCHEMAS[n].get("type") == "object" and "required" in SCHEMAS[n]]
)
def test_broken_answer_is_schema_invalid(name: str) -> None:
    schema = {**SCHEMAS[name], "additionalProperties": False}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(break_schema(schema_answer(schema)), schema)


@pytest.mark.parametrize(
    "pattern",
    [
        r"^\d{5}(-\d{4})?$",
        r"^[a-z]+_[0-9]{2,}$",
        r"^(EUR|USD)$",
        r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$",
        r"^x\.y$",
    ],
)
def test_regex_samples_match(pattern: str) -> None:
    import re

    assert re.search(pattern, sample_matching(pattern))


@pytest.mark.parametrize("task_name", sorted(TASKS))
def test_our_task_schemas_get_schema_valid_answers(task_name: str) -> None:
    task = TASKS[task_name]
    posting = {
        "title": "Office clerk",
        "company": "Acme",
        "description": "Manual data entry in Excel, invoices by hand.",
    }
    body = task.build_body(posting, "gpt-4o-mini", LeadProfile())
    outcome = Responder("/v1/chat/completions", {}).answer("p1", body)
    completion = outcome.line["response"]["body"]
    content = completion["choices"][0]["message"]["content"]
    jsonschema.validate(json.loads(content), task.schema)
    assert outcome.ok and outcome.completion_tokens == completion["usage"]["completion_tokens"]


def test_long_shared_system_prompt_reports_cached_tokens() -> None:
    system = {"role": "system", "content": "instructions " * 500}  # about 1,600 tokens
    body = {"model": "m", "messages": [system, {"role": "user", "content": "posting"}]}
    responder = Responder("/v1/chat/completions", {})
    first, second = responder.answer("a", body), responder.answer("b", body)
    assert first.cached_tokens == 0
    assert second.cached_tokens >= 1024 and second.cached_tokens % 128 == 0
    assert (
        second.line["response"]["body"]["usage"]["prompt_tokens_details"]["cached_tokens"]
        == second.cached_tokens
    )


def test_json_object_format_gets_a_json_object() -> None:
    body = {
        "model": "m",
        "messages": [{"role": "user", "content": "hi"}],
        "response_format": {"type": "json_object"},
    }
    content = (
        Responder("/v1/chat/completions", {})
        .answer("a", body)
        .line["response"]["body"]["choices"][0]["message"]["content"]
    )
    assert json.loads(content)["answer"].startswith(LABEL)


def test_n_choices_are_all_answered_and_billed() -> None:
    body = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "n": 3}
    outcome = Responder("/v1/chat/completions", {}).answer("a", body)
    choices = outcome.line["response"]["body"]["choices"]
    assert [c["index"] for c in choices] == [0, 1, 2]
    assert outcome.completion_tokens == 3 * estimate_text_tokens(choices[0]["message"]["content"])

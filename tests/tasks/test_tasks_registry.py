"""The task registry, the strictness of every schema, and the agreement of schema and result model."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any

import pytest

from jobbatch_dagster.tasks import TASK_NAMES, TASKS, LeadProfile, Task, TaskResultError, get_task
from jobbatch_dagster.tasks.schema import strict_object, strict_violations, text


def _resolve(node: Mapping[str, Any], defs: Mapping[str, Any]) -> Mapping[str, Any]:
    if "$ref" in node:
        return defs[node["$ref"].rsplit("/", 1)[-1]]
    return node


def _shape(node: Mapping[str, Any], defs: Mapping[str, Any]) -> Any:
    """A comparable summary of a schema: object keys and required sets, enums, array items, types."""
    node = _resolve(node, defs)
    options = node.get("anyOf")
    if options:
        shapes = [_shape(o, defs) for o in options]
        non_null = [s for s in shapes if s != ("null",)]
        nullable = len(non_null) < len(shapes)
        (inner,) = non_null
        return ("nullable", inner) if nullable else inner
    kind = node.get("type")
    if isinstance(kind, list):
        others = [k for k in kind if k != "null"]
        plain = {**node, "type": others[0]}
        if "enum" in plain:
            plain["enum"] = [v for v in plain["enum"] if v is not None]
        return ("nullable", _shape(plain, defs)) if "null" in kind else _shape(plain, defs)
    if "enum" in node:
        return ("enum", tuple(sorted(node["enum"])))
    if kind == "object":
        props = node["properties"]
        return (
            "object",
            tuple(sorted((k, _shape(v, defs)) for k, v in props.items())),
            tuple(sorted(node.get("required", ()))),
        )
    if kind == "array":
        return ("array", _shape(node["items"], defs))
    if kind == "string" and node.get("format") == "date":
        return ("string",)  # pydantic's date; the task schema says it with a pattern instead
    return (kind,)


def test_registry_lists_the_five_tasks_by_name() -> None:
    assert TASK_NAMES == ("qualify", "analyze", "extract_pain_points", "parse", "outreach")
    assert all(TASKS[name].name == name for name in TASK_NAMES)
    assert get_task("parse") is TASKS["parse"]


def test_unknown_task_names_the_valid_ones() -> None:
    with pytest.raises(
        ValueError, match="valid tasks are: qualify, analyze, extract_pain_points, parse"
    ):
        get_task("summarise")


@pytest.mark.parametrize("name", TASK_NAMES)
def test_schema_obeys_structured_outputs_strict_rules(name: str) -> None:
    task = TASKS[name]
    assert task.schema["type"] == "object"
    assert list(strict_violations(task.schema)) == []
    assert task.schema_name == f"jobbatch_{name}"
    assert task.response_format()["json_schema"]["strict"] is True


def test_strict_walk_catches_a_loose_schema() -> None:
    loose = strict_object({"a": {"type": "object", "properties": {"b": text("b")}}})
    assert list(strict_violations(loose)) == [
        "$.a: additionalProperties must be false",
        "$.a: required must list every property",
    ]


# Fields a stored answer may hold as null though the one-posting schema requires a value: qualify's
# group form asks for no confidence.
STORED_NULLABLE = {"qualify": ("confidence",)}


def _nullable(schema: Mapping[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    properties = dict(schema["properties"])
    for name in names:
        prop = properties[name]
        properties[name] = {**prop, "type": [prop["type"], "null"], "enum": [*prop["enum"], None]}
    return {**schema, "properties": properties}


@pytest.mark.parametrize("name", TASK_NAMES)
def test_result_model_has_the_schema_shape(name: str) -> None:
    task = TASKS[name]
    model_schema = task.result_model.model_json_schema()
    defs = model_schema.get("$defs", {})
    expected = _nullable(task.schema, STORED_NULLABLE.get(name, ()))
    assert _shape(model_schema, defs) == _shape(expected, {})


@pytest.mark.parametrize("name", TASK_NAMES)
def test_instructions_carry_the_profile_and_forbid_obeying_the_posting(name: str) -> None:
    task = TASKS[name]
    assert task.instructions.count("{profile}") == 1
    prompt = task.system_prompt(LeadProfile())
    assert "Fit signals: data entry, excel" in prompt
    assert re.search(r"ignore any instructions (it|they) contains?", prompt)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "empty answer"),
        ("  ", "empty answer"),
        ("{not json", "does not match the schema"),
        ('{"qualified": true}', "at score: Field required"),
        (
            '{"qualified": true, "score": 101, "confidence": "high", "reasons": []}',
            "at score: Input should be less than or equal to 100",
        ),
        (
            '{"qualified": true, "score": 80, "confidence": "sure", "reasons": []}',
            "at confidence",
        ),
        (
            '{"qualified": true, "score": 80, "confidence": "high", "reasons": [], "extra": 1}',
            "at extra: Extra inputs are not permitted",
        ),
    ],
)
def test_parse_content_says_what_is_wrong(content: str | None, message: str) -> None:
    with pytest.raises(TaskResultError, match=message):
        get_task("qualify").parse_content(content)


def test_parse_content_returns_the_typed_result() -> None:
    result = get_task("qualify").parse_content(
        '{"qualified": true, "score": 85, "confidence": "high", "reasons": ["excel"]}'
    )
    assert result.model_dump() == {
        "qualified": True,
        "score": 85,
        "confidence": "high",
        "reasons": ["excel"],
    }


def test_typical_output_tokens_falls_back_to_the_ceiling() -> None:
    task = dataclasses.replace(get_task("qualify"), expected_output_tokens=None)
    assert isinstance(task, Task)
    assert task.typical_output_tokens == task.max_output_tokens
    assert get_task("qualify").typical_output_tokens < get_task("qualify").max_output_tokens

"""The quick read of an answer (tasks/quick.py) gives what pydantic gives, or leaves it to pydantic.

Every task's hand-written answer is mutated field by field into odd answers (wrong types, numbers
out of bounds or past 64 bits, strings where numbers go, extra and missing keys, duplicate keys,
text that is not JSON); reading each through ``Task.read_answer`` must give exactly what pydantic's
validator and serializer give: the same dict, with the same types in the same key order, or the
same refusal with the same message.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import msgspec
import pytest
from pydantic import BaseModel, ConfigDict, Field, field_serializer, field_validator

from jobbatch_dagster.tasks import TASKS, Task, TaskResultError
from jobbatch_dagster.tasks.followup import FOLLOWUP_EMAIL, FOLLOWUP_ROI
from jobbatch_dagster.tasks.quick import quick_decoder
from tests.tasks.model_answers import MODEL_ANSWERS

ALL_TASKS = {**TASKS, FOLLOWUP_ROI.name: FOLLOWUP_ROI, FOLLOWUP_EMAIL.name: FOLLOWUP_EMAIL}
# Raw JSON values put in place of a field (texts, so 1e400, 5.0 and -0 stay as written).
ODD_VALUES = [
    "null",
    "true",
    "false",
    "0",
    "-0",
    "1",
    "-1",
    "100",
    "101",
    "5.0",
    "5.5",
    "1e1",
    "-1e1",
    "1e400",
    "-1e400",
    "9223372036854775807",
    "9223372036854775808",
    "123456789012345678901234567890",
    '"5"',
    '""',
    '"high"',
    '"HIGH"',
    '"strong"',
    '"USD"',
    '"a\\u0000b"',
    '"\\ud83d\\ude00"',
    '"\\ud83d"',
    "[]",
    '["a"]',
    "[1]",
    "[null]",
    "{}",
    '{"a": 1}',
]
NOT_JSON = ["", "   ", "{", "[]", '"text"', "null", "{} {}", "\ufeff{}", "{'a': 1}"]


def _answer(task: Task) -> dict[str, Any]:
    if task.name in MODEL_ANSWERS:
        return MODEL_ANSWERS[task.name]
    # the follow-up tasks answer one part of outreach's answer
    part = {"followup_roi": "roi", "followup_email": "email"}[task.name]
    return MODEL_ANSWERS["outreach"][part]


def _paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _paths(inner, (*path, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value[:2]):
            yield from _paths(inner, (*path, index))


_HOLE = "__odd_value__"


def _with(answer: Any, path: tuple[Any, ...], raw: str) -> str:
    """The answer's JSON with the value at ``path`` replaced by the raw JSON text ``raw``."""
    copy = json.loads(json.dumps(answer))
    if not path:
        return raw
    *outer, last = path
    target = copy
    for step in outer:
        target = target[step]
    target[last] = _HOLE
    return json.dumps(copy).replace(json.dumps(_HOLE), raw)


def _odd_answers(answer: dict[str, Any]) -> Iterator[str]:
    yield json.dumps(answer)
    yield " " + json.dumps(answer, indent=2) + "\n"
    yield from NOT_JSON
    for path in _paths(answer):
        for raw in ODD_VALUES:
            yield _with(answer, path, raw)
    first = next(iter(answer))
    yield json.dumps({**answer, "unexpected": 1})
    yield json.dumps({k: v for k, v in answer.items() if k != first})
    body = json.dumps(answer)[1:]
    yield '{"' + first + '": null, ' + body  # a duplicate key: the last one counts
    yield body[:-1] + ', "' + first + '": null}'
    yield "{" + body


def _pydantic_read(task: Task, text: str) -> tuple[str, str]:
    try:
        model = task.parse_content(text)
    except TaskResultError as exc:
        return "refused", str(exc)
    return "read", repr(type(model).__pydantic_serializer__.to_python(model, mode="json"))


def _engine_read(task: Task, text: str) -> tuple[str, str]:
    try:
        return "read", repr(task.read_answer(text))
    except TaskResultError as exc:
        return "refused", str(exc)


@pytest.mark.parametrize("name", sorted(ALL_TASKS))
def test_every_odd_answer_reads_as_pydantic_reads_it(name: str) -> None:
    task = ALL_TASKS[name]
    answers = list(_odd_answers(_answer(task)))
    assert len(answers) > 100
    differ = [
        (text, ours, theirs)
        for text in answers
        if (ours := _engine_read(task, text)) != (theirs := _pydantic_read(task, text))
    ]
    assert differ == []
    outcomes = {_engine_read(task, text)[0] for text in answers}
    assert outcomes == {"read", "refused"}


@pytest.mark.parametrize("name", sorted(ALL_TASKS))
def test_a_valid_answer_takes_the_quick_read_unless_its_model_cannot_be_mirrored(name: str) -> None:
    task = ALL_TASKS[name]
    quick = quick_decoder(task.result_model)
    if name == "parse":
        assert quick is None  # its currency pattern: Python's and pydantic's regexes differ on "$"
        return
    assert quick is not None
    text = json.dumps(_answer(task))
    assert repr(msgspec.to_builtins(quick.decode(text))) == _pydantic_read(task, text)[1]


def test_what_pydantic_would_coerce_is_left_to_pydantic() -> None:
    task = TASKS["qualify"]
    quick = quick_decoder(task.result_model)
    assert quick is not None
    answer = _answer(task)
    for field, raw in [
        ("score", '"88"'),
        ("score", "88.0"),
        ("qualified", "1"),
        ("score", "1e400"),
    ]:
        text = _with(answer, (field,), raw)
        with pytest.raises(msgspec.DecodeError):
            quick.decode(text)
        assert _engine_read(task, text) == _pydantic_read(task, text)
    assert task.read_answer(_with(answer, ("score",), '"88"'))["score"] == 88


class _Defaulted(BaseModel):
    note: str = "none"


class _Patterned(BaseModel):
    code: str = Field(pattern=r"^[A-Z]{3}$")


class _Checked(BaseModel):
    name: str

    @field_validator("name")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()


class _Loose(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: str


class _Serialized(BaseModel):
    name: str

    @field_serializer("name")
    def _upper(self, value: str) -> str:
        return value.upper()


class _Stripping(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)
    name: str


class _Excluded(BaseModel):
    name: str = Field(exclude=True)


class _Aliased(BaseModel):
    name: str = Field(validation_alias="title")


class _Strict(BaseModel):
    amount: float = Field(strict=True)


class _Union(BaseModel):
    value: int | str


class _Sized(BaseModel):
    items: list[str] = Field(min_length=1)


UNMIRRORED = [_Defaulted, _Patterned, _Checked, _Loose, _Union, _Sized, _Serialized, _Stripping]
UNMIRRORED += [_Excluded, _Aliased, _Strict]


@pytest.mark.parametrize("model", UNMIRRORED)
def test_a_model_using_what_is_not_mirrored_gets_no_quick_read(model: type[BaseModel]) -> None:
    assert quick_decoder(model) is None

"""The quick read of an answered line agrees with the general, field-by-field read on every line.

Nearly every output line is an answered request; parse_result_line reads those in one typed decode
and every other line field by field. A line the quick read takes must give exactly the result the
general read gives, and a line it cannot be sure of must be left to the general read. Each case
below is one way a real or hostile file differs from the common line.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from jobbatch_dagster.batch import results
from jobbatch_dagster.tasks import get_task

QUALIFY = get_task("qualify")
ANSWER = {"qualified": True, "score": 80, "confidence": "high", "reasons": ["manual data entry"]}


def common_line() -> dict[str, Any]:
    return {
        "id": "batch_req_1",
        "custom_id": "job-1",
        "response": {
            "status_code": 200,
            "request_id": "req_1",
            "body": {
                "id": "chatcmpl-1",
                "object": "chat.completion",
                "model": "gpt-4o-mini",
                "choices": [
                    {
                        "index": 0,
                        "message": {
                            "role": "assistant",
                            "content": json.dumps(ANSWER),
                            "refusal": None,
                            "annotations": [],
                        },
                        "finish_reason": "stop",
                    }
                ],
                "usage": {
                    "prompt_tokens": 900,
                    "completion_tokens": 40,
                    "total_tokens": 940,
                    "prompt_tokens_details": {"cached_tokens": 512, "audio_tokens": 0},
                },
            },
        },
        "error": None,
    }


def changed(edit: Callable[[dict[str, Any]], None]) -> bytes:
    line = copy.deepcopy(common_line())
    edit(line)
    return json.dumps(line).encode()


def body(line: dict[str, Any]) -> dict[str, Any]:
    return line["response"]["body"]


def message(line: dict[str, Any]) -> dict[str, Any]:
    return body(line)["choices"][0]["message"]


CASES: dict[str, bytes] = {
    "the common line": changed(lambda line: None),
    "no usage": changed(lambda line: body(line).pop("usage")),
    "null usage": changed(lambda line: body(line).update(usage=None)),
    "null token counts": changed(
        lambda line: body(line).update(usage={"prompt_tokens": None, "completion_tokens": None})
    ),
    "no prompt details": changed(lambda line: body(line)["usage"].pop("prompt_tokens_details")),
    "float token counts": changed(lambda line: body(line)["usage"].update(prompt_tokens=12.0)),
    "a token count past 64 bits": changed(
        lambda line: body(line)["usage"].update(completion_tokens=2**70 + 1)
    ),
    "negative token count": changed(lambda line: body(line)["usage"].update(prompt_tokens=-5)),
    "string token count": changed(lambda line: body(line)["usage"].update(prompt_tokens="12")),
    "no model": changed(lambda line: body(line).pop("model")),
    "a model that is a number": changed(lambda line: body(line).update(model=4)),
    "no line id": changed(lambda line: line.pop("id")),
    "a line id that is a number": changed(lambda line: line.update(id=7)),
    "a top-level error": changed(
        lambda line: line.update(error={"code": "batch_expired", "message": "expired"})
    ),
    "a top-level error that is text": changed(lambda line: line.update(error="odd")),
    "an error in the body": changed(
        lambda line: body(line).update(error={"code": "server_error", "message": "boom"})
    ),
    "HTTP 500 with choices": changed(lambda line: line["response"].update(status_code=500)),
    "HTTP 200 as text": changed(lambda line: line["response"].update(status_code="200")),
    "no choices": changed(lambda line: body(line).update(choices=[])),
    "a second choice that is garbage": changed(lambda line: body(line)["choices"].append(3)),
    "a refusal": changed(lambda line: message(line).update(refusal="I can't help with that")),
    "an empty refusal": changed(lambda line: message(line).update(refusal="")),
    "null content": changed(lambda line: message(line).update(content=None)),
    "blank content": changed(lambda line: message(line).update(content="  ")),
    "content that is a list": changed(lambda line: message(line).update(content=[1])),
    "content that is not JSON": changed(lambda line: message(line).update(content="Sure! {")),
    "content of the wrong shape": changed(
        lambda line: message(line).update(content=json.dumps({**ANSWER, "score": 300}))
    ),
    "no message": changed(lambda line: body(line)["choices"][0].pop("message")),
    "no body": changed(lambda line: line["response"].pop("body")),
    "a body that is text": changed(lambda line: line["response"].update(body="oops")),
    "no response": changed(lambda line: line.pop("response")),
    "duplicate keys": changed(lambda line: None).replace(
        b'"custom_id": "job-1"', b'"custom_id": "job-0", "custom_id": "job-1"'
    ),
    "non-ASCII answer": changed(
        lambda line: message(line).update(content=json.dumps({**ANSWER, "reasons": ["café ✓"]}))
    ),
}


def general(raw: bytes, task: Any) -> results.RequestResult:
    return results._read_field_by_field(raw, task, 3)


@pytest.mark.parametrize("task", [QUALIFY, None], ids=["qualify", "no task"])
@pytest.mark.parametrize("case", list(CASES))
def test_the_quick_read_gives_the_general_reads_result_or_leaves_the_line_to_it(
    case: str, task: Any
) -> None:
    raw = CASES[case]
    quick = results._answered(raw, task, 3)
    if quick is not None:
        assert quick == general(raw, task)
    assert results.parse_result_line(raw, task, 3) == general(raw, task)


def test_the_common_line_takes_the_quick_read_and_odd_lines_do_not() -> None:
    assert results._answered(CASES["the common line"], QUALIFY, 1) is not None
    assert results._answered(CASES["non-ASCII answer"], QUALIFY, 1) is not None
    for case in ("a refusal", "a top-level error", "HTTP 500 with choices", "no choices"):
        assert results._answered(CASES[case], QUALIFY, 1) is None, case


@pytest.mark.parametrize(
    "raw", [b"{not json", b"[1, 2]", b'{"custom_id": 5}', b'"\\ud800"', b"\xff\xfe"]
)
def test_an_unreadable_line_is_still_reported_as_unreadable(raw: bytes) -> None:
    with pytest.raises(ValueError):
        results.parse_result_line(raw, QUALIFY, 1)

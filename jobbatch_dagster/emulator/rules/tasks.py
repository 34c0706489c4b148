"""The emulator's answers to our task schemas: deterministic, explainable rules on the posting.

The responder calls :func:`task_answer` for every request whose ``response_format`` names a
``jobbatch_<task>`` schema. The rules read the posting between the ``<posting>`` markers and the lead
profile from the system message (``rules.evidence``), then answer as the task's schema requires
(``rules.lead`` for qualify / analyze / extract_pain_points, ``rules.posting`` for parse,
``rules.outreach`` for outreach and the live follow-up's ROI and email questions). A request that
judges several postings (``jobbatch_qualify_many``) gets each posting judged by the same rule as a
request of its own, so its verdicts are exactly the one-posting answers' (one short reason each). Every
judgement names the rule that made it ("emulator rule: ..."), so the answers are never mistaken for
a model's. Another schema gets None, and the responder falls back to its generic answer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from jobbatch_dagster.emulator.rules.evidence import (
    Evidence,
    gather_evidence,
    posting_evidence,
    system_prompt,
    user_text,
)
from jobbatch_dagster.emulator.rules.lead import (
    analyze_answer,
    pain_points_answer,
    qualify_answer,
    qualify_reason,
)
from jobbatch_dagster.emulator.rules.outreach import email_answer, outreach_answer, roi_answer
from jobbatch_dagster.emulator.rules.posting import parse_answer
from jobbatch_dagster.tasks import TASKS
from jobbatch_dagster.tasks.base import decode_postings
from jobbatch_dagster.tasks.followup import FOLLOWUP_EMAIL, FOLLOWUP_ROI

_RULES: dict[str, Callable[[Evidence], dict[str, Any]]] = {
    "qualify": qualify_answer,
    "analyze": analyze_answer,
    "extract_pain_points": pain_points_answer,
    "parse": parse_answer,
    "outreach": outreach_answer,
}
_BY_SCHEMA_NAME = {task.schema_name: _RULES[name] for name, task in TASKS.items()} | {
    FOLLOWUP_ROI.schema_name: roi_answer,
    FOLLOWUP_EMAIL.schema_name: email_answer,
}


def qualify_many_answer(messages: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """One verdict per posting of a group request, each from :func:`qualify_answer`."""
    prompt = system_prompt(messages)
    verdicts = []
    for posting in decode_postings(user_text(messages)):
        key = str(posting.pop("id", ""))
        evidence = posting_evidence(posting, prompt)
        answer = qualify_answer(evidence)
        verdicts.append(
            {
                "id": key,
                "qualified": answer["qualified"],
                "score": answer["score"],
                "reason": qualify_reason(evidence),
            }
        )
    return {"verdicts": verdicts}


_GROUP_RULES: dict[str, Callable[[Sequence[Mapping[str, Any]]], dict[str, Any]]] = {
    TASKS["qualify"].grouped().schema_name: qualify_many_answer,
}


def task_answer(
    schema_name: str, schema: Mapping[str, Any], messages: Sequence[Mapping[str, Any]]
) -> dict[str, Any] | None:
    """A schema-valid answer for one of our task schemas, or None when the schema is not ours.

    ``schema`` is the request's own schema; the rules answer the registered task's shape, which is
    the same one whenever the request was built by ``Task.build_body``.
    """
    if schema_name in _GROUP_RULES:
        return _GROUP_RULES[schema_name](messages)
    rule = _BY_SCHEMA_NAME.get(schema_name)
    if rule is None:
        return None
    return rule(gather_evidence(messages))

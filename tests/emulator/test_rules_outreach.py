"""The emulator's outreach rule: figures from the lead's analysis, every judgement labelled."""

from __future__ import annotations

import json
from typing import Any

import jsonschema

from jobbatch_dagster.emulator.rules.tasks import task_answer
from jobbatch_dagster.tasks import LeadProfile, get_task
from jobbatch_dagster.tasks.base import lead_message
from jobbatch_dagster.tasks.followup import FOLLOWUP_EMAIL, FOLLOWUP_ROI, INSTRUCTIONS
from tests.emulator.test_rules_answers import answer
from tests.tasks.postings import EXCEL_ASAP, WELDER

ANALYSIS = {"estimated_deal_value_usd": 7500, "estimated_annual_savings_usd": 30000}


def outreach(posting: dict[str, Any], analysis: dict[str, Any] | None) -> dict[str, Any]:
    lead = {**posting, "analysis": json.dumps(analysis)}
    return answer("outreach", lead)


def test_roi_takes_the_analysis_figures_and_states_the_payback_rule() -> None:
    roi = outreach(EXCEL_ASAP, ANALYSIS)["roi"]
    assert (roi["deal_value_usd"], roi["annual_savings_usd"], roi["payback_months"]) == (
        7500,
        30000,
        3.0,
    )
    assert roi["reasoning"].startswith("emulator rule: ")
    assert "taken from the lead's analysis" in roi["reasoning"]
    assert "payback = 7500 / (30000 / 12) = 3.0 months" in roi["reasoning"]


def test_without_an_analysis_the_analyze_rule_supplies_the_figures_and_says_so() -> None:
    result = outreach(EXCEL_ASAP, None)
    expected = answer("analyze", EXCEL_ASAP)
    assert result["roi"]["deal_value_usd"] == expected["estimated_deal_value_usd"]
    assert "the analyze rule applied to the posting" in result["roi"]["reasoning"]


def test_email_opener_and_questions_come_from_the_posting_and_are_labelled() -> None:
    result = outreach(EXCEL_ASAP, ANALYSIS)
    assert EXCEL_ASAP["title"] in result["email"]["subject"]
    assert len(result["email"]["subject"]) <= 80
    assert "emulator rule" in result["email"]["body"]
    assert "emulator rule" in result["call_opener"]
    assert 3 <= len(result["questions"]) <= 5
    long_title = outreach({**EXCEL_ASAP, "title": "Administrative Assistant " * 6}, ANALYSIS)
    assert len(long_title["email"]["subject"]) <= 80
    assert long_title["email"]["subject"].endswith("Assistant...")
    body = long_title["email"]["body"]
    assert all(body.count(q) == 1 for q in body.split('"')[1::2])  # each sentence quoted once
    no_signal = outreach(WELDER, None)
    assert 3 <= len(no_signal["questions"]) <= 5


def test_the_live_follow_ups_roi_and_email_questions_get_the_matching_part() -> None:
    posting = {k: v for k, v in EXCEL_ASAP.items() if k != "id"}
    context = {"lead_id": "x", "analysis": ANALYSIS, "outreach": None}
    system = INSTRUCTIONS.replace("{profile}", LeadProfile().as_prompt_section())
    messages = [
        {"role": "system", "content": system},
        {"role": "user", "content": lead_message(posting, context)},
        {"role": "user", "content": "Estimate the ROI"},
    ]
    full = outreach(EXCEL_ASAP, ANALYSIS)
    for shape, part in ((FOLLOWUP_ROI, "roi"), (FOLLOWUP_EMAIL, "email")):
        result = task_answer(shape.schema_name, shape.schema, messages)
        jsonschema.Draft202012Validator(shape.schema).validate(result)
        assert result == full[part]
    assert get_task("outreach").schema["properties"]["roi"] == FOLLOWUP_ROI.schema

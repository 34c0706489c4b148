"""The cheap filter's brief posting: boilerplate out, the first part of the description, its own
fingerprint, and on the sample data the same verdicts as the whole posting."""

from __future__ import annotations

from pathlib import Path

import pytest

from jobbatch_dagster.batch.brief import BRIEF_MARKER, brief_description, strip_boilerplate
from jobbatch_dagster.batch.requests import posting_fingerprint, prepare_posting
from jobbatch_dagster.emulator.rules.evidence import gather_evidence
from jobbatch_dagster.emulator.rules.lead import qualify_answer
from jobbatch_dagster.settings import QUALIFY_DESCRIPTION_CHARS, Settings
from jobbatch_dagster.sources.day import read_day
from jobbatch_dagster.tasks import get_task
from jobbatch_dagster.tasks.profile import LeadProfile

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
AD = """Keystone Insurance is a 12-person agency. We key every PDF invoice into QuickBooks by hand.

Benefits:
- Medical, dental and vision insurance
- 401(k) with company match

Apply on our website; we review applications daily.

We are an equal opportunity employer. All qualified applicants will receive consideration."""


def test_boilerplate_goes_and_the_work_stays() -> None:
    brief = strip_boilerplate(AD)
    assert brief == (
        "Keystone Insurance is a 12-person agency. We key every PDF invoice into QuickBooks by hand."
    )


def test_a_long_description_is_cut_at_a_sentence_and_says_how_much_was_left_out() -> None:
    text = "We re-type orders into the ERP every day. " * 40
    brief = brief_description(text, 200)
    kept = brief.split(" [...", 1)[0]
    assert kept.endswith("every day.") and len(kept) <= 200
    left = len(text.strip()) - len(kept)
    assert brief.endswith(BRIEF_MARKER.format(left=left))


def test_a_description_of_nothing_but_boilerplate_is_kept_rather_than_emptied() -> None:
    assert brief_description("Apply in person Monday-Friday 9am-4pm.", 800) == (
        "Apply in person Monday-Friday 9am-4pm."
    )


def test_the_cut_is_part_of_the_request_fingerprint() -> None:
    job = {"title": "Data entry clerk", "description": AD}
    qualify, profile, limit = get_task("qualify"), LeadProfile(), Settings.max_description_chars
    whole = posting_fingerprint(job, qualify, "gpt-4.1-nano", profile, limit)
    brief = posting_fingerprint(job, qualify, "gpt-4.1-nano", profile, limit, 800)
    shorter = posting_fingerprint(job, qualify, "gpt-4.1-nano", profile, limit, 60)
    assert len({whole, brief, shorter}) == 3
    assert "equal opportunity" not in prepare_posting(job, 0, limit, (), 800).posting["description"]


@pytest.mark.parametrize("day", sorted(p.name for p in SAMPLE.iterdir() if p.is_dir()))
def test_on_the_sample_data_the_brief_posting_gets_the_same_verdict_as_the_whole(day: str) -> None:
    """The emulator's qualify rules (the fit signals, disqualifiers and urgency they find) give
    every sample posting the same verdict and score from the brief as from the whole posting."""
    qualify, profile = get_task("qualify"), LeadProfile()
    limit = Settings.max_description_chars
    postings = read_day(SAMPLE, day).postings
    assert postings
    for posting in postings:
        job = posting.to_job_dict()
        answers = []
        for cut in (None, QUALIFY_DESCRIPTION_CHARS):
            prepared = prepare_posting(job, 0, limit, (), cut)
            body = qualify.build_body(prepared.posting, "gpt-4.1-nano", profile)
            answer = qualify_answer(gather_evidence(body["messages"]))
            answers.append((answer["qualified"], answer["score"]))
        assert answers[0] == answers[1], posting.job_id

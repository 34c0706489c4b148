"""The emulator judges a request of several postings exactly as it judges each posting alone:
on every sample posting the grouped verdict's qualified and score equal the one-posting answer's,
so the leads found do not depend on postings_per_request."""

from __future__ import annotations

import json
from pathlib import Path

from jobbatch_dagster.batch.requests import prepare_posting
from jobbatch_dagster.emulator.rules.responder import answer_content
from jobbatch_dagster.settings import load_settings
from jobbatch_dagster.sources.day import read_day
from jobbatch_dagster.tasks import get_task

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "data" / "sample"


def test_grouped_verdicts_equal_the_one_posting_answers_on_every_sample_posting() -> None:
    settings = load_settings(REPO / "jobbatch.toml")
    stage = settings.stage("qualify")
    task = get_task("qualify")
    postings = [
        prepare_posting(p.to_job_dict(), 0, 12_000, (), stage.description_chars).posting
        for day in sorted(SAMPLE.iterdir())
        if day.is_dir()
        for p in read_day(SAMPLE, day.name).postings
    ]
    alone = []
    for posting in postings:
        body = task.build_body(posting, stage.model, settings.lead_profile)
        answer = json.loads(answer_content(body, body["messages"]))
        alone.append((answer["qualified"], answer["score"]))
    grouped = []
    size = stage.postings_per_request
    for start in range(0, len(postings), size):
        pairs = [(str(n), p) for n, p in enumerate(postings[start : start + size], 1)]
        body = task.grouped().build_body(pairs, stage.model, settings.lead_profile)
        verdicts = json.loads(answer_content(body, body["messages"]))["verdicts"]
        assert [v["id"] for v in verdicts] == [key for key, _ in pairs]
        grouped += [(v["qualified"], v["score"]) for v in verdicts]
    assert len(postings) > 300 and size > 1
    assert grouped == alone
    assert 0 < sum(q for q, _ in alone) < len(alone)  # leads and non-leads both judged


def test_a_missing_verdict_fault_drops_the_last_posting_only() -> None:
    settings = load_settings(REPO / "jobbatch.toml")
    pairs = [
        (str(n), {"title": f"Clerk {n}", "description": "Excel data entry"}) for n in (1, 2, 3)
    ]
    body = get_task("qualify").grouped().build_body(pairs, "gpt-4.1-nano", settings.lead_profile)
    verdicts = json.loads(answer_content(body, body["messages"], missing_verdict=True))["verdicts"]
    assert [v["id"] for v in verdicts] == ["1", "2"]

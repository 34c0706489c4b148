"""The outreach stage through the real Dagster machinery on the emulator: only the day's top leads
are sent, their outreach lands in qualified_leads and top_leads, and a re-run sends nothing."""

from __future__ import annotations

import dataclasses

import pytest

from jobbatch_dagster.defs import build_defs
from jobbatch_dagster.defs.stages.keys import batch_key
from jobbatch_dagster.settings import StageConfig
from tests.pipeline.nights import DAY1, Pipeline

pytestmark = pytest.mark.integration

TOP, MIN_SCORE = 3, 70


@pytest.fixture
def tight(pipeline: Pipeline) -> Pipeline:
    """The shipped config with a small outreach quota, so the test can see who was left out."""
    stages = tuple(
        dataclasses.replace(s, threshold=MIN_SCORE, top=TOP) if s.task == "outreach" else s
        for s in pipeline.settings.stages
    )
    assert StageConfig("outreach", after="analyze", threshold=MIN_SCORE, top=TOP) in stages
    settings = dataclasses.replace(pipeline.settings, stages=stages)
    return Pipeline(settings, build_defs(settings), pipeline.instance, pipeline.emulator)


def test_only_the_days_top_leads_get_outreach_and_a_rerun_sends_nothing(tight: Pipeline) -> None:
    tight.drop(DAY1)
    first = tight.night(DAY1)

    eligible = tight.sql(
        "SELECT job_id, score FROM qualified_leads WHERE score >= ? AND analysis IS NOT NULL "
        "ORDER BY score DESC",
        [MIN_SCORE],
    )
    assert len(eligible) > TOP, "the sample day needs more eligible leads than the quota"
    sent = tight.sql(
        "SELECT r.job_id, q.score FROM batch_requests AS r JOIN qualifications AS q "
        "USING (job_id) WHERE r.stage = 'outreach' ORDER BY q.score DESC"
    )
    assert len(sent) == TOP
    assert tight.sql("SELECT DISTINCT state FROM batch_requests WHERE stage = 'outreach'") == [
        ("answered",)
    ]
    # the best scores were sent: nobody left out scores above anyone sent
    left_out = {job for job, _ in eligible} - {job for job, _ in sent}
    assert max(s for j, s in eligible if j in left_out) <= min(s for _, s in sent)
    # the answers are joined into the leads and the morning view, and only for those leads
    with_outreach = tight.sql(
        "SELECT job_id FROM qualified_leads WHERE outreach IS NOT NULL ORDER BY job_id"
    )
    assert with_outreach == sorted((job,) for job, _ in sent)
    subjects = tight.sql("SELECT email_subject, call_opener FROM top_leads LIMIT ?", [TOP])
    assert all(subject and opener for subject, opener in subjects)
    # each request read the lead's analysis, not just the posting
    roi = tight.sql("SELECT roi FROM outreach")
    assert all("taken from the lead's analysis" in str(r[0]) for r in roi)
    # it went through the same ledger: one emulator batch, priced at batch rates
    assert tight.sql("SELECT backend, status FROM batches WHERE stage = 'outreach'") == [
        ("emulator", "completed")
    ]
    assert tight.one("SELECT batch_usd FROM batch_costs WHERE stage = 'outreach'") > 0

    batches = len(tight.provider_batches())
    tight.night(DAY1, cursor=first.cursor)
    assert len(tight.provider_batches()) == batches
    resubmitted = tight.instance.fetch_materializations(batch_key("outreach"), limit=1)
    assert resubmitted.records[0].asset_materialization.metadata["batches_created"].value == 0
    assert tight.one("SELECT count(*) FROM outreach") == TOP

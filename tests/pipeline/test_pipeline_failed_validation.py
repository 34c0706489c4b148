"""A batch the provider fails in validation for a permanent reason: the night reports it, every
request becomes a dead letter with the provider's reason, and none is left pending for a resend."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.pipeline.nights import DAY1, Pipeline

pytestmark = pytest.mark.integration


def test_an_unknown_model_dead_letters_every_request_with_the_providers_reason(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    # The emulator stops serving the configured model, as the service does for a retired one.
    models = tmp_path / "models.json"
    models.write_text(json.dumps({"as_of": "2026-11-29", "models": ["gpt-4.1-mini"]}))
    pipeline.emulator.extra_args = ("--models", str(models))
    pipeline.emulator.restart()
    pipeline.drop(DAY1)
    pipeline.night(DAY1)

    assert pipeline.sql("SELECT DISTINCT stage, status FROM batches") == [("qualify", "failed")]
    [(state, code, message)] = pipeline.sql(
        "SELECT DISTINCT state, error_code, error_message FROM batch_requests"
    )
    assert (state, code) == ("dead_lettered", "model_not_found")
    assert "The provided model 'gpt-4o-mini' is not supported by the Batch API." in message
    assert "line 1, param body.model" in message

    # Nothing is left pending, so no follow-up picks these requests up to send them unchanged.
    assert (
        pipeline.one("SELECT count(*) FROM batch_requests WHERE state IN ('pending', 'submitted')")
        == 0
    )

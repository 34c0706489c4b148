"""``jobbatch eval``: a labelled set through qualify on a model, end to end against the emulator
it starts itself (the real SDK over HTTP), with precision, recall and cost, said to be rules."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from jobbatch_dagster.cli import main

SAMPLE_LABELS = Path(__file__).resolve().parents[2] / "data" / "sample" / "labels.jsonl"


@pytest.fixture(autouse=True)
def no_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)


def test_eval_on_the_sample_labels_reports_precision_recall_and_cost_and_says_rules() -> None:
    rows = [json.loads(line) for line in SAMPLE_LABELS.read_text(encoding="utf-8").splitlines()]
    leads = sum(row["lead"] for row in rows)
    assert 0 < leads < len(rows)

    result = CliRunner().invoke(
        main,
        ["eval", "--stage", "qualify", "--model", "gpt-4.1-nano", "--labels", str(SAMPLE_LABELS)],
    )

    assert result.exit_code == 0, result.output
    out = result.output
    assert (
        f"qualify on gpt-4.1-nano (emulator), {len(rows)} labelled postings ({leads} leads)" in out
    )
    found = re.search(r"\((\d+) of (\d+) found are leads\), recall [\d.]+% \((\d+) of (\d+)", out)
    assert found, out
    true_found, all_found, true_again, all_leads = map(int, found.groups())
    assert true_found == true_again and all_leads == leads
    assert 0 < true_found <= all_found
    per_lead = re.search(r"\$([\d.]+) per 1,000 postings, \$([\d.]+) per true lead", out)
    assert per_lead and float(per_lead.group(1)) > 0 and float(per_lead.group(2)) > 0
    assert "emulator's published rules, not from a model" in out


def test_a_row_without_a_label_is_an_error_naming_it(tmp_path: Path) -> None:
    labels = tmp_path / "mine.jsonl"
    labels.write_text(
        json.dumps({"title": "Data entry clerk", "description": "Excel all day", "lead": True})
        + "\n"
        + json.dumps({"title": "Line cook", "description": "Grill and prep"})
        + "\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["eval", "--labels", str(labels)])
    assert result.exit_code == 1
    assert "posting 2 ('Line cook') has no 'lead' label" in result.output

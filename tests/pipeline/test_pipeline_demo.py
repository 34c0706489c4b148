"""`make demo` on one sample day, from an empty folder: offline even when a key is set."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from jobbatch_dagster import demo
from tests.pipeline.nights import DAY1, REPO, SAMPLE, SUBSET

pytestmark = pytest.mark.integration


def test_demo_with_a_key_spends_nothing_and_twice_submits_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "data" / "sample" / DAY1).mkdir(parents=True)
    for name in SUBSET:
        shutil.copy(SAMPLE / DAY1 / name, tmp_path / "data" / "sample" / DAY1 / name)
    shutil.copy(REPO / "jobbatch.toml", tmp_path / "jobbatch.toml")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("JOBBATCH_WAREHOUSE", raising=False)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "data" / "dagster_home"))
    monkeypatch.setenv("OPENAI_API_KEY", "sk-a-real-looking-key-that-must-not-be-used")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")  # nothing listens there

    assert demo.main(["--latency", "0"]) == 0
    first = capsys.readouterr().out
    assert "spends no money without --use-openai" in first
    assert "sk-a-real" not in first
    warehouse = tmp_path / "data" / "warehouse.duckdb"
    assert str(warehouse) in first
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("SELECT DISTINCT backend FROM batches").fetchall() == [("emulator",)]
        assert con.execute("SELECT count(*) FROM qualified_leads").fetchone()[0] > 0
        spend = dict(con.execute("SELECT kind, sum(usd) FROM spend GROUP BY kind").fetchall())
    # after the top leads: the outreach of the first two, then one live question on the best
    after_leads = first.split("== Top leads", 1)[1]
    assert "== Outreach for the first 2 top leads" in after_leads
    assert after_leads.count("Call opener: ") == 2 and after_leads.count("Subject: ") == 2
    assert "== Live follow-up: jobbatch leads ask" in after_leads
    assert "no model was called" in after_leads and "[live call: gpt-4o-mini" in after_leads
    assert "== Spend, batch and live (spend)" in after_leads
    assert spend["batch"] > 0 and spend["live"] > 0

    monkeypatch.setenv("OPENAI_API_KEY", "sk-a-real-looking-key-that-must-not-be-used")
    assert demo.main(["--latency", "0"]) == 0
    second = capsys.readouterr().out
    assert "New batches this run: 0" in second
    assert "asked in an earlier run" in second  # the live question is not paid for twice
    with duckdb.connect(str(warehouse), read_only=True) as con:
        again = dict(con.execute("SELECT kind, sum(usd) FROM spend GROUP BY kind").fetchall())
    assert again == spend
    assert (tmp_path / "data" / "dagster_home" / "dagster.yaml").is_file()

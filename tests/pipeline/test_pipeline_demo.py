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
        funnel = con.execute("SELECT * FROM daily_funnel").fetchall()
    assert funnel[0][4] > 0  # qualify_sent

    monkeypatch.setenv("OPENAI_API_KEY", "sk-a-real-looking-key-that-must-not-be-used")
    assert demo.main(["--latency", "0"]) == 0
    assert "New batches this run: 0" in capsys.readouterr().out
    with duckdb.connect(str(warehouse), read_only=True) as con:  # the second run rewrote no history
        assert con.execute("SELECT * FROM daily_funnel").fetchall() == funnel
    assert (tmp_path / "data" / "dagster_home" / "dagster.yaml").is_file()

"""`jobbatch day run`: a scrape day through the pipeline layer from the command line, no Dagster,
against a private emulator over HTTP, into a real DuckDB file in a fresh folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from jobbatch_dagster.cli import main
from jobbatch_dagster.emulator.process import EmulatorProcess
from tests.pipeline.nights import DAY1, REPO, SAMPLE, SUBSET

pytestmark = pytest.mark.integration


@pytest.fixture
def folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_emulator: EmulatorProcess
) -> Path:
    """A user's folder: the shipped config and one sample day dropped where the scraper would,
    and a private emulator (another test's batches for the same day would be reconciled)."""
    monkeypatch.setenv("OPENAI_BASE_URL", fresh_emulator.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", fresh_emulator.api_key)
    (tmp_path / "data" / "incoming" / DAY1).mkdir(parents=True)
    for name in SUBSET:
        shutil.copy(SAMPLE / DAY1 / name, tmp_path / "data" / "incoming" / DAY1 / name)
    shutil.copy(REPO / "jobbatch.toml", tmp_path / "jobbatch.toml")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("JOBBATCH_WAREHOUSE", raising=False)
    monkeypatch.delenv("JOBBATCH_CONFIG", raising=False)
    return tmp_path


def test_day_run_fills_the_leads_and_a_second_run_pays_for_nothing(folder: Path) -> None:
    first = CliRunner().invoke(main, ["day", "run", "--day", DAY1, "--poll", "0.05"])
    assert first.exit_code == 0, first.output
    assert f"{DAY1}: " in first.output and "postings" in first.output
    assert "qualify: 1 batch(es) created" in first.output
    with duckdb.connect(str(folder / "data" / "warehouse.duckdb"), read_only=True) as con:
        leads = con.execute("SELECT count(*) FROM qualified_leads").fetchone()[0]
        pending = con.execute(
            "SELECT count(*) FROM batch_requests WHERE state IN ('pending', 'submitted')"
        ).fetchone()[0]
        backends = con.execute("SELECT DISTINCT backend FROM batches").fetchall()
    assert leads > 0 and pending == 0 and backends == [("emulator",)]

    second = CliRunner().invoke(main, ["day", "run", "--day", DAY1, "--poll", "0.05"])
    assert second.exit_code == 0, second.output
    assert "1 batch(es) created" not in second.output
    assert second.output.count("0 batch(es) created") == first.output.count("batch(es) created")


def test_day_run_names_a_bad_day() -> None:
    result = CliRunner().invoke(main, ["day", "run", "--day", "2026-13-01"])
    assert result.exit_code != 0 and "is not a date YYYY-MM-DD" in result.output

"""``jobbatch estimate``: the night's cost per stage before it runs, within 10% of what it then
costs. Real nights through ``pipeline/`` against the emulator, a real DuckDB file."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from jobbatch_dagster.batch.client import BatchClient
from jobbatch_dagster.cli import main
from jobbatch_dagster.emulator.process import EmulatorProcess
from jobbatch_dagster.pipeline.day import Patience, run_day
from jobbatch_dagster.pipeline.forecast import forecast_night
from jobbatch_dagster.pipeline.ingest import ingest_day
from jobbatch_dagster.settings import Settings
from jobbatch_dagster.sources.day import read_day
from jobbatch_dagster.warehouse import ensure_schema
from tests.pipeline.nights import DAY1, DAY2, SAMPLE, SUBSET

BOUND = 0.10


def drop(settings: Settings, day: str) -> list[dict[str, object]]:
    target = settings.incoming_dir / day
    target.mkdir(parents=True, exist_ok=True)
    for name in SUBSET:
        shutil.copy(SAMPLE / day / name, target / name)
    return [p.to_job_dict() for p in read_day(settings.incoming_dir, day).postings]


def spent(con: duckdb.DuckDBPyConnection, day: str) -> float:
    return con.execute(
        "SELECT sum(batch_usd) FROM costs WHERE scrape_date = ?", [date.fromisoformat(day)]
    ).fetchone()[0]


def test_the_estimate_before_a_night_is_within_10_percent_of_its_cost(
    settings: Settings, fresh_emulator: EmulatorProcess
) -> None:
    client = BatchClient(api_key=fresh_emulator.api_key, base_url=fresh_emulator.base_url)
    patience = Patience(poll_seconds=0.05, timeout_seconds=60)
    with duckdb.connect(str(settings.warehouse_path)) as con:
        ensure_schema(con)
        errors = []
        for day in (DAY1, DAY2):
            jobs = drop(settings, day)
            forecast = forecast_night(jobs, settings, con, date.fromisoformat(day))
            assert [s.stage for s in forecast.stages] == [s.task for s in settings.stages]
            ingest_day(settings, con, date.fromisoformat(day))
            run_day(con, client, settings, date.fromisoformat(day), patience)
            errors.append(forecast.batch_usd / spent(con, day) - 1)
        # the second night leaves out the reposts answered on the first, and uses its answer sizes
        assert forecast.fresh < forecast.postings
        assert all(s.measured for s in forecast.stages)
    assert all(abs(error) <= BOUND for error in errors), errors


def test_jobbatch_estimate_prints_each_stage_batch_against_live(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    drop(settings, DAY1)
    monkeypatch.chdir(tmp_path)  # no jobbatch.toml here: the built-in defaults, the shipped stages
    monkeypatch.setenv("JOBBATCH_WAREHOUSE", str(tmp_path / "nothing-yet.duckdb"))
    (tmp_path / "data").mkdir()
    shutil.copytree(settings.incoming_dir, tmp_path / "data" / "incoming")

    result = CliRunner().invoke(main, ["estimate", "--day", DAY1])

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    stages = {line.split()[0]: line.split() for line in lines[2:-1]}
    assert list(stages) == [s.task for s in settings.stages]
    for cells in stages.values():
        batch, live = (float(cell.lstrip("$")) for cell in cells[6:8])
        assert batch == pytest.approx(live / 2, abs=0.0001)
        assert cells[-1] == "typical"  # no warehouse yet: the tasks' typical answer sizes
    assert lines[-1].startswith("night")
    assert not (tmp_path / "nothing-yet.duckdb").exists()  # an estimate writes nothing


def test_jobbatch_estimate_needs_a_file_or_a_day() -> None:
    result = CliRunner().invoke(main, ["estimate"])
    assert result.exit_code == 2 and "give either JOBS_FILE or --day" in result.output
    result = CliRunner().invoke(main, ["estimate", "--day", "2026-02-30"])
    assert result.exit_code == 2 and "is not a date YYYY-MM-DD" in result.output

"""A whole scrape day through pipeline/ alone: no Dagster, the real SDK over HTTP to the emulator
and a real DuckDB file. What the assets do is these same calls, so this is the night without the
orchestration."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from datetime import date

import duckdb
import pytest

from jobbatch_dagster.batch.client import BatchClient
from jobbatch_dagster.emulator.process import EmulatorProcess
from jobbatch_dagster.pipeline.audit import audit_stage_day
from jobbatch_dagster.pipeline.checks import batches_completed
from jobbatch_dagster.pipeline.day import stages_in_order
from jobbatch_dagster.settings import Settings, StageConfig
from tests.pipeline.nights import DAY1, DAY2, REPO, ingest, night_without_dagster

DAY = date.fromisoformat(DAY1)


def test_a_whole_day_runs_through_the_pipeline_layer_without_dagster(
    con: duckdb.DuckDBPyConnection, settings: Settings, fresh_emulator: EmulatorProcess
) -> None:
    postings = ingest(con, settings)
    run = night_without_dagster(con, settings, fresh_emulator)

    qualify = run.stages["qualify"]
    assert qualify.built.candidates == postings > 0
    assert qualify.submitted.backend == "emulator" and qualify.submitted.created
    assert set(qualify.harvested.statuses.values()) == {"completed"}
    assert qualify.results.rows == postings  # every posting of the day has its typed answer
    client = BatchClient(api_key=fresh_emulator.api_key, base_url=fresh_emulator.base_url)
    provider = list(client.recent_batches())
    for stage in settings.stages:
        audited = audit_stage_day(con, client, settings, stage.task, DAY, provider)
        assert audited.passed, audited
        assert batches_completed(con, stage.task, DAY).passed
    assert con.execute("SELECT DISTINCT state FROM batch_requests").fetchall() == [("answered",)]
    qualified = con.execute(
        "SELECT count(*) FROM qualifications WHERE scrape_date = ? AND score >= ?",
        [DAY, settings.qualify_threshold],
    ).fetchone()[0]
    assert run.leads is not None and run.leads.qualified_sightings == qualified > 0
    assert run.stages["analyze"].results.rows == qualified  # later stages ran on the qualified
    assert run.leads.with_analysis == qualified
    assert run.leads.preview.rows

    again = night_without_dagster(
        con, settings, fresh_emulator
    )  # a second run of the day pays for nothing
    assert all(not s.submitted.created for s in again.stages.values())
    assert again.leads is not None and again.leads.qualified_sightings == qualified


def test_lead_counts_per_sighting_and_per_lead_add_up_across_days(
    con: duckdb.DuckDBPyConnection, settings: Settings, fresh_emulator: EmulatorProcess
) -> None:
    """``qualified_sightings`` (the asset's metadata) counts the day's sightings that qualify;
    ``daily_funnel.leads`` lists each lead once, under its latest sighting. A posting re-sighted
    the next day is the whole difference between them."""
    sightings = {}
    for day in (DAY1, DAY2):  # the second day's scrapers see the first day's postings again
        ingest(con, settings, day, source=DAY1)
        built = night_without_dagster(con, settings, fresh_emulator, date.fromisoformat(day)).leads
        assert built is not None
        sightings[day] = built.qualified_sightings
    funnel = dict(
        con.execute("SELECT CAST(scrape_date AS VARCHAR), leads FROM daily_funnel").fetchall()
    )
    moved = con.execute(
        "SELECT count(*) FROM qualified_leads AS l JOIN job_sightings AS s "
        "ON s.job_id = l.job_id AND s.scrape_date = ? WHERE l.scrape_date = ?",
        [date.fromisoformat(DAY1), date.fromisoformat(DAY2)],
    ).fetchone()[0]
    assert moved == sightings[DAY1] > 0
    assert funnel[DAY2] == sightings[DAY2]
    assert funnel[DAY1] == sightings[DAY1] - moved
    assert sum(funnel.values()) == con.execute("SELECT count(*) FROM qualified_leads").fetchone()[0]


def test_stages_run_after_the_stage_they_depend_on_whatever_the_config_order() -> None:
    later = StageConfig("analyze", after="qualify")
    first = StageConfig("qualify")
    settings = dataclasses.replace(Settings(), stages=(later, first))
    assert [s.task for s in stages_in_order(settings)] == ["qualify", "analyze"]
    with pytest.raises(ValueError, match="analyze after nowhere"):
        stages_in_order(
            dataclasses.replace(Settings(), stages=(StageConfig("analyze", after="nowhere"),))
        )


# The layers the architecture fixes as Dagster-free: importing every module of them must load
# neither dagster (nor its libraries) nor the Dagster wiring in defs/.
DAGSTER_FREE = ("pipeline", "batch", "tasks", "sources", "warehouse")


def test_the_plain_layers_never_import_dagster_or_defs() -> None:
    probe = (
        "import importlib, pkgutil, sys\n"
        f"for layer in {DAGSTER_FREE!r}:\n"
        "    package = importlib.import_module('jobbatch_dagster.' + layer)\n"
        "    for module in pkgutil.walk_packages(package.__path__, package.__name__ + '.'):\n"
        "        importlib.import_module(module.name)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('dagster', 'dagster_duckdb', 'dagster_webserver', 'dagster_graphql') "
        "or m.startswith('jobbatch_dagster.defs')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )
    assert result.stdout.strip() == "[]"


def test_nothing_imports_dagster_private_modules() -> None:
    package = REPO / "jobbatch_dagster"
    offenders = [
        str(path.relative_to(REPO))
        for path in package.rglob("*.py")
        if "dagster._" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []

"""The code location loads: as Dagster's own CLI loads it from workspace.yaml, and in-process."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from jobbatch_dagster.defs import build_defs
from jobbatch_dagster.home import DUCKDB_POOL
from jobbatch_dagster.settings import StageConfig, load_settings
from jobbatch_dagster.tasks import TASK_NAMES
from jobbatch_dagster.warehouse.results_schema import RESULT_TABLES

REPO = Path(__file__).resolve().parents[2]


def stage_assets(stages: tuple[StageConfig, ...]) -> set[str]:
    """Each stage's chain of assets and its results table."""
    parts = ("batch_input", "batch", "raw_output")
    return {f"{s.task}_{part}" for s in stages for part in parts} | {
        RESULT_TABLES[s.task] for s in stages
    }


@pytest.mark.integration
def test_workspace_validates_with_the_dagster_cli(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "dagster", "definitions", "validate", "-w", "workspace.yaml"],
        cwd=REPO,
        env={"PATH": "/usr/bin:/bin", "DAGSTER_HOME": str(tmp_path), "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Validation successful" in result.stdout + result.stderr


def test_definitions_have_the_fixed_names_and_share_the_duckdb_pool(tmp_path: Path) -> None:
    settings = dataclasses.replace(
        load_settings(REPO / "jobbatch.toml"), warehouse_path=tmp_path / "warehouse.duckdb"
    )
    defs = build_defs(settings)
    graph = defs.resolve_asset_graph()
    names = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert names == {"scraped_jobs", "qualified_leads"} | stage_assets(settings.stages)
    # a task left out of the default night is one [stages.<task>] table away
    every_task = (*settings.stages, StageConfig("extract_pain_points", after="qualify"))
    assert {s.task for s in every_task} == set(TASK_NAMES)
    everything = build_defs(dataclasses.replace(settings, stages=every_task))
    names = {key.to_user_string() for key in everything.resolve_asset_graph().get_all_asset_keys()}
    assert names == {"scraped_jobs", "qualified_leads"} | stage_assets(every_task)
    for key in graph.get_all_asset_keys():  # every asset writes the warehouse
        assert defs.resolve_assets_def(key).node_def.pool == DUCKDB_POOL, key
    assert defs.resolve_sensor_def("batch_status_sensor").default_status.value == "RUNNING"
    nightly = defs.resolve_job_def("nightly_job")
    assert {k.to_user_string() for k in nightly.asset_layer.selected_asset_keys} == {
        "scraped_jobs", "qualify_batch_input", "qualify_batch"
    }  # fmt: skip
    checks = {key.name for key in graph.asset_check_keys}
    assert {
        "rejection_rate",
        "requests_accounted_for",
        "provider_totals_match_ledger",
        "output_lines_match_requests",
        "provider_batches_on_ledger",
        "answers_loaded",
        "batches_completed",
    } <= checks
    assert {f"{RESULT_TABLES[s.task]}_match_schema" for s in settings.stages} <= checks

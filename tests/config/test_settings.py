"""The one configuration file: defaults, overrides and errors that name the file and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from jobbatch_dagster.batch.pricing import cheapest_structured_model
from jobbatch_dagster.settings import ConfigError, Settings, load_settings


def test_shipped_config_matches_defaults_and_runs_the_fewest_stages() -> None:
    settings = load_settings(Path(__file__).parents[2] / "jobbatch.toml")
    # extract_pain_points repeats what analyze answers, so the default night leaves it out
    assert [s.task for s in settings.stages] == ["qualify", "analyze", "parse", "outreach"]
    assert [s.after for s in settings.stages] == [None, "qualify", "qualify", "analyze"]
    assert settings.stages == Settings().stages
    qualify = settings.stage("qualify")
    assert (qualify.model, qualify.description_chars) == (cheapest_structured_model(), 800)
    assert all(s.description_chars is None for s in settings.stages[1:])
    assert (settings.stage("outreach").top, settings.stage("outreach").threshold) == (10, 80)
    assert settings.max_usd_live_per_day == 1.0
    assert settings.qualify_threshold == 60
    assert settings.max_requests_per_batch == 50_000
    assert settings.max_bytes_per_batch == 209_715_200


def test_overrides_and_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "custom.toml"
    config.write_text(
        '[stages.qualify]\nmodel = "gpt-4.1-mini"\nthreshold = 75\n'
        "[limits]\nmax_requests_per_batch = 10\n"
        '[lead_profile]\nname = "Acme RPA"\nfit_signals = ["invoices"]\n'
    )
    monkeypatch.setenv("JOBBATCH_CONFIG", str(config))
    monkeypatch.setenv("JOBBATCH_WAREHOUSE", str(tmp_path / "w.duckdb"))
    settings = load_settings()
    assert settings.stage("qualify").model == "gpt-4.1-mini"
    assert settings.qualify_threshold == 75
    assert [s.task for s in settings.stages] == ["qualify"]
    assert settings.max_requests_per_batch == 10
    assert settings.lead_profile.name == "Acme RPA"
    assert settings.lead_profile.fit_signals == ("invoices",)
    assert settings.warehouse_path == tmp_path / "w.duckdb"
    assert settings.source == config


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[limits]\nmax_requests_per_batch = 'many'\n", "max_requests_per_batch must be int"),
        ("[stages.qualify]\nmodel = 'm'\nthreshold = true\n", "threshold must be int"),
        ("[limits\n", "not valid TOML"),
    ],
)
def test_bad_values_name_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(text)
    with pytest.raises(ConfigError, match=message) as info:
        load_settings(config)
    assert str(config) in str(info.value)


def test_missing_file_says_how_to_fix(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.toml")


def test_unknown_stage_lists_known_ones() -> None:
    settings = load_settings(Path(__file__).parents[2] / "jobbatch.toml")
    with pytest.raises(ConfigError, match="stages are: qualify, analyze"):
        settings.stage("summarize")


def test_the_warehouse_section_chooses_a_ducklake_and_keeps_secrets_out(tmp_path: Path) -> None:
    config = tmp_path / "lake.toml"
    config.write_text(
        '[warehouse]\ncatalog = "postgres:host=db port=5433 user=etl dbname=jobbatch_lake"\n'
        'data_path = "s3://bucket/lake/"\n'
    )
    lake = load_settings(config).lake
    assert lake is not None
    assert (lake.catalog, lake.data_path, lake.on_s3) == (
        "postgres:host=db port=5433 user=etl dbname=jobbatch_lake",
        "s3://bucket/lake/",
        True,
    )
    config.write_text('[warehouse]\ncatalog = "postgres:dbname=lake"\n')
    assert load_settings(config).warehouse.lake.data_path == "data/lake/"
    assert load_settings(tmp_path / "lake.toml").warehouse.exists()
    assert Settings().lake is None  # no section: the DuckDB file of [paths] warehouse


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[warehouse]\ncatalogue = "postgres:dbname=x"\n', "did you mean 'catalog'"),
        ('[warehouse]\ndata_path = "data/lake/"\n', "data_path is set but catalog is not"),
        ('[warehouse]\ncatalog = "sqlite:lake.db"\n', "catalog must be a PostgreSQL database"),
        (
            '[warehouse]\ncatalog = "postgres:dbname=x password=hunter2"\n',
            "remove it and set PGPASSWORD",
        ),
        ('[warehous]\ncatalog = "postgres:dbname=x"\n', "did you mean 'warehouse'"),
    ],
)
def test_a_wrong_warehouse_section_says_what_to_fix(
    tmp_path: Path, text: str, message: str
) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(text)
    with pytest.raises(ConfigError, match=message) as info:
        load_settings(config)
    assert str(config) in str(info.value)
    assert "hunter2" not in str(info.value)

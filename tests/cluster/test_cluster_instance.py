"""The cluster instance is chosen in jobbatch.toml: ``[instance] storage`` is checked like every
other key, and the dagster.yaml written from it loads as a PostgreSQL instance."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from jobbatch_dagster.cluster.services import LocalPostgres
from jobbatch_dagster.home import prepare_dagster_home
from jobbatch_dagster.settings import ConfigError, load_settings


def _config(tmp_path: Path, instance: str) -> Path:
    path = tmp_path / "jobbatch.toml"
    path.write_text(f"[instance]\n{instance}\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('storage = "postgres:host=db dbname=d password=hunter2"', "PGPASSWORD"),
        ('storage = "postgres:host=db dbname=d sslmod=require"', "'sslmod=require' is not one"),
        ('storage = "postgres:host=db"', "dbname=... is missing"),
        ('storage = "postgres:host=db port=http dbname=d"', "port must be a number"),
        ('storage = "mysql://db/d"', "must be 'sqlite' or"),
        ("max_concurrent_runs = 0", "max_concurrent_runs must be between 1 and 100"),
        ("sensor_interval = 5", "did you mean 'sensor_interval_seconds'"),
    ],
)
def test_a_wrong_instance_setting_is_refused_naming_the_key(
    tmp_path: Path, line: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=message) as error:
        load_settings(_config(tmp_path, line))
    assert "[instance]" in str(error.value) and "hunter2" not in str(error.value)


@pytest.mark.integration
def test_the_written_dagster_yaml_is_a_postgres_instance_and_follows_the_config(
    tmp_path: Path, postgres: LocalPostgres, pg_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    monkeypatch.setenv("PGPASSWORD", "")
    storage = f'storage = "postgres:{postgres.libpq(pg_database)}"'
    settings = load_settings(_config(tmp_path, f'home = "{tmp_path / "home"}"\n{storage}'))
    home = prepare_dagster_home(settings=settings)
    assert home == tmp_path / "home"
    text = (home / "dagster.yaml").read_text(encoding="utf-8")
    assert "PGPASSWORD" in text and "QueuedRunCoordinator" in text
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert type(instance.run_storage).__module__.startswith("dagster_postgres")
        assert type(instance.event_log_storage).__module__.startswith("dagster_postgres")
        assert type(instance.schedule_storage).__module__.startswith("dagster_postgres")
        assert instance.run_monitoring_enabled
    # a changed [instance] rewrites the file; once its first line is gone, it is the user's
    moved = load_settings(_config(tmp_path, f'home = "{home}"\n{storage}\nmax_concurrent_runs = 9'))
    prepare_dagster_home(settings=moved)
    assert "max_concurrent_runs: 9" in (home / "dagster.yaml").read_text(encoding="utf-8")
    edited = "\n".join((home / "dagster.yaml").read_text(encoding="utf-8").splitlines()[1:])
    (home / "dagster.yaml").write_text(edited, encoding="utf-8")
    prepare_dagster_home(settings=settings)
    assert (home / "dagster.yaml").read_text(encoding="utf-8") == edited

"""The production templates in deploy/ pass Dagster's own config check.

Docker and Kubernetes cannot run here, so the templates are checked, not deployed: the compose
dagster.yaml is loaded as the instance it describes (``DagsterInstance.from_config``: Dagster's
schema check, then each storage connecting to a real PostgreSQL); for the Helm values, the instance
part is turned into the dagster.yaml the official chart renders from them and loaded the same way,
and the K8sRunLauncher's settings are checked against that launcher's own config schema (building
the launcher would need a Kubernetes API to talk to).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
import yaml
from dagster_docker import DockerRunLauncher
from dagster_k8s import K8sRunLauncher

from jobbatch_dagster.cluster.services import LocalPostgres

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
pytestmark = pytest.mark.integration


@pytest.fixture
def postgres_env(
    postgres: LocalPostgres, pg_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The variables the templates read, pointed at the test's database."""
    for name, value in {
        "DAGSTER_POSTGRES_HOST": postgres.host,
        "DAGSTER_POSTGRES_PORT": str(postgres.port),
        "DAGSTER_POSTGRES_USER": postgres.user,
        "DAGSTER_POSTGRES_DB": pg_database,
        "PGPASSWORD": "",
    }.items():
        monkeypatch.setenv(name, value)


def _load(folder: Path, config: dict[str, Any]) -> dg.DagsterInstance:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "dagster.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    return dg.DagsterInstance.from_config(str(folder))


def test_the_compose_instance_loads_with_the_docker_run_launcher(
    postgres_env: None, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(DEPLOY / "compose" / "dagster.yaml", home / "dagster.yaml")
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert isinstance(instance.run_launcher, DockerRunLauncher)
        assert instance.run_launcher.networks == ["jobbatch"]
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
        assert type(instance.run_storage).__module__.startswith("dagster_postgres")
        assert instance.run_monitoring_enabled
        instance.get_runs()  # the schema it created in PostgreSQL answers


def test_a_mistyped_key_in_a_template_fails_the_check(postgres_env: None, tmp_path: Path) -> None:
    config = yaml.safe_load((DEPLOY / "compose" / "dagster.yaml").read_text(encoding="utf-8"))
    config["concurrency"]["runs"] = {"max_concurent_runs": 4}
    with pytest.raises(dg.DagsterInvalidConfigError, match="max_concurent_runs"):
        _load(tmp_path / "typo", config)


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


def chart_instance(values: dict[str, Any], server: LocalPostgres) -> dict[str, Any]:
    """The dagster.yaml the chart's instance ConfigMap renders from ``values`` (the parts deploy/
    sets; the password comes from ``global.postgresqlSecretName`` as the env PGPASSWORD, the
    launcher is checked on its own), with ``server`` standing in for the chart's PostgreSQL
    service (its host, port and superuser instead of the service's)."""
    pg = values["postgresql"]
    assert (pg["service"]["port"], pg["postgresqlUsername"]) == (5432, "dagster")
    postgres_db = {
        "hostname": server.host,
        "port": server.port,
        "username": server.user,
        "password": {"env": "PGPASSWORD"},
        "db_name": {"env": "DAGSTER_POSTGRES_DB"},  # the test's database; the chart: dagster
        "scheme": "postgresql+psycopg2",
    }
    daemon = values["dagsterDaemon"]
    queued = daemon["runCoordinator"]["config"]["queuedRunCoordinator"]
    coordinator = {
        "module": "dagster.core.run_coordinator",
        "class": daemon["runCoordinator"]["type"],
    }
    if queued:  # the chart writes no config block for an empty one
        coordinator["config"] = {_snake(k): v for k, v in queued.items()}
    return {
        "storage": {"postgres": {"postgres_db": postgres_db}},
        "run_coordinator": coordinator,
        "run_monitoring": {_snake(k): v for k, v in daemon["runMonitoring"].items()},
        "telemetry": values["telemetry"],
        **values["additionalInstanceConfig"],
    }


def test_the_helm_values_give_a_valid_instance_and_k8s_run_launcher(
    postgres_env: None, postgres: LocalPostgres, tmp_path: Path
) -> None:
    values = yaml.safe_load((DEPLOY / "helm" / "values.yaml").read_text(encoding="utf-8"))
    assert values["runLauncher"]["type"] == "K8sRunLauncher"
    with _load(tmp_path / "helm", chart_instance(values, postgres)) as instance:
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
        assert instance.run_monitoring_enabled
        instance.get_runs()
    k8s = values["runLauncher"]["config"]["k8sRunLauncher"]
    launcher = {  # what the chart's run launcher template writes, in K8sRunLauncher's own keys
        "load_incluster_config": True,
        "job_namespace": "default",
        "instance_config_map": "jobbatch-dagster-instance",
        "postgres_password_secret": values["global"]["postgresqlSecretName"],
        "dagster_home": "/opt/dagster/dagster_home",
        "env_secrets": [s["name"] for s in k8s["envSecrets"]],
        "env_vars": k8s["envVars"],
        "run_k8s_config": {
            "container_config": k8s["runK8sConfig"]["containerConfig"],
        },
    }

    @dg.op(config_schema=K8sRunLauncher.config_type())
    def k8s_run_launcher() -> None:
        """Carries the launcher's schema, so Dagster's run config check checks its settings."""

    @dg.job
    def launcher_check() -> None:
        k8s_run_launcher()

    dg.validate_run_config(launcher_check, {"ops": {"k8s_run_launcher": {"config": launcher}}})
    with pytest.raises(dg.DagsterInvalidConfigError):
        dg.validate_run_config(
            launcher_check,
            {"ops": {"k8s_run_launcher": {"config": {**launcher, "env_secret": ["x"]}}}},
        )

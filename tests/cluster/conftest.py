"""A real PostgreSQL for the cluster tests, started once per test process, with a database per
test (an empty one, or a DuckLake's catalog); an S3 endpoint (moto) for the tests that put the
lake's data there."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from jobbatch_dagster.cluster.services import LocalPostgres, LocalS3
from jobbatch_dagster.settings import Settings
from jobbatch_dagster.warehouse.connect import Lake, close_lakes
from tests.pipeline.nights import shipped_settings

pytestmark = pytest.mark.integration


@pytest.fixture(scope="session")
def postgres() -> Iterator[LocalPostgres]:
    """One PostgreSQL server for this test process (each xdist worker starts its own), in a
    temporary folder of its own: pytest's are private to this user, and the server may have to
    run as the postgres user."""
    with LocalPostgres() as server:
        yield server
        close_lakes()  # end this process's catalog sessions before the server stops


@pytest.fixture
def pg_database(postgres: LocalPostgres) -> str:
    """A new, empty database on the session's server; its name."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    postgres.create_database(name)
    return name


def new_database(postgres: LocalPostgres) -> str:
    """A fresh catalog database; returns its DuckLake catalog string."""
    name = f"lake_{uuid.uuid4().hex[:12]}"
    postgres.create_database(name)
    return "postgres:" + postgres.libpq(name)


@pytest.fixture
def lake(postgres: LocalPostgres, tmp_path: Path) -> Iterator[Lake]:
    """A DuckLake of this test's own: its catalog database and a data folder in tmp_path."""
    yield Lake(new_database(postgres), str(tmp_path / "lake") + "/")
    close_lakes()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The shipped configuration over temporary folders, the warehouse the DuckDB file."""
    return shipped_settings(tmp_path)


@pytest.fixture
def s3(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalS3]:
    """moto's S3 endpoint on a free port, its credentials in this test's environment."""
    with LocalS3(log_path=tmp_path / "moto.log") as server:
        for name, value in server.env().items():
            monkeypatch.setenv(name, value)
        yield server

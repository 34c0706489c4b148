"""A real PostgreSQL server for the cluster tests: one per test process, a database per test.

Under pytest-xdist every worker process starts its own server on a free port, in its own
temporary folder, so workers never share a server or a database.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from jobbatch_dagster.cluster.services import LocalPostgres


@pytest.fixture(scope="session")
def postgres() -> Iterator[LocalPostgres]:
    with LocalPostgres() as server:
        yield server


@pytest.fixture
def pg_database(postgres: LocalPostgres) -> str:
    """A new, empty database on the session's server; its name."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    postgres.create_database(name)
    return name

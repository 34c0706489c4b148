"""A fresh warehouse file per test, with every table and view created: once with the file's keys,
once without them, as a DuckLake has its tables, so every load and upsert is shown to hold on
both (the DuckLake itself, on a real PostgreSQL, is in tests/cluster)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from jobbatch_dagster.warehouse import ensure_schema
from jobbatch_dagster.warehouse.schema import schema_statements


@pytest.fixture(params=["keys", "lake tables"])
def con(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    if request.param == "lake tables":
        for ddl in schema_statements(lake=True):
            connection.execute(ddl)
    ensure_schema(connection)
    yield connection
    connection.close()

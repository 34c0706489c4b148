"""Resources: the DuckDB warehouse and the Batch API engine.

The engine reads ``OPENAI_API_KEY`` and ``OPENAI_BASE_URL`` from the environment exactly as the
``openai`` SDK does, so the key is never part of a resource's config, a run's config or metadata:
with a key it talks to OpenAI, and `make demo` / `make dev` point ``OPENAI_BASE_URL`` at the
emulator when there is none. Which one answered is recorded per batch (``batches.backend``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource
from duckdb import DuckDBPyConnection
from pydantic import Field

from jobbatch_dagster.batch.client import BatchClient
from jobbatch_dagster.settings import Settings
from jobbatch_dagster.warehouse import ensure_schema
from jobbatch_dagster.warehouse.connect import Lake, Warehouse, open_warehouse


class OpenAIBatchResource(dg.ConfigurableResource):
    """The engine's Batch API client; credentials and endpoint come from the environment."""

    max_retries: int = Field(default=2, description="SDK retries of 408/409/429/5xx per call.")
    timeout_seconds: float = Field(default=120.0, description="Timeout of one HTTP call.")

    def client(self) -> BatchClient:
        """A client for this run or tick (cheap: the SDK opens connections lazily)."""
        return BatchClient(max_retries=self.max_retries, timeout=self.timeout_seconds)


class WarehouseResource(DuckDBResource):
    """The ``duckdb`` resource: Dagster's DuckDB resource, connecting the way the rest of the
    project does (:func:`~jobbatch_dagster.warehouse.connect.open_warehouse`): the file in
    ``database``, or, with ``lake_catalog`` set, the DuckLake with its extensions and S3 secret
    set up on every connection. Credentials stay in the environment, never in this config."""

    lake_catalog: str | None = Field(
        default=None, description="[warehouse] catalog: postgres:<libpq string>, no password."
    )
    lake_data_path: str | None = Field(default=None, description="[warehouse] data_path.")

    @property
    def warehouse(self) -> Warehouse:
        if self.lake_catalog is None:
            return Warehouse(Path(self.database))
        if self.lake_data_path is None:
            return Warehouse(Path(self.database), Lake(self.lake_catalog))
        return Warehouse(Path(self.database), Lake(self.lake_catalog, self.lake_data_path))

    @contextmanager
    def get_connection(self) -> Iterator[DuckDBPyConnection]:
        """A read-write connection, closed even when the body raises (Dagster's own leaves it
        open then, which would lock out later connections of this process)."""
        with open_warehouse(self.warehouse) as con:
            yield con


@contextmanager
def warehouse_connection(resource: DuckDBResource) -> Iterator[DuckDBPyConnection]:
    """A connection with every table and view in place, closed even when the body raises."""
    with resource.get_connection() as con:
        ensure_schema(con)
        yield con


def warehouse_resource(settings: Settings) -> WarehouseResource:
    """The warehouse of ``[warehouse]`` (a DuckLake) or ``[paths] warehouse`` (the DuckDB file,
    or ``JOBBATCH_WAREHOUSE``)."""
    lake = settings.lake
    return WarehouseResource(
        database=str(settings.warehouse_path),
        lake_catalog=lake.catalog if lake else None,
        lake_data_path=lake.data_path if lake else None,
    )

"""Resources: the DuckDB warehouse and the Batch API engine.

The engine reads ``OPENAI_API_KEY`` and ``OPENAI_BASE_URL`` from the environment exactly as the
``openai`` SDK does, so the key is never part of a resource's config, a run's config or metadata:
with a key it talks to OpenAI, and `make demo` / `make dev` point ``OPENAI_BASE_URL`` at the
emulator when there is none. Which one answered is recorded per batch (``batches.backend``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
from dagster_duckdb import DuckDBResource
from duckdb import DuckDBPyConnection
from pydantic import Field

from jobbatch_dagster.batch.client import BatchClient
from jobbatch_dagster.settings import Settings
from jobbatch_dagster.warehouse import ensure_schema


class OpenAIBatchResource(dg.ConfigurableResource):
    """The engine's Batch API client; credentials and endpoint come from the environment."""

    max_retries: int = Field(default=2, description="SDK retries of 408/409/429/5xx per call.")
    timeout_seconds: float = Field(default=120.0, description="Timeout of one HTTP call.")

    def client(self) -> BatchClient:
        """A client for this run or tick (cheap: the SDK opens connections lazily)."""
        return BatchClient(max_retries=self.max_retries, timeout=self.timeout_seconds)


@contextmanager
def warehouse_connection(resource: DuckDBResource) -> Iterator[DuckDBPyConnection]:
    """A connection with every table and view in place, closed even when the body raises
    (``DuckDBResource.get_connection`` leaves it open then, which would lock out later
    connections of this process with another configuration)."""
    with resource.get_connection() as con:
        try:
            ensure_schema(con)
            yield con
        finally:
            con.close()


def warehouse_resource(settings: Settings) -> DuckDBResource:
    """The DuckDB file of ``[paths] warehouse`` (or ``JOBBATCH_WAREHOUSE``), its folder created."""
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    return DuckDBResource(database=str(settings.warehouse_path))

"""Resources: the DuckDB warehouse and the Batch API engine.

The engine reads ``OPENAI_API_KEY`` and ``OPENAI_BASE_URL`` from the environment exactly as the
``openai`` SDK does, so the key is never part of a resource's config, a run's config or metadata.
"""

from __future__ import annotations

from dagster_duckdb import DuckDBResource

from jobbatch_dagster.settings import Settings


def warehouse_resource(settings: Settings) -> DuckDBResource:
    """The DuckDB file of ``[paths] warehouse`` (or ``JOBBATCH_WAREHOUSE``), its folder created."""
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    return DuckDBResource(database=str(settings.warehouse_path))

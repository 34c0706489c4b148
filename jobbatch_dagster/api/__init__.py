"""`jobbatch serve`: the original dashboard's HTTP endpoints, the leads endpoints and the leads page.

A FastAPI app over the engine (``batch/``), the warehouse's read-only lead queries and the sources'
validation; it starts a day's Dagster run only through :mod:`~jobbatch_dagster.api.launcher`. The
OpenAPI description is at ``/openapi.json`` and ``/docs``.
"""

from jobbatch_dagster.api.app import ApiConfig, create_app

__all__ = ["ApiConfig", "create_app"]

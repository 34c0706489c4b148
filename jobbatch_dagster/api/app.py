"""The ASGI app: the guard, the JSON error handlers, the two routers and the leads page."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from jobbatch_dagster.api import batch_routes, leads_routes
from jobbatch_dagster.api.errors import install_error_handlers
from jobbatch_dagster.api.guard import DEFAULT_MAX_BODY_BYTES, Guard
from jobbatch_dagster.api.launcher import NightLauncher
from jobbatch_dagster.settings import Settings
from jobbatch_dagster.warehouse import ensure_schema
from jobbatch_dagster.warehouse.connect import Warehouse, WarehouseError, open_warehouse

STATIC_DIR = Path(__file__).parent / "static"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ApiConfig:
    settings: Settings
    launcher: NightLauncher
    token: str | None = None  # JOBBATCH_API_TOKEN; None serves loopback callers only
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES


def upgrade_warehouse(warehouse: Warehouse) -> None:
    """Bring a warehouse made by an older version up to this one's tables and views, once at start
    (the pipeline does it on every run, but the API may be started before the next run)."""
    if not warehouse.exists():
        return
    try:
        with open_warehouse(warehouse) as con:
            ensure_schema(con)
    except (duckdb.Error, WarehouseError) as exc:  # e.g. a run is writing it now
        log.warning("warehouse %s not brought up to date at start: %s", warehouse, exc)


def create_app(config: ApiConfig) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        upgrade_warehouse(config.settings.warehouse)
        yield
        config.launcher.close()

    app = FastAPI(
        title="jobbatch",
        summary="The original dashboard's batch endpoints, the leads and the leads page.",
        lifespan=lifespan,
    )
    app.state.config = config
    install_error_handlers(app)
    app.include_router(batch_routes.router)
    app.include_router(leads_routes.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(STATIC_DIR / "leads.html")

    app.add_middleware(Guard, token=config.token, max_body_bytes=config.max_body_bytes)
    return app

"""The leads endpoints: the morning list, one lead whole, the day's funnel, and the night runs.

The warehouse is opened read-only for each call and closed at once: DuckDB allows one writing
process, and a run may need it a second later. While a run holds it, calls answer 503 with
Retry-After instead of waiting.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Annotated, Any

import duckdb
from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from jobbatch_dagster.api.errors import ApiError
from jobbatch_dagster.settings import Settings
from jobbatch_dagster.warehouse import leads as lead_queries

router = APIRouter(prefix="/api", tags=["leads"])
BUSY_RETRY_SECONDS = 5


class AskBody(BaseModel):
    question: str = Field(min_length=1, description="what to ask about this lead")


class WarehouseBusy(ApiError):
    def __init__(self, detail: str) -> None:
        super().__init__(
            503,
            f"the warehouse is busy ({detail}); a pipeline run is probably writing it: "
            f"retry in {BUSY_RETRY_SECONDS} s",
        )


@contextmanager
def _warehouse(settings: Settings) -> Iterator[duckdb.DuckDBPyConnection | None]:
    """A read-only connection, or None when there is no warehouse yet (nothing has run)."""
    if not settings.warehouse_path.is_file():
        yield None
        return
    try:
        con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    except (duckdb.IOException, duckdb.ConnectionException) as exc:
        raise WarehouseBusy(str(exc).splitlines()[0]) from exc
    try:
        yield con
    finally:
        con.close()


def _settings(request: Request) -> Settings:
    return request.app.state.config.settings


@router.get("/leads")
def leads(
    request: Request,
    day: Annotated[
        date | None, Query(description="scrape day; default: the newest with leads")
    ] = None,
    min_score: Annotated[int, Query(ge=0, le=100)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
) -> dict[str, Any]:
    with _warehouse(_settings(request)) as con:
        days = lead_queries.lead_days(con) if con else []
        chosen = day or (days[0] if days else None)
        found = lead_queries.top_leads(con, chosen, min_score, limit) if con and chosen else []
    return {
        "success": True,
        "day": chosen,
        "days": days,
        "min_score": min_score,
        "count": len(found),
        "leads": [dataclasses.asdict(lead) for lead in found],
    }


def _find_lead(request: Request, lead_id: str) -> lead_queries.LeadDetail:
    with _warehouse(_settings(request)) as con:
        detail = lead_queries.lead_detail(con, lead_id) if con else None
    if detail is None:
        raise ApiError(404, f"no lead {lead_id!r}: it did not qualify on any day")
    return detail


@router.post("/leads/{lead_id:path}/ask")
def ask(lead_id: str, body: AskBody, request: Request) -> dict[str, Any]:
    """The live follow-up on a lead: not in this build yet (it needs the conversational agent)."""
    _find_lead(request, lead_id)
    raise ApiError(
        501,
        "the live follow-up is not available in this build: it needs the conversational lead "
        "agent (the outreach stage); the question was not sent",
    )


@router.get("/leads/{lead_id:path}")
def lead(lead_id: str, request: Request) -> dict[str, Any]:
    return {"success": True, "lead": dataclasses.asdict(_find_lead(request, lead_id))}


@router.get("/funnel")
def funnel(
    request: Request, day: Annotated[date, Query(description="scrape day, YYYY-MM-DD")]
) -> dict[str, Any]:
    """The day's funnel (postings, requests, answers, leads) and its spend."""
    with _warehouse(_settings(request)) as con:
        found = lead_queries.day_funnel(con, day) if con else None
    if found is None:
        raise ApiError(404, f"nothing was read for {day}: no funnel")
    return {"success": True, "funnel": dataclasses.asdict(found)}


@router.get("/runs/{run_id}")
def night_run(run_id: str, request: Request) -> dict[str, Any]:
    """A run started by process-scraped: queued, running, succeeded or failed."""
    run = request.app.state.config.launcher.get(run_id)
    if run is None:
        raise ApiError(404, f"no run {run_id!r} was started by this server")
    return {"success": True, "run": run.as_dict()}

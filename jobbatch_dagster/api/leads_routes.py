"""The leads endpoints: the morning list, one lead whole, the live follow-up, the day's funnel, and
the night runs process-scraped started.

The warehouse is opened for each call and closed at once, with the configuration the follow-up
agent uses (so the two share one database in this process): DuckDB allows one writing process, and
a run may need the file a second later. While a run in another process holds it, calls answer 503
with a retry hint instead of waiting.
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
from jobbatch_dagster.batch.cost import BudgetExceededError
from jobbatch_dagster.batch.live import LiveAnswerError
from jobbatch_dagster.followup.agent import ConversationalLeadAgent
from jobbatch_dagster.settings import Settings
from jobbatch_dagster.warehouse import leads as lead_queries
from jobbatch_dagster.warehouse.connect import open_warehouse

router = APIRouter(prefix="/api", tags=["leads"])


class AskBody(BaseModel):
    question: str = Field(min_length=1, description="what to ask about this lead")


@contextmanager
def _warehouse(settings: Settings) -> Iterator[duckdb.DuckDBPyConnection | None]:
    """A connection, or None when there is no warehouse yet (nothing has run)."""
    if not settings.warehouse.exists():
        yield None
        return
    # A DuckDB file is opened as the follow-up agent opens it (one configuration per file in a
    # process); a DuckLake is read from its last snapshot, never waiting for a writing run.
    with open_warehouse(settings.warehouse, read_only=settings.lake is not None) as con:
        yield con


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
        found = lead_queries.morning_leads(con, chosen, min_score, limit) if con and chosen else []
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
    """Ask about a lead, live: continues the lead's kept conversation (the CLI's `leads ask`)."""
    _find_lead(request, lead_id)
    agent = ConversationalLeadAgent(settings=_settings(request))
    try:
        conversation = agent.start_conversation(lead_id)
        answer = conversation.ask(body.question)
    except ValueError as exc:  # a question of blanks only
        raise ApiError(400, str(exc), "question") from exc
    except BudgetExceededError as exc:
        raise ApiError(409, str(exc)) from exc
    except LiveAnswerError as exc:
        raise ApiError(502, str(exc)) from exc
    call = conversation.last_answer
    return {
        "success": True,
        "lead_id": lead_id,
        "question": body.question,
        "answer": answer,
        "turn": conversation.turns[-1].turn,
        "model": call.model if call else None,
        "backend": call.backend if call else None,
        "live_usd": call.cost.live_usd if call else None,
    }


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

"""The original dashboard's six endpoints, with the original request and response shapes.

Each handler is a few lines over :class:`~jobbatch_dagster.batch.processor.BatchProcessor`, the same
verbs the CLI uses; ``batch_ids``/``file_ids`` are added where a call needed several shards.
Handlers are plain functions, so FastAPI runs their blocking provider calls in its thread pool.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from jobbatch_dagster.api.errors import ApiError
from jobbatch_dagster.api.intake import validate_scrape_results, write_incoming
from jobbatch_dagster.batch.harvest import ResultsNotReadyError
from jobbatch_dagster.batch.processor import BatchProcessor
from jobbatch_dagster.settings import DEFAULT_MODEL, Settings
from jobbatch_dagster.tasks import TASK_NAMES

router = APIRouter(prefix="/api/batch", tags=["batch (the original dashboard)"])
TaskType = Literal[TASK_NAMES]  # type: ignore[valid-type]  # the registry's names, checked per request


class CreateBody(BaseModel):
    jobs: list[dict[str, Any]] = Field(description="job objects as a scraper returns them")
    task_type: TaskType = "analyze"
    model: str | None = None


class ProcessScrapedBody(BaseModel):
    scrape_results: Any = Field(description="the scraper's job objects (title, description, ...)")
    task_type: TaskType = "qualify"
    model: str | None = None


def _settings(request: Request) -> Settings:
    return request.app.state.config.settings


def _processor(request: Request) -> BatchProcessor:
    return BatchProcessor(settings=_settings(request))


def _model(settings: Settings, task: str, model: str | None) -> str:
    return model or next((s.model for s in settings.stages if s.task == task), DEFAULT_MODEL)


@router.post("/create")
def create(body: CreateBody, request: Request) -> dict[str, Any]:
    """Build, shard, upload and create the batch(es) for these jobs (the guide's one call)."""
    settings = _settings(request)
    result = _processor(request).process_jobs_batch(
        body.jobs, body.task_type, False, _model(settings, body.task_type, body.model)
    )
    if not result["success"]:
        raise ApiError(400, result["message"], "jobs")
    return result


@router.get("/status/{batch_id}")
def status(batch_id: str, request: Request) -> dict[str, Any]:
    return {"success": True, "status": _processor(request).check_batch_status(batch_id)}


@router.get("/results/{batch_id}")
def results(batch_id: str, request: Request) -> dict[str, Any]:
    """Download and parse the output and error files; 409 while the batch has none."""
    agent = _processor(request)
    try:
        path = agent.download_results(batch_id)
    except ResultsNotReadyError as exc:
        raise ApiError(409, f"{exc}; ask again when its status is completed") from exc
    parsed = agent.parse_results(path)
    ok = sum(1 for r in parsed if r["success"])
    return {
        "success": True,
        "batch_id": batch_id,
        "results_file": Path(path).name,
        "total": len(parsed),
        "successful": ok,
        "failed": len(parsed) - ok,
        "results": parsed,
    }


@router.post("/cancel/{batch_id}")
def cancel(batch_id: str, request: Request) -> Any:
    """Ask the provider to stop; 409 when the batch has already finished."""
    outcome = _processor(request).cancel_batch(batch_id)
    return outcome if outcome["success"] else JSONResponse(outcome, status_code=409)


@router.get("/list")
def list_batches(
    request: Request, limit: Annotated[int, Query(ge=1, le=100)] = 20
) -> dict[str, Any]:
    batches = _processor(request).list_batches(limit=limit)
    return {"success": True, "batches": batches, "count": len(batches)}


@router.post("/process-scraped", status_code=202)
def process_scraped(
    body: ProcessScrapedBody,
    request: Request,
    mode: Literal["pipeline", "direct"] = "pipeline",
) -> Any:
    """Validate the scrape; by default drop it into today's incoming folder and start the day's
    run on the Dagster instance; with ``?mode=direct`` submit it straight through the engine."""
    settings = _settings(request)
    intake = validate_scrape_results(body.scrape_results)
    if mode == "direct":
        result = _processor(request).process_jobs_batch(
            intake.accepted, body.task_type, False, _model(settings, body.task_type, body.model)
        )
        result["rejected"] = intake.rejected + result["rejected"]
        return JSONResponse(result, status_code=200 if result["success"] else 400)
    day = datetime.now(ZoneInfo(settings.schedule_timezone)).date().isoformat()
    path = write_incoming(settings.incoming_dir, day, intake.accepted)
    run = request.app.state.config.launcher.launch(day)
    return {
        "success": True,
        "run_id": run.run_id,
        "day": day,
        "file": f"{day}/{path.name}",
        "job_count": len(intake.accepted),
        "accepted": len(intake.accepted),
        "rejected": intake.rejected,
        "task_type": body.task_type,
        "batch_id": None,
        "batch_ids": [],
        "message": (
            f"Accepted {len(intake.accepted)} jobs ({len(intake.rejected)} rejected) into "
            f"{day}/{path.name}; run {run.run_id} submits them. Check it with GET /api/runs/<run_id>."
        ),
    }

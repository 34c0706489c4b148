"""Errors as JSON: ``{"success": false, "error": message, "field": name}`` with the right status.

The provider's errors map to what they mean for the caller: an unknown batch is 404, a batch that
cannot be cancelled 409, anything else the provider (or the way to it) got wrong 502; a warehouse
that another process is writing is 503.
"""

from __future__ import annotations

import logging
from typing import Any

import duckdb
import openai
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

log = logging.getLogger(__name__)
BUSY_RETRY_SECONDS = 5


class ApiError(Exception):
    """An error the caller can act on; ``field`` names the request field that is wrong."""

    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field


def error_response(status: int, message: str, field: str | None = None) -> JSONResponse:
    body: dict[str, Any] = {"success": False, "error": message}
    if field is not None:
        body["field"] = field
    return JSONResponse(body, status_code=status)


def _provider_status(exc: openai.OpenAIError) -> tuple[int, str]:
    if isinstance(exc, openai.NotFoundError):
        return 404, f"not found at the provider: {exc.message}"
    if isinstance(exc, openai.ConflictError):
        return 409, exc.message
    if isinstance(exc, openai.APIConnectionError):
        return 502, f"cannot reach the provider ({exc}); check OPENAI_BASE_URL"
    if isinstance(exc, openai.APIStatusError):
        return 502, f"the provider refused ({exc.status_code}): {exc.message}"
    # e.g. no key: the SDK's message names the variable to set
    return 502, f"the provider cannot be used: {exc}"


def _field_of(location: tuple[Any, ...]) -> str:
    parts = [str(p) for p in location if p not in ("body", "query", "path")]
    return ".".join(parts) or "body"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.message, exc.field)

    @app.exception_handler(openai.OpenAIError)
    async def provider_error(_request: Request, exc: openai.OpenAIError) -> JSONResponse:
        status, message = _provider_status(exc)
        return error_response(status, message)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0]
        field = _field_of(tuple(first.get("loc", ())))
        return error_response(400, f"{field}: {first.get('msg')}", field)

    @app.exception_handler(duckdb.IOException)
    @app.exception_handler(duckdb.ConnectionException)
    async def warehouse_busy(_request: Request, exc: duckdb.Error) -> JSONResponse:
        detail = str(exc).splitlines()[0]
        return error_response(
            503,
            f"the warehouse is busy ({detail}); a pipeline run is probably writing it: "
            f"retry in {BUSY_RETRY_SECONDS} s",
        )

    @app.exception_handler(Exception)
    async def crash(_request: Request, exc: Exception) -> JSONResponse:
        # A bug, not the caller's fault: still JSON, so clients parse it; the trace is in the log.
        log.exception("unhandled error", exc_info=exc)
        return error_response(500, f"internal error ({type(exc).__name__}); see the server log")

    @app.exception_handler(HTTPException)
    async def http_error(_request: Request, exc: HTTPException) -> JSONResponse:
        return error_response(exc.status_code, str(exc.detail))

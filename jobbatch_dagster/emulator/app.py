"""The HTTP layer: Starlette routes that parse requests, call the backend and render JSON.

Nothing here decides anything: rules live in :mod:`backend`, the lifecycle in :mod:`worker`.
Every response carries ``EMULATOR_HEADER`` and an ``x-request-id``; every ``/v1`` call is checked
for a bearer key and may be answered by an injected 429/5xx burst first. When the server has an
``--api-key`` (always, off loopback), the admin routes need it too, and health tells a caller
without it nothing but its status.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
from typing import Any

from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, MutableHeaders, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from jobbatch_dagster.contract import EMULATOR_HEADER
from jobbatch_dagster.emulator.backend import DEFAULT_BATCHES_PAGE, MAX_FILES_PAGE, EmulatorBackend
from jobbatch_dagster.emulator.errors import ApiError, invalid, missing
from jobbatch_dagster.emulator.faults import FaultPlan
from jobbatch_dagster.emulator.records import BatchRecord, FileRecord
from jobbatch_dagster.emulator.rules.responder import request_id

ADMIN_PREFIX = "/_emulator"
HEALTH_PATH = f"{ADMIN_PREFIX}/health"
log = logging.getLogger(__name__)


def _backend(request: Request) -> EmulatorBackend:
    return request.app.state.backend


def error_response(error: ApiError) -> JSONResponse:
    return JSONResponse(error.body(), status_code=error.status, headers=error.response_headers())


def _page(items: list[FileRecord] | list[BatchRecord], has_more: bool) -> JSONResponse:
    return JSONResponse(
        {
            "object": "list",
            "data": [item.as_object() for item in items],
            "first_id": items[0].id if items else None,
            "last_id": items[-1].id if items else None,
            "has_more": has_more,
        }
    )


def _int_param(request: Request, name: str, default: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise invalid(f"{name} must be an integer, not {raw!r}.", name, "invalid_type") from None


async def _json_body(request: Request) -> Any:
    try:
        return json.loads(await request.body() or b"{}")
    except json.JSONDecodeError as exc:
        raise invalid(f"The request body is not valid JSON: {exc}.", None, "invalid_json") from None


# Files


async def upload_file(request: Request) -> Response:
    async with request.form() as form:
        upload, purpose = form.get("file"), form.get("purpose")
        if not isinstance(upload, UploadFile):
            raise missing("file")
        if not isinstance(purpose, str):
            raise missing("purpose")
        expires_after = None
        if "expires_after[anchor]" in form or "expires_after[seconds]" in form:
            seconds = str(form.get("expires_after[seconds]", ""))
            expires_after = {
                "anchor": form.get("expires_after[anchor]"),
                "seconds": int(seconds) if seconds.isdigit() else seconds,
            }
        # The upload is already spooled to a temporary file; copying it is blocking disk work.
        record = await run_in_threadpool(
            _backend(request).create_file,
            upload.file,
            upload.filename or "upload",
            purpose,
            expires_after,
        )
    return JSONResponse(record.as_object())


async def list_files(request: Request) -> Response:
    items, has_more = _backend(request).list_files(
        purpose=request.query_params.get("purpose"),
        limit=_int_param(request, "limit", MAX_FILES_PAGE),
        order=request.query_params.get("order", "desc"),
        after=request.query_params.get("after"),
    )
    return _page(items, has_more)


async def retrieve_file(request: Request) -> Response:
    return JSONResponse(_backend(request).get_file(request.path_params["file_id"]).as_object())


async def delete_file(request: Request) -> Response:
    file_id = request.path_params["file_id"]
    _backend(request).delete_file(file_id)
    return JSONResponse({"id": file_id, "object": "file", "deleted": True})


async def file_content(request: Request) -> Response:
    path = _backend(request).file_content_path(request.path_params["file_id"])
    return FileResponse(path, media_type="application/octet-stream")  # streamed in chunks


# Batches


async def create_batch(request: Request) -> Response:
    return JSONResponse(_backend(request).create_batch(await _json_body(request)).as_object())


async def list_batches(request: Request) -> Response:
    items, has_more = _backend(request).list_batches(
        after=request.query_params.get("after"),
        limit=_int_param(request, "limit", DEFAULT_BATCHES_PAGE),
    )
    return _page(items, has_more)


async def retrieve_batch(request: Request) -> Response:
    return JSONResponse(_backend(request).get_batch(request.path_params["batch_id"]).as_object())


async def cancel_batch(request: Request) -> Response:
    return JSONResponse(_backend(request).cancel_batch(request.path_params["batch_id"]).as_object())


# Chat completions (live)


async def chat_completion(request: Request) -> Response:
    body = await _json_body(request)
    return JSONResponse(await run_in_threadpool(_backend(request).chat_completion, body))


# Admin (outside /v1: never counted by http_errors bursts; the key is needed only if configured)


async def health(request: Request) -> Response:
    config = _backend(request).config
    if config.api_key is not None and not key_matches(request.headers, config.api_key):
        return JSONResponse({"status": "ok"})  # no pid, paths or settings for strangers
    return JSONResponse(
        {
            "status": "ok",
            "emulator": True,
            "pid": os.getpid(),  # lets a launcher tell its own server from another on the port
            "latency": config.latency,
            "data_dir": str(config.data_dir),
        }
    )


async def get_faults(request: Request) -> Response:
    return JSONResponse(_backend(request).faults.snapshot())


async def add_faults(request: Request) -> Response:
    try:
        plan = FaultPlan.model_validate(await _json_body(request))
    except ValidationError as exc:
        raise invalid(f"Invalid fault plan: {exc}", None, "invalid_fault") from None
    backend = _backend(request)
    backend.faults.add(plan)
    return JSONResponse(backend.faults.snapshot())


async def reset_faults(request: Request) -> Response:
    backend = _backend(request)
    backend.faults.reset()
    return JSONResponse(backend.faults.snapshot())


async def release_finalizing(request: Request) -> Response:
    body = await _json_body(request)
    batch_id = body.get("batch_id") if isinstance(body, dict) else None
    released = _backend(request).release_finalizing(batch_id)
    return JSONResponse({"released": released})


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(exc)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    message = f"Invalid URL ({request.method} {request.url.path})"
    return error_response(ApiError(exc.status_code, message, retryable=False))


def bearer_key(headers: Headers) -> str:
    """The key of an ``Authorization: Bearer <key>`` header ('' when there is none)."""
    scheme, _, key = headers.get("authorization", "").partition(" ")
    return key.strip() if scheme.lower() == "bearer" else ""


def key_matches(headers: Headers, expected: str) -> bool:
    return secrets.compare_digest(bearer_key(headers).encode(), expected.encode())


class EmulatorMiddleware:
    """Marks every response as the emulator's; checks the key and injected bursts on /v1."""

    def __init__(self, app: ASGIApp, backend: EmulatorBackend) -> None:
        self.app = app
        self.backend = backend

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        marked_id = request_id()
        started = False

        async def send_marked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = MutableHeaders(scope=message)
                headers[EMULATOR_HEADER] = "1"
                headers["x-request-id"] = marked_id
            await send(message)

        path = scope["path"]
        error = None
        if path.startswith("/v1/"):
            error = self._auth_error(Headers(scope=scope)) or self.backend.faults.take_http_error()
        elif (
            path.startswith(ADMIN_PREFIX)
            and path != HEALTH_PATH
            and self.backend.config.api_key is not None
        ):
            error = self._auth_error(Headers(scope=scope))
        if error is not None:
            await error_response(error)(scope, receive, send_marked)
            return
        try:
            await self.app(scope, receive, send_marked)
        except Exception:
            # A bug must still answer in the provider's envelope (and with our header), so the
            # SDK retries it as a 500 instead of failing to parse Starlette's plain-text page.
            log.exception("unhandled error for %s %s", scope.get("method"), scope["path"])
            if started:
                raise
            error = ApiError(
                500, "The emulator had an internal error; see its log.", type="server_error"
            )
            await error_response(error)(scope, receive, send_marked)

    def _auth_error(self, headers: Headers) -> ApiError | None:
        key = bearer_key(headers)
        if not key:
            return ApiError(
                401,
                "You didn't provide an API key. You need to provide your API key in an "
                "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
                retryable=False,
            )
        expected = self.backend.config.api_key
        if expected is not None and not key_matches(headers, expected):
            return ApiError(
                401,
                f"Incorrect API key provided: {key[:3]}***{key[-4:]}.",
                code="invalid_api_key",
                retryable=False,
            )
        return None


def create_app(backend: EmulatorBackend) -> Starlette:
    routes = [
        Route("/v1/files", upload_file, methods=["POST"]),
        Route("/v1/files", list_files, methods=["GET"]),
        Route("/v1/files/{file_id}", retrieve_file, methods=["GET"]),
        Route("/v1/files/{file_id}", delete_file, methods=["DELETE"]),
        Route("/v1/files/{file_id}/content", file_content, methods=["GET"]),
        Route("/v1/batches", create_batch, methods=["POST"]),
        Route("/v1/batches", list_batches, methods=["GET"]),
        Route("/v1/batches/{batch_id}", retrieve_batch, methods=["GET"]),
        Route("/v1/batches/{batch_id}/cancel", cancel_batch, methods=["POST"]),
        Route("/v1/chat/completions", chat_completion, methods=["POST"]),
        Route(f"{ADMIN_PREFIX}/health", health, methods=["GET"]),
        Route(f"{ADMIN_PREFIX}/faults", get_faults, methods=["GET"]),
        Route(f"{ADMIN_PREFIX}/faults", add_faults, methods=["POST"]),
        Route(f"{ADMIN_PREFIX}/reset", reset_faults, methods=["POST"]),
        Route(f"{ADMIN_PREFIX}/release", release_finalizing, methods=["POST"]),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={ApiError: _api_error, HTTPException: _http_error},
    )
    app.state.backend = backend
    app.add_middleware(EmulatorMiddleware, backend=backend)
    return app

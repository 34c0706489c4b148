"""Who may call, and how much they may send: the bearer token and the body limit, before any route.

Without ``JOBBATCH_API_TOKEN`` the service binds loopback only (``jobbatch serve`` refuses
otherwise) and answers loopback callers; with it, every data route wants ``Authorization: Bearer``.
The page's shell (``/`` and ``/static/``) holds no data and is served to anyone who can reach the
port, so a browser can load it and then send the token with its calls.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, Final

TOKEN_ENV: Final = "JOBBATCH_API_TOKEN"
DEFAULT_MAX_BODY_BYTES: Final = (
    64 * 1024 * 1024
)  # a day's scrape as JSON is a few MB; 64 MB is ample
PUBLIC_PATHS: Final = ("/", "/favicon.ico")
PUBLIC_PREFIXES: Final = ("/static/",)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


async def _reply(send: Send, status: int, message: str, headers: list[tuple[bytes, bytes]]) -> None:
    body = json.dumps({"success": False, "error": message}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), *headers],
        }
    )
    await send({"type": "http.response.body", "body": body})


class Guard:
    """ASGI middleware: checks the caller, then reads the body whole up to the limit (413 beyond)."""

    def __init__(self, app: ASGIApp, token: str | None, max_body_bytes: int) -> None:
        self.app = app
        self.token = token
        self.max_body_bytes = max_body_bytes

    def _refusal(self, scope: Scope) -> tuple[int, str] | None:
        if _is_public(scope["path"]):
            return None
        if self.token is None:
            client = scope.get("client")
            if client and not is_loopback(client[0]):
                return 403, f"only loopback callers are served without {TOKEN_ENV}"
            return None
        headers = dict(scope.get("headers") or [])
        given = headers.get(b"authorization", b"").decode("latin-1")
        if not hmac.compare_digest(given.encode(), f"Bearer {self.token}".encode()):
            return 401, f"send Authorization: Bearer <the token in {TOKEN_ENV} on the server>"
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = self._refusal(scope)
        if refusal is not None:
            status, message = refusal
            challenge = [(b"www-authenticate", b"Bearer")] if status == 401 else []
            await _reply(send, status, message, challenge)
            return
        too_big = (
            f"request body over {self.max_body_bytes} bytes (the server's --max-body-bytes): "
            "send the scrape in several calls"
        )
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and int(declared) > self.max_body_bytes:
            await _reply(send, 413, too_big, [])
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                await _reply(send, 413, too_big, [])
                return
            chunks.append(chunk)
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

"""Leaf module of the API: errors, typed dependencies (the served Searcher, the API key) and ASGI guards.

Routers import from here; the app factory imports the routers. Nothing here imports a router.
"""

from __future__ import annotations

import hmac
import time
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Request
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from index.searcher import Searcher
from reform_search.errors import NotReady
from search_api.schemas import ErrorResponse


class ApiError(Exception):
    def __init__(self, status: int, type_: str, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.status, self.type, self.message, self.details = status, type_, message, details


def error_json(status: int, type_: str, message: str, details: Any = None,
               headers: dict[str, str] | None = None) -> JSONResponse:
    body = ErrorResponse.model_validate({"error": {"type": type_, "message": message, "details": details}})
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


async def _discard(receive: Receive, budget: int) -> None:
    """Read and drop the rest of a request body, at most about `budget` more bytes."""
    while budget > 0:
        msg = await receive()
        if msg["type"] != "http.request":
            return
        budget -= len(msg.get("body", b""))
        if not msg.get("more_body", False):
            return


class BodyLimit:
    """413 for bodies over the limit, whether or not Content-Length is honest.

    An over-limit body of up to `discard` bytes in all is read and dropped before the answer:
    a server that answers and closes with the body unread resets the connection, and clients
    that send the whole body before reading (urllib, requests) see that reset instead of the
    413. A longer body is answered at once, as is a client waiting on `Expect: 100-continue`
    (it has sent nothing yet).
    """

    def __init__(self, app: ASGIApp, limit: int, paths: dict[str, int] | None = None, discard: int = 0) -> None:
        self.app, self.default, self.paths, self.discard = app, limit, paths or {}, discard

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.paths.get(scope["path"], self.default)
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            if int(declared) <= self.discard and headers.get(b"expect", b"").lower() != b"100-continue":
                await _discard(receive, int(declared))
            await error_json(413, "payload_too_large", f"request body over {limit} bytes")(scope, receive, send)
            return
        seen, over, started = 0, False, False

        async def limited() -> Message:
            nonlocal seen, over
            msg = await receive()
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > limit:
                    over = True
                    if msg.get("more_body", False):
                        await _discard(receive, self.discard - seen)
                    raise ApiError(413, "payload_too_large", f"request body over {limit} bytes")
            return msg

        async def answer(msg: Message) -> None:
            nonlocal started
            if over and not started:
                return  # what the app made of the cut-off body (FastAPI: a 400) gives way to the 413
            started = True
            await send(msg)

        try:
            await self.app(scope, limited, answer)
        except Exception:
            if not over or started:
                raise
        if over and not started:
            await error_json(413, "payload_too_large", f"request body over {limit} bytes")(scope, receive, send)


def served_searcher(app: FastAPI) -> Searcher:
    """The searcher being served, or NotReady saying why there is none (503 at the edges)."""
    searcher = getattr(app.state, "searcher", None)
    if searcher is None:
        raise NotReady(getattr(app.state, "load_error", None) or "the index is loading; try again in a moment")
    return searcher


# The dependencies are `async def` although they never await: FastAPI runs a plain `def`
# dependency on its thread pool, two hand-offs per request that under 32 concurrent clients
# also grew the pool by 31 threads and slowed the first burst (p95 ~600 ms against ~300).
async def get_searcher(request: Request) -> Searcher:
    return served_searcher(request.app)


async def require_key(
    request: Request,
    authorization: Annotated[str | None, Header()] = None,
    x_api_key: Annotated[str | None, Header()] = None,
) -> None:
    check_key(request, authorization, x_api_key)


def check_key(request: Request, authorization: str | None, x_api_key: str | None) -> None:
    """ApiError 401 unless the request carries the API key (when one is set)."""
    expected = request.app.state.settings.api_key
    if not expected:
        return
    given = x_api_key or ""
    if authorization and authorization.lower().startswith("bearer "):
        given = authorization[7:].strip()
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise ApiError(401, "unauthorized", "missing or wrong API key (Authorization: Bearer … or X-API-Key)")


SearcherDep = Annotated[Searcher, Depends(get_searcher)]


class KeyGuard:
    """require_key in front of a plain ASGI app (the MCP endpoint), refusing with the same 401."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope)
        try:
            check_key(request, request.headers.get("authorization"), request.headers.get("x-api-key"))
        except ApiError as e:
            await error_json(e.status, e.type, e.message)(scope, receive, send)
            return
        await self.app(scope, receive, send)


class AccessLog:
    """One log line per HTTP request with its status, time and the stages a route recorded in
    ``request.state.timings``. Plain ASGI: Starlette's ``@app.middleware("http")`` wraps every
    request in a task group and memory streams, event-loop time each request pays under load."""

    def __init__(self, app: ASGIApp, logger: Any) -> None:
        self.app, self.log = app, logger

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        t = time.perf_counter()
        timings: dict[str, Any] = {}
        scope.setdefault("state", {})["timings"] = timings
        status = 500

        async def sent(msg: Message) -> None:
            nonlocal status
            if msg["type"] == "http.response.start":
                status = msg["status"]
            await send(msg)

        try:
            await self.app(scope, receive, sent)
        finally:
            stages = " ".join(f"{k}={v:.1f}ms" if isinstance(v, float) else f"{k}={v}" for k, v in timings.items())
            self.log.info("%s %s %d %.1fms %s", scope["method"], scope["path"], status,
                          (time.perf_counter() - t) * 1000, stages)

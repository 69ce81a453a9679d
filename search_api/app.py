"""FastAPI app: loads the Searcher once at start-up, maps domain errors to clear JSON."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from index.searcher import Searcher
from reform_search.errors import IndexError_, InvalidQuery, NotFound, ReformSearchError
from reform_search.settings import Settings, get_settings
from search_api.deps import ApiError, BodyLimit, KeyGuard, SearcherDep, error_json, require_key, served_searcher
from search_api.schemas import ErrorResponse
from search_api.service import to_filters, validation_message

log = logging.getLogger("reform_search.api")


def create_app(settings: Settings | None = None, searcher: Searcher | None = None) -> FastAPI:
    """The app; with `searcher` given (tests) nothing is loaded at start-up."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if app.state.searcher is None:
            t = time.perf_counter()
            try:
                app.state.searcher = Searcher.open(settings)
                log.info("index loaded in %.1fs", time.perf_counter() - t)
            except IndexError_ as e:
                app.state.load_error = str(e)
                log.error("index not loaded: %s", e)
        async with mcp_endpoint.running():
            yield
        if searcher is None and app.state.searcher is not None:  # only what this app loaded itself
            app.state.searcher.close()

    app = FastAPI(
        title="reform-search",
        version="0.1.0",
        description="Search and compare Japanese municipal administrative/fiscal-reform initiatives.",
        lifespan=lifespan,
        responses={400: {"model": ErrorResponse}, 413: {"model": ErrorResponse}, 422: {"model": ErrorResponse}},
    )
    app.state.settings = settings
    app.state.searcher = searcher
    app.state.load_error = None
    app.state.reload_lock = threading.Lock()  # admin.load_and_swap
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET", "POST"],
                           allow_headers=["*"])
    upload_limit = settings.upload_max_bytes + 64 * 1024  # the file plus its form fields (search_api.documents)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes, paths={"/documents": upload_limit},
                       discard=settings.body_discard_bytes)

    @app.middleware("http")
    async def access_log(request: Request, call_next: Any) -> Any:
        t = time.perf_counter()
        request.state.timings = {}
        response = await call_next(request)
        stages = " ".join(f"{k}={v:.1f}ms" if isinstance(v, float) else f"{k}={v}"
                          for k, v in request.state.timings.items())
        log.info("%s %s %d %.1fms %s", request.method, request.url.path, response.status_code,
                 (time.perf_counter() - t) * 1000, stages)
        return response

    @app.exception_handler(ApiError)
    async def _api_error(_r: Request, e: ApiError) -> JSONResponse:
        return error_json(e.status, e.type, e.message, e.details)

    @app.exception_handler(InvalidQuery)
    async def _invalid(_r: Request, e: InvalidQuery) -> JSONResponse:
        return error_json(422, "invalid_query", str(e))

    @app.exception_handler(NotFound)
    async def _not_found(_r: Request, e: NotFound) -> JSONResponse:
        return error_json(404, "not_found", str(e))

    @app.exception_handler(ReformSearchError)
    async def _domain(_r: Request, e: ReformSearchError) -> JSONResponse:
        return error_json(400, "bad_request", str(e))

    @app.exception_handler(RequestValidationError)
    async def _validation(_r: Request, e: RequestValidationError) -> JSONResponse:
        errors = e.errors()
        if any(err.get("type") == "json_invalid" for err in errors):
            return error_json(400, "malformed_json", "request body is not valid JSON")
        details = [{"loc": list(err["loc"]), "msg": err["msg"]} for err in errors]
        return error_json(422, "validation_error", validation_message(details), details)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_r: Request, e: StarletteHTTPException) -> JSONResponse:
        return error_json(e.status_code, "http_error", str(e.detail))

    @app.exception_handler(Exception)
    async def _unexpected(_r: Request, e: Exception) -> JSONResponse:
        log.exception("unexpected error")
        return error_json(500, "internal_error", "unexpected server error; see the server log")

    @app.get("/livez", tags=["health"])
    def livez() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"], responses={503: {"model": ErrorResponse}})
    def readyz(request: Request) -> Any:
        s = request.app.state.searcher
        if s is None:
            return error_json(503, "not_ready", request.app.state.load_error or "index is loading")
        return {"status": "ready", "chunks": len(s.meta.chunks), "model": s.manifest["model"]["name"],
                "built": s.manifest["created"]}

    from search_api.admin import router as admin_router
    from search_api.chat import router as chat_router
    from search_api.mcp import HttpEndpoint, build_server
    from search_api.documents import router as documents_router
    from search_api.routes import router
    from search_api.ui import mount_ui

    keyed = {401: {"model": ErrorResponse}, 503: {"model": ErrorResponse}}  # require_key, get_searcher
    app.include_router(router, dependencies=[Depends(require_key)], responses=keyed)
    app.include_router(chat_router, dependencies=[Depends(require_key)], responses=keyed)
    app.include_router(admin_router)
    app.include_router(documents_router)  # POST /documents (admin key), its jobs, the /upload page
    mount_ui(app)  # HTML pages call the searcher server-side, so they need no API key
    # MCP for chat clients (streamable HTTP), keyed like the JSON API; its session manager runs in the lifespan.
    mcp_endpoint = HttpEndpoint(build_server(lambda: served_searcher(app), settings), settings)
    app.add_route("/mcp", KeyGuard(mcp_endpoint), include_in_schema=False)
    return app


__all__ = ["create_app", "SearcherDep", "to_filters", "ApiError", "Query"]

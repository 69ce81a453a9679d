"""FastAPI app: loads the Searcher once at start-up, maps domain errors to clear JSON."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.middleware.cors import CORSMiddleware

from index.searcher import Searcher
from reform_search.errors import Unavailable
from reform_search.settings import Settings, get_settings
from search_api import heap
from search_api.deps import AccessLog, ApiError, BodyLimit, KeyGuard, SearcherDep, error_json, require_key, served_searcher
from search_api.errors import install_error_handlers
from search_api.openapi import install_openapi
from search_api.schemas import ErrorResponse
from search_api.service import to_filters

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
                heap.settle()
            except Unavailable as e:  # index or model: served as 503 with the fix until a reload succeeds
                app.state.load_error = e.explain()
                log.error("index not loaded: %s", app.state.load_error)
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

    app.add_middleware(AccessLog, logger=log)

    install_error_handlers(app)

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
    from search_api.ui.pages import router as ui_router
    from search_api.ui.render import static_files

    keyed = {401: {"model": ErrorResponse}, 503: {"model": ErrorResponse}}  # require_key, get_searcher
    app.include_router(router, dependencies=[Depends(require_key)], responses=keyed)
    app.include_router(chat_router, dependencies=[Depends(require_key)], responses=keyed)
    app.include_router(admin_router)
    app.include_router(documents_router)  # POST /documents (admin key), its jobs, the /upload page
    app.mount("/static", static_files(), name="ui-static")
    app.include_router(ui_router)  # HTML pages call the searcher server-side, so they need no API key
    # MCP for chat clients (streamable HTTP), keyed like the JSON API; its session manager runs in the lifespan.
    mcp_endpoint = HttpEndpoint(build_server(lambda: served_searcher(app), settings), settings)
    app.add_route("/mcp", KeyGuard(mcp_endpoint), include_in_schema=False)
    install_openapi(app)  # the served index's cities, kinds, years and ratings as enums
    return app


__all__ = ["create_app", "SearcherDep", "to_filters", "ApiError", "Query"]

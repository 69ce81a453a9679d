"""Errors to HTTP, mapped once for the whole app: the JSON handlers here, and `http_status` for the HTML pages.

Client mistakes are 4xx; a missing or broken index or model is 503 with the fix in the message.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from reform_search.errors import (
    Busy,
    CorpusError,
    DocumentError,
    InvalidQuery,
    NotFound,
    ReformSearchError,
    Unavailable,
    UserError,
)
from search_api.deps import ApiError, error_json
from search_api.service import validation_message

log = logging.getLogger("reform_search.api")
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")

# Most specific first: BuildLocked is an IndexError_ (Unavailable) and Busy, and busy wins.
STATUSES: tuple[tuple[type[ReformSearchError], int, str], ...] = (
    (Busy, 409, "busy"),
    (Unavailable, 503, "not_ready"),
    (NotFound, 404, "not_found"),
    (InvalidQuery, 422, "invalid_query"),
    (DocumentError, 422, "invalid_document"),
    (CorpusError, 422, "invalid_metadata"),
    (UserError, 400, "bad_request"),
)


def http_status(e: ReformSearchError) -> tuple[int, str]:
    """(status, error type) of a domain error; an unclassified one is a server fault (500)."""
    return next(((status, kind) for cls, status, kind in STATUSES if isinstance(e, cls)), (500, "internal_error"))


def allowed_methods(request: Request) -> list[str]:
    """The methods some route answers at the request's path (GET /search and POST /search are two routes)."""
    routes = request.app.router.routes
    return [m for m in METHODS
            if any(route.matches({**request.scope, "method": m})[0] == Match.FULL for route in routes)]


def install_error_handlers(app: FastAPI) -> None:
    """Every error the JSON API answers with, as {"error": {type, message, details}}."""

    @app.exception_handler(ApiError)
    async def _api_error(_r: Request, e: ApiError) -> JSONResponse:
        return error_json(e.status, e.type, e.message, e.details)

    @app.exception_handler(ReformSearchError)
    async def _domain(_r: Request, e: ReformSearchError) -> JSONResponse:
        status, kind = http_status(e)
        if status >= 500:
            log.error("%s: %s", kind, e.explain())
        return error_json(status, kind, e.explain())

    @app.exception_handler(RequestValidationError)
    async def _validation(_r: Request, e: RequestValidationError) -> JSONResponse:
        errors = e.errors()
        if any(err.get("type") == "json_invalid" for err in errors):
            return error_json(400, "malformed_json", "request body is not valid JSON")
        details = [{"loc": list(err["loc"]), "msg": err["msg"]} for err in errors]
        return error_json(422, "validation_error", validation_message(details), details)

    @app.exception_handler(StarletteHTTPException)
    async def _http(r: Request, e: StarletteHTTPException) -> JSONResponse:
        headers = dict(e.headers or {})
        if e.status_code == 405:  # RFC 9110: Allow lists every method of the resource, not one route's
            headers["Allow"] = ", ".join(allowed_methods(r))
        return error_json(e.status_code, "http_error", str(e.detail), headers=headers or None)

    @app.exception_handler(Exception)
    async def _unexpected(_r: Request, e: Exception) -> JSONResponse:
        log.exception("unexpected error")
        return error_json(500, "internal_error", "unexpected server error; see the server log")

"""The OpenAPI document, told true: the filter values the served index accepts are declared as enums.

Limits, lengths and the non-blank pattern come from the request models (search_api.schemas). The
cities, kinds, fiscal years and ratings are the served index's, so the document is rebuilt whenever
another searcher is served (start-up, reload, an added document). Without an index the values are
unknown and left open: every searching operation answers 503 then.
"""

from __future__ import annotations

import copy
import weakref
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

FILTERS = ("city", "kind", "fiscal_year", "rating")


def corpus_values(searcher: Any) -> dict[str, list[Any]]:
    """What each filter accepts in the served index (what Searcher.validate checks against)."""
    return {"city": list(searcher.cities), "kind": list(searcher.kinds), "fiscal_year": list(searcher.years),
            "rating": list(searcher.rating_values)}


def _restrict(schema: dict[str, Any], values: list[Any]) -> None:
    """Give the array schema (or the array branch of an `anyOf`) items from `values` only."""
    for branch in [schema, *schema.get("anyOf", [])]:
        if branch.get("type") == "array":
            if values:
                branch["items"] = {**branch.get("items", {}), "enum": values}
            else:  # nothing to choose from: only the empty list is accepted
                branch["maxItems"] = 0


def with_corpus_values(doc: dict[str, Any], values: dict[str, list[Any]]) -> dict[str, Any]:
    """A copy of the OpenAPI document `doc` whose filter parameters and fields list `values`."""
    out = copy.deepcopy(doc)
    components = out.get("components", {}).get("schemas", {})
    for name in FILTERS:
        prop = components.get("FiltersIn", {}).get("properties", {}).get(name)
        if prop is not None:
            _restrict(prop, values[name])
    cities = components.get("CompareRequest", {}).get("properties", {}).get("cities")
    if cities is not None:
        _restrict(cities, values["city"])
    for param in out.get("paths", {}).get("/search", {}).get("get", {}).get("parameters", []):
        if param.get("in") == "query" and param.get("name") in FILTERS:
            _restrict(param["schema"], values[param["name"]])
    return out


def _routes(routes: list[Any]) -> list[Any]:
    """Every route, also those of included routers."""
    out = []
    for route in routes:
        inner = getattr(route, "original_router", None)
        out.extend(_routes(inner.routes) if inner is not None else [route])
    return out


def with_pages(doc: dict[str, Any], routes: list[Any]) -> dict[str, Any]:
    """A copy of `doc` that also lists the HTML pages at paths of the JSON API (GET /compare next to
    POST /compare), so that the document names every method a 405's Allow header names."""
    out = copy.deepcopy(doc)
    for route in _routes(routes):
        ops = out.get("paths", {}).get(getattr(route, "path_format", ""))
        if ops is None or not isinstance(route, APIRoute):
            continue
        for method in sorted(m.lower() for m in route.methods or ()):
            ops.setdefault(method, {
                "tags": ["pages"], "summary": f"{(route.description or route.name).splitlines()[0]} (HTML page)",
                "operationId": f"page_{route.name}",
                "responses": {str(code): {"description": what, "content": {"text/html": {"schema": {"type": "string"}}}}
                              for code, what in ((200, "The page"), (503, "No index is loaded: a page saying why"))},
            })
    return out


def install_openapi(app: FastAPI) -> None:
    """Serve the document with the current searcher's values (rebuilt when the searcher changes)."""
    static: Callable[[], dict[str, Any]] = app.openapi  # FastAPI's own, cached in app.openapi_schema
    served: dict[str, Any] = {}

    def openapi() -> dict[str, Any]:
        searcher = getattr(app.state, "searcher", None)
        if "doc" not in served or served["searcher"]() is not searcher:
            doc = with_pages(static(), app.router.routes)
            # a weak reference: a replaced searcher is not kept alive by its document
            served.update(searcher=weakref.ref(searcher) if searcher else lambda: None,
                          doc=with_corpus_values(doc, corpus_values(searcher)) if searcher else doc)
        return served["doc"]

    app.openapi = openapi  # type: ignore[method-assign]

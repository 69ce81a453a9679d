"""Rendering a page: the Jinja templates with the context every page shares (filter choices, labels)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from reform_search import limits
from search_api.ui.display import KIND_LABELS

API_DIR = Path(__file__).resolve().parent.parent
STATIC_DIR = API_DIR / "static"
templates = Jinja2Templates(directory=str(API_DIR / "templates"))


def static_files() -> StaticFiles:
    """The pages' stylesheet and script, for mounting at /static."""
    return StaticFiles(directory=str(STATIC_DIR))


def page(request: Request, name: str, code: int = 200, **ctx: Any) -> HTMLResponse:
    """Template `name` with the filter choices of the served index (empty while it loads) and `ctx`."""
    s = getattr(request.app.state, "searcher", None)
    base = {"cities": s.cities if s else [], "kinds": s.kinds if s else [], "years": s.years if s else [],
            "rating_values": s.rating_values if s else [], "kind_labels": KIND_LABELS, "q": "",
            "query_max": limits.QUERY_MAX_CHARS,
            "selected": {"city": [], "kind": [], "year": [], "rating": []}}
    return templates.TemplateResponse(request, name, {**base, **ctx}, status_code=code)

"""The HTML pages for city-hall staff, server-rendered over the served Searcher.

No build step, nothing from a CDN, no API key needed (pages call the Searcher in-process).
Every page is a plain GET with its state in the URL, so any view can be shared as a link.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

from index.qa import LEFT_OUT, extractive_answer
from reform_search import limits
from reform_search.errors import NotFound, ReformSearchError
from search_api.errors import http_status
from search_api.source_view import source_pieces
from search_api.ui.display import kind_label
from search_api.ui.export import export_body
from search_api.ui.params import (
    ExportFormat,
    PageSearcher,
    PerCity,
    QueryText,
    Selected,
    Selection,
    UIError,
    per_city_of,
)
from search_api.ui.render import page
from search_api.ui.views import answer_lines, compare_columns, hit_view, initiative_view

log = logging.getLogger("reform_search.ui")

EXAMPLES = ["RPAの導入", "ペーパーレス化", "公共施設の老朽化対策", "ふるさと納税", "温室効果ガスの削減"]
ASK_EXAMPLES = ["狛江市はRPAでどれくらいの時間を削減したか", "各市のRPAの取組を比較したい",
                "公共施設マネジメントの評価はどうだったか"]
# The navigation tab of each page, highlighted on its error page too.
TABS = {"search_page": "search", "compare_page": "compare", "compare_export": "compare", "ask_page": "ask"}


# Titles of the error page by the status search_api.errors gives a domain error (the same as the API's).
TITLES = {400: "入力を確認してください", 404: "ページが見つかりません", 409: "ほかの処理が進行中です",
          422: "入力を確認してください", 503: "検索の準備ができていません"}
UNEXPECTED = UIError(500, "エラーが発生しました", "時間をおいてもう一度お試しください。続く場合は管理者にお知らせください。")


def error_page(request: Request, exc: Exception, active: str) -> HTMLResponse:
    """The friendly page for a failed page request (never a stack trace)."""
    if isinstance(exc, UIError):
        err = exc
    elif isinstance(exc, NotFound):
        err = UIError(404, TITLES[404], "指定された取組または資料はありません。")
    elif isinstance(exc, ReformSearchError) and http_status(exc)[0] in TITLES:
        status = http_status(exc)[0]
        err = UIError(status, TITLES[status], exc.explain())
    else:
        log.error("UI page failed", exc_info=exc)
        err = UNEXPECTED
    return page(request, "error.html", err.status, title=err.title, message=err.message, active=active)


class PageRoute(APIRoute):
    """A page route: whatever fails in it or its dependencies is shown by :func:`error_page`."""

    def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
        handler = super().get_route_handler()
        active = TABS.get(self.name, "")

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except (HTTPException, RequestValidationError):
                raise
            except Exception as e:  # noqa: BLE001 - a page must never show a stack trace
                return error_page(request, e, active)

        return guarded


router = APIRouter(route_class=PageRoute, include_in_schema=False)


def form_context(request: Request, q: str, sel: Selection, active: str, examples: list[str],
                 empty: str) -> dict[str, Any]:
    """The template context shared by the form pages (a notice when the form was sent empty)."""
    ctx: dict[str, Any] = {"q": q, "selected": sel.selected, "examples": examples, "active": active}
    if "q" in request.query_params and not q:
        ctx["notice"] = empty
    return ctx


@router.get("/", response_class=HTMLResponse)
def search_page(request: Request, s: PageSearcher, q: QueryText, sel: Selected) -> Response:
    """Search box, filters and results; `/?q=RPA&city=昭島市` opens with those results."""
    ctx = form_context(request, q, sel, "search", EXAMPLES, "検索する言葉を入力してください。")
    if not q:
        docs = sorted(s.meta.documents.values(), key=lambda d: (d["city"], d["id"]))
        return page(request, "search.html", documents=docs, **ctx)
    k = limits.UI_MORE_K if request.query_params.get("more") else limits.SEARCH_K_DEFAULT
    r = s.search(q, k=k, filters=sel.filters)
    counts = {c: sum(h.city == c for h in r.hits) for c in s.cities}
    return page(request, "search.html", hits=[hit_view(h) for h in r.hits], counts=counts, took=r.took_ms, k=k,
                searched_as=s.searched_as(r.query), **ctx)


@router.get("/compare", response_class=HTMLResponse)
def compare_page(request: Request, s: PageSearcher, q: QueryText, sel: Selected, per_city: PerCity) -> Response:
    """Comparable initiatives side by side, one column per city, with CSV/Markdown export."""
    ctx = form_context(request, q, sel, "compare", EXAMPLES, "比較する取組の言葉を入力してください。")
    ctx["per_city"] = per_city
    if not q:
        return page(request, "compare.html", **ctx)
    cols, took = compare_columns(s, q, per_city, sel.filters)
    return page(request, "compare.html", cols=cols, took=took, export=request.url.query, searched_as=s.searched_as(q),
                **ctx)


@router.get("/compare.{ext}")
def compare_export(request: Request, fmt: ExportFormat, s: PageSearcher, q: QueryText, sel: Selected) -> Response:
    """The comparison table as CSV (UTF-8 with BOM, for Excel) or Markdown."""
    if not q:
        raise UIError(400, "検索語がありません", "比較する取組の言葉を指定してください（例: /compare.csv?q=RPA）。")
    cols, _ = compare_columns(s, q, per_city_of(request), sel.filters)
    body, media, disposition = export_body(fmt, q, cols)
    return Response(body, media_type=media, headers={"Content-Disposition": disposition})


@router.get("/ask", response_class=HTMLResponse)
def ask_page(request: Request, s: PageSearcher, q: QueryText, sel: Selected) -> Response:
    """A question answered by quoting the sources, or a clear 'not found' state."""
    ctx = form_context(request, q, sel, "ask", ASK_EXAMPLES, "質問を入力してください。")
    if not q:
        return page(request, "ask.html", **ctx)
    a = extractive_answer(s, q, filters=sel.filters)
    return page(request, "ask.html", answer=a, lines=answer_lines(a), citations=[hit_view(h) for h in a.citations],
                left_out_label=LEFT_OUT, **ctx)


@router.get("/source/{document_id}", response_class=HTMLResponse)
def source_page(request: Request, document_id: str, s: PageSearcher) -> Response:
    """The document's full original text with the cited passage [start, end) marked."""
    doc = s.meta.documents.get(document_id)
    if doc is None:
        raise UIError(404, "資料が見つかりません", f"資料「{document_id}」はありません。")
    text = s.meta.texts[document_id]
    p = request.query_params
    a, b = p.get("start", ""), p.get("end", "")
    notice, parts = "", [text, "", ""]
    if a or b:
        if a.isdigit() and b.isdigit() and 0 <= int(a) < int(b) <= len(text):
            i, j = int(a), int(b)
            parts = [text[:i], text[i:j], text[j:]]
        else:
            notice = f"指定された引用位置（{a}〜{b}）がこの資料の範囲（0〜{len(text)}）にないため、全文を表示しています。"
    before, cited, after = source_pieces(*parts)
    return page(request, "source.html", doc=doc, kind=kind_label(doc["kind"]), before=before, cited=cited, after=after,
                notice=notice, active="")


@router.get("/initiative/{initiative_id:path}", response_class=HTMLResponse)
def initiative_page(request: Request, initiative_id: str, s: PageSearcher) -> Response:
    """An initiative: metadata, its text, and similar initiatives in other cities."""
    return page(request, "initiative.html", active="", **initiative_view(s, initiative_id))

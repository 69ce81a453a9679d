"""What a page reads from its request, as typed dependencies: the searcher, the query, the filters.

Anything wrong raises :class:`UIError`, which the page router shows as a friendly page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from index.searcher import Filters, Searcher
from reform_search import limits
from search_api.deps import served_searcher
from search_api.ui.display import kind_label

MAX_QUERY = limits.QUERY_MAX_CHARS
EXPORT_FORMATS = ("csv", "md")


class UIError(Exception):
    """A problem to show the user as a friendly page (never a stack trace)."""

    def __init__(self, status: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status, self.title, self.message = status, title, message


@dataclass(frozen=True)
class Selection:
    """The URL's filters, for the searcher and (as given) for re-checking the form's boxes."""

    filters: Filters
    selected: dict[str, list[str]]


def searcher_of(request: Request) -> Searcher:
    """The served searcher, or NotReady (a 503 page with the API's message: why, and the fix)."""
    state = request.app.state
    if getattr(state, "searcher", None) is None and not getattr(state, "load_error", None):
        raise UIError(503, "検索の準備ができていません", "索引を読み込んでいます。しばらくしてから再読み込みしてください。")
    return served_searcher(request.app)


PageSearcher = Annotated[Searcher, Depends(searcher_of)]


def query_of(request: Request) -> str:
    q = (request.query_params.get("q") or "").strip()
    if len(q) > MAX_QUERY:
        raise UIError(400, "検索語が長すぎます", f"{MAX_QUERY}文字以内で入力してください（{len(q)}文字）。")
    return q


def selection_of(request: Request, s: PageSearcher) -> Selection:
    """Filters from the URL (city, kind, year, rating; repeatable), checked against the index."""
    p = request.query_params
    raw = {"city": p.getlist("city"), "kind": p.getlist("kind"),
           "year": p.getlist("year") + p.getlist("fiscal_year"), "rating": p.getlist("rating")}
    raw = {k: [v for v in vs if v.strip()] for k, vs in raw.items()}
    names = {"city": "市", "kind": "資料の種類", "year": "年度", "rating": "評価"}
    allowed = {"city": s.cities, "kind": s.kinds, "year": [str(y) for y in s.years], "rating": s.rating_values}
    for key, values in raw.items():
        bad = [v for v in values if v not in allowed[key]]
        if bad:
            choices = "、".join(kind_label(a) for a in allowed[key]) or "（なし）"
            raise UIError(400, "絞り込み条件を確認してください",
                          f"{names[key]}「{'、'.join(bad)}」は選べません。選べるのは {choices} です。")
    f = Filters(tuple(raw["city"]), tuple(raw["kind"]), tuple(int(y) for y in raw["year"]), tuple(raw["rating"]))
    return Selection(f, raw)


def per_city_of(request: Request) -> int:
    v = request.query_params.get("per_city", str(limits.PER_CITY_DEFAULT))
    if not v.isdigit() or not 1 <= int(v) <= limits.PER_CITY_MAX:
        raise UIError(400, "表示件数を確認してください", f"1市あたりの件数は 1〜{limits.PER_CITY_MAX} で指定してください。")
    return int(v)


def export_format_of(ext: str) -> str:
    if ext not in EXPORT_FORMATS:
        raise UIError(404, "ページが見つかりません", "保存形式は csv か md です。")
    return ext


QueryText = Annotated[str, Depends(query_of)]
Selected = Annotated[Selection, Depends(selection_of)]
PerCity = Annotated[int, Depends(per_city_of)]
ExportFormat = Annotated[str, Depends(export_format_of)]

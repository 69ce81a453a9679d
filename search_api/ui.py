"""Web UI for city-hall staff: server-rendered Jinja2 pages over app.state.searcher.

No build step, nothing from a CDN, no API key needed (pages call the Searcher in-process).
Every page is a plain GET with its state in the URL, so any view can be shared as a link.
"""

from __future__ import annotations

import csv
import functools
import io
import itertools
import logging
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from index.qa import extractive_answer
from index.searcher import Filters, Hit, Searcher
from ingest.paging import page_label, pages_of
from reform_search.errors import InvalidQuery, NotFound
from search_api.source_view import position_label, source_pieces

log = logging.getLogger("reform_search.ui")
HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=str(HERE / "templates"))

KIND_LABELS = {"progress_report": "進捗状況", "department_policy": "部局方針", "evaluation_report": "評価報告書",
               "reform_plan": "改革計画・大綱", "other": "その他"}
EXTRA_LABELS = {"overview": "概要", "purpose": "目的", "plan": "計画", "items": "取組内容", "result": "実績",
                "target": "目標", "indicators": "指標", "issues": "課題", "direction": "方向性", "page": "掲載ページ",
                "subtitle": "副題"}
EXAMPLES = ["RPAの導入", "ペーパーレス化", "公共施設の老朽化対策", "ふるさと納税", "温室効果ガスの削減"]
ASK_EXAMPLES = ["狛江市はRPAでどれくらいの時間を削減したか", "各市のRPAの取組を比較したい",
                "公共施設マネジメントの評価はどうだったか"]
MAX_QUERY = 1000
_WS = re.compile(r"\s+")
_GAP = re.compile(r"(?:\s|</?[a-zA-Z][^<>\n]{0,200}>)+")
_FACT = re.compile(r"[0-9０-９][0-9０-９,，.．]*\s*(?:億円|万円|千円|円|時間|分|件|%|％|ポイント|台|人|名|回|課|業務|"
                   r"か所|ヶ所|箇所|施設|校|園|世帯|団体|枚|割|倍|トン|t|kWh|項目|手続|種類|日)")
_FACT_SPLIT = re.compile(r"(?<=。)|[・●○〇◆■□]|(?<=\s)[①-⑳]")


class UIError(Exception):
    """A problem to show the user as a friendly page (never a stack trace)."""

    def __init__(self, status: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status, self.title, self.message = status, title, message


def collapse(text: str) -> tuple[str, list[int]]:
    """Display form of an original passage and, per display char, its index in `text`.

    PDF line breaks and layout spaces between Japanese characters are removed, other
    whitespace runs (and leftover HTML tags of converted tables) become one space.
    """
    out: list[str] = []
    pos: list[int] = []
    last = 0
    for m in _GAP.finditer(text):
        out.append(text[last:m.start()])
        pos.extend(range(last, m.start()))
        last = m.end()
        prev, nxt = text[m.start() - 1 : m.start()], text[m.end() : m.end() + 1]
        joined = ord(prev[:1] or "a") > 0x7F and ord(nxt[:1] or "a") > 0x7F and not re.search(r"[\t<]", m.group())
        if prev and nxt and not joined:
            out.append(" ")
            pos.append(m.start())
    out.append(text[last:])
    pos.extend(range(last, len(text)))
    return "".join(out), pos


def render_marked(text: str, spans: list[tuple[int, int]] | list[list[int]], limit: int | None = None) -> Markup:
    """Escaped display text with `spans` (offsets in `text`) wrapped in <mark>; a window of
    about `limit` characters around the first highlight when the text is longer."""
    shown, pos = collapse(text)
    marked = [any(s <= p < e for s, e in spans) for p in pos]
    start, end = 0, len(shown)
    if limit and len(shown) > limit:
        first = next((k for k, m in enumerate(marked) if m), 0)
        start = max(0, min(first - limit // 5, len(shown) - limit))
        end = start + limit
    parts = ["…"] if start > 0 else []
    for m, grp in itertools.groupby(range(start, end), key=lambda k: marked[k]):
        piece = str(escape("".join(shown[k] for k in grp)))
        parts.append(f"<mark>{piece}</mark>" if m else piece)
    parts.append("…" if end < len(shown) else "")
    return Markup("".join(parts))


def plain(text: str) -> str:
    """Display form of an original passage as plain text (for exports and quotes)."""
    return collapse(text)[0].strip()


def bold_numbers(text: str) -> Markup:
    """Escaped text with quantities (2,481件, 約7時間, 40.2%…) in <strong>."""
    return Markup(_FACT.sub(lambda x: f"<strong>{x.group(0)}</strong>", str(escape(text))))


def key_facts(text: str, limit: int = 3, width: int = 70) -> list[Markup]:
    """Short clauses that state numbers (時間, 件, 円, %…), the numbers in bold."""
    facts: list[Markup] = []
    seen: set[str] = set()
    for clause in _FACT_SPLIT.split(plain(text)):
        clause = clause.strip(" 、。")
        m = _FACT.search(clause)
        if not m or clause in seen:
            continue
        seen.add(clause)
        if len(clause) > width:
            s = max(0, min(m.start() - width // 2, len(clause) - width))
            clause = ("…" if s else "") + clause[s:s + width] + ("…" if s + width < len(clause) else "")
        facts.append(bold_numbers(clause))
        if len(facts) >= limit:
            break
    return facts


def source_url(document_id: str, start: int, end: int) -> str:
    return f"/source/{quote(document_id, safe='')}?start={start}&end={end}#cited"


def initiative_url(initiative_id: str) -> str:
    return f"/initiative/{quote(initiative_id, safe='')}"


def rating_class(value: str) -> str:
    return {"A": "good", "S": "good", "◎": "good", "B": "mid", "○": "mid", "C": "low", "△": "low"}.get(value, "")


def hit_view(h: Hit, limit: int | None = 220) -> dict[str, Any]:
    """What a result card shows."""
    ini, src, facts = h.initiative or {}, h.source, key_facts(h.text)
    return {
        "city": h.city, "document_id": h.document_id, "document_title": h.document_title,
        "kind": KIND_LABELS.get(h.kind, h.kind), "years": h.fiscal_year,
        "number": ini.get("number", ""), "title": ini.get("title") or h.title,
        "initiative_url": initiative_url(ini["id"]) if ini else None,
        "department": ini.get("department", ""), "status": ini.get("status", ""),
        "ratings": [{**r, "cls": rating_class(r["value"])} for r in ini.get("ratings", [])],
        "path": " › ".join(h.heading_path), "snippet": render_marked(h.text, h.highlights, limit),
        "facts": facts, "source_url": source_url(h.document_id, src["char_start"], src["char_end"]),
        "pages": page_label(h.page, h.page_end),
        "lines": position_label(h.page, h.page_end, src["line_start"], src["line_end"]),
        "file": src["file"], "text": plain(h.text), "facts_text": [Markup(x).striptags() for x in facts],
        "rating_text": " ".join(f"{r['year'] or ''}{'年度' if r['year'] else ''}{r['label']} {r['value']}".strip()
                                for r in ini.get("ratings", [])),
    }


def searcher_of(request: Request) -> Searcher:
    s = getattr(request.app.state, "searcher", None)
    if s is None:
        why = getattr(request.app.state, "load_error", None) or "索引を読み込んでいます。しばらくしてから再読み込みしてください。"
        raise UIError(503, "検索の準備ができていません", why)
    return s


def query_of(request: Request) -> str:
    q = (request.query_params.get("q") or "").strip()
    if len(q) > MAX_QUERY:
        raise UIError(400, "検索語が長すぎます", f"{MAX_QUERY}文字以内で入力してください（{len(q)}文字）。")
    return q


def filters_of(request: Request, s: Searcher) -> tuple[Filters, dict[str, list[str]]]:
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
            choices = "、".join(KIND_LABELS.get(a, a) for a in allowed[key]) or "（なし）"
            raise UIError(400, "絞り込み条件を確認してください",
                          f"{names[key]}「{'、'.join(bad)}」は選べません。選べるのは {choices} です。")
    f = Filters(tuple(raw["city"]), tuple(raw["kind"]), tuple(int(y) for y in raw["year"]), tuple(raw["rating"]))
    return f, raw


def form(request: Request, active: str, examples: list[str], empty: str
         ) -> tuple[Searcher, str, Filters, dict[str, Any]]:
    """Searcher, query, filters and the template context shared by the form pages."""
    s = searcher_of(request)
    q = query_of(request)
    f, selected = filters_of(request, s)
    ctx: dict[str, Any] = {"q": q, "selected": selected, "examples": examples, "active": active}
    if "q" in request.query_params and not q:
        ctx["notice"] = empty
    return s, q, f, ctx


def page(request: Request, name: str, code: int = 200, **ctx: Any) -> HTMLResponse:
    s = getattr(request.app.state, "searcher", None)
    base = {"cities": s.cities if s else [], "kinds": s.kinds if s else [], "years": s.years if s else [],
            "rating_values": s.rating_values if s else [], "kind_labels": KIND_LABELS, "q": "",
            "selected": {"city": [], "kind": [], "year": [], "rating": []}}
    return templates.TemplateResponse(request, name, {**base, **ctx}, status_code=code)


def guarded(active: str):  # type: ignore[no-untyped-def]
    """Turn UIError / InvalidQuery / NotFound / anything unexpected into a friendly page."""

    def wrap(fn):  # type: ignore[no-untyped-def]
        @functools.wraps(fn)
        def inner(request: Request, *args: Any, **kw: Any) -> Response:
            try:
                return fn(request, *args, **kw)
            except UIError as e:
                err = e
            except NotFound:
                err = UIError(404, "ページが見つかりません", "指定された取組または資料はありません。")
            except InvalidQuery as e:
                err = UIError(400, "入力を確認してください", str(e))
            except Exception:  # noqa: BLE001 - a page must never show a stack trace
                log.exception("UI page failed")
                err = UIError(500, "エラーが発生しました", "時間をおいてもう一度お試しください。続く場合は管理者にお知らせください。")
            return page(request, "error.html", err.status, title=err.title, message=err.message, active=active)

        return inner

    return wrap


def compare_rows(s: Searcher, q: str, per_city: int, f: Filters) -> tuple[list[dict[str, Any]], float]:
    """One column per city, best match first (cities without a comparable initiative keep an
    empty column), and the time taken."""
    groups, took = s.compare(q, per_city=per_city, filters=f)
    raw = {g.city: g.hits for g in groups}
    wanted = list(f.city) or s.cities
    order = [g.city for g in groups if g.city in wanted] + [c for c in wanted if c not in raw]
    cols = [{"city": c, "hits": [hit_view(h, 140) for h in raw.get(c, [])]} for c in order]
    return cols, took


def per_city_of(request: Request) -> int:
    v = request.query_params.get("per_city", "3")
    if not v.isdigit() or not 1 <= int(v) <= 10:
        raise UIError(400, "表示件数を確認してください", "1市あたりの件数は 1〜10 で指定してください。")
    return int(v)


def _csv_cell(v: str) -> str:
    return "'" + v if v[:1] in ("=", "+", "-", "@", "\t", "\r") else v


def compare_csv(q: str, cols: list[dict[str, Any]]) -> str:
    """UTF-8 CSV with a BOM (Excel opens it with Japanese intact), one row per initiative."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["検索語", "市", "順位", "取組番号", "取組名", "担当課", "評価", "状況", "主な数値", "資料", "見出し",
                "原文の位置", "本文"])
    for col in cols:
        for n, v in enumerate(col["hits"], 1):
            w.writerow([_csv_cell(c) for c in (
                q, col["city"], str(n), v["number"], v["title"], v["department"], v["rating_text"], v["status"],
                " / ".join(v["facts_text"]), v["document_title"], v["path"], f"{v['file']} {v['lines']}", v["text"])])
        if not col["hits"]:
            w.writerow([_csv_cell(q), col["city"]] + [""] * 2 + ["該当する取組なし"] + [""] * 8)
    return "\ufeff" + buf.getvalue()


def _md(v: str) -> str:
    return _WS.sub(" ", v).replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").strip()


def compare_md(q: str, cols: list[dict[str, Any]]) -> str:
    """A Markdown table, one column per city and one row per rank, then the sources."""
    lines = [f"# 市別比較: {_md(q)}", "", "| 順位 | " + " | ".join(_md(c["city"]) for c in cols) + " |",
             "|---|" + "---|" * len(cols)]
    for n in range(max([len(c["hits"]) for c in cols] + [1])):
        cells = []
        for c in cols:
            v = c["hits"][n] if n < len(c["hits"]) else None
            if v is None:
                cells.append("該当なし" if n == 0 else "")
                continue
            cell = f"**{_md(' '.join(x for x in (v['number'], v['title']) if x))}**"
            cell += f"<br>評価: {_md(v['rating_text'])}" if v["ratings"] else ""
            cell += f"<br>担当: {_md(v['department'])}" if v["department"] else ""
            cells.append(cell + "".join(f"<br>・{_md(f)}" for f in v['facts_text']))
        lines.append(f"| {n + 1} | " + " | ".join(cells) + " |")
    notes = [f"- {c['city']} {v['number']} {_md(v['title'])}: {_md(v['document_title'])} {v['lines']}（{v['file']}）"
             for c in cols for v in c["hits"]]
    return "\n".join(lines + ["", "## 出典", "", *notes, ""])


def mount_ui(app: FastAPI) -> None:
    """Add the HTML pages and /static to `app` (no API key required)."""
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="ui-static")

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    @guarded("search")
    def search_page(request: Request) -> Response:
        """Search box, filters and results; `/?q=RPA&city=昭島市` opens with those results."""
        s, q, f, ctx = form(request, "search", EXAMPLES, "検索する言葉を入力してください。")
        if not q:
            docs = sorted(s.meta.documents.values(), key=lambda d: (d["city"], d["id"]))
            return page(request, "search.html", documents=docs, **ctx)
        k = 30 if request.query_params.get("more") else 10
        r = s.search(q, k=k, filters=f)
        counts = {c: sum(h.city == c for h in r.hits) for c in s.cities}
        return page(request, "search.html", hits=[hit_view(h) for h in r.hits], counts=counts, took=r.took_ms, k=k,
                    **ctx)

    @app.get("/compare", response_class=HTMLResponse, include_in_schema=False)
    @guarded("compare")
    def compare_page(request: Request) -> Response:
        """Comparable initiatives side by side, one column per city, with CSV/Markdown export."""
        s, q, f, ctx = form(request, "compare", EXAMPLES, "比較する取組の言葉を入力してください。")
        ctx["per_city"] = per_city = per_city_of(request)
        if not q:
            return page(request, "compare.html", **ctx)
        cols, took = compare_rows(s, q, per_city, f)
        return page(request, "compare.html", cols=cols, took=took, export=request.url.query, **ctx)

    @app.get("/compare.{ext}", include_in_schema=False)
    @guarded("compare")
    def compare_export(request: Request, ext: str) -> Response:
        """The comparison table as CSV (UTF-8 with BOM, for Excel) or Markdown."""
        if ext not in ("csv", "md"):
            raise UIError(404, "ページが見つかりません", "保存形式は csv か md です。")
        s, q, f, _ = form(request, "compare", EXAMPLES, "")
        if not q:
            raise UIError(400, "検索語がありません", "比較する取組の言葉を指定してください（例: /compare.csv?q=RPA）。")
        cols, _ = compare_rows(s, q, per_city_of(request), f)
        body, media = (compare_csv(q, cols), "text/csv") if ext == "csv" else (compare_md(q, cols), "text/markdown")
        disposition = f"attachment; filename=\"compare.{ext}\"; filename*=UTF-8''{quote(f'比較_{q[:40]}.{ext}', safe='')}"
        return Response(body.encode("utf-8"), media_type=f"{media}; charset=utf-8",
                        headers={"Content-Disposition": disposition})

    @app.get("/ask", response_class=HTMLResponse, include_in_schema=False)
    @guarded("ask")
    def ask_page(request: Request) -> Response:
        """A question answered by quoting the sources, or a clear 'not found' state."""
        s, q, f, ctx = form(request, "ask", ASK_EXAMPLES, "質問を入力してください。")
        if not q:
            return page(request, "ask.html", **ctx)
        a = extractive_answer(s, q, filters=f)
        lines = [{"quote_html": bold_numbers(ln.quote), "city": ln.city, "citation": ln.citation,
                  "label": " ".join(x for x in ((ln.initiative or {}).get("number", ""),
                                                (ln.initiative or {}).get("title") or ln.document_title) if x),
                  "source_url": source_url(ln.document_id, ln.char_start, ln.char_end),
                  "pages": page_label(ln.page, ln.page_end)} for ln in a.lines]
        return page(request, "ask.html", answer=a, lines=lines, citations=[hit_view(h) for h in a.citations], **ctx)

    @app.get("/source/{document_id}", response_class=HTMLResponse, include_in_schema=False)
    @guarded("")
    def source_page(request: Request, document_id: str) -> Response:
        """The document's full original text with the cited passage [start, end) marked."""
        s = searcher_of(request)
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
        return page(request, "source.html", doc=doc, kind=KIND_LABELS.get(doc["kind"], doc["kind"]), before=before,
                    cited=cited, after=after, notice=notice, active="")

    @app.get("/initiative/{initiative_id:path}", response_class=HTMLResponse, include_in_schema=False)
    @guarded("")
    def initiative_page(request: Request, initiative_id: str) -> Response:
        """An initiative: metadata, its text, and similar initiatives in other cities."""
        s = searcher_of(request)
        ini = s.initiative(initiative_id)
        doc = s.meta.documents[ini.document_id]
        text = s.meta.texts[ini.document_id]
        spans = [{"text": bold_numbers(plain(text[a:b])), "url": source_url(ini.document_id, a, b),
                  "pages": page_label(*pages_of(text, a, b))} for a, b in ini.spans]
        similar, _ = s.similar(ini.id, k=6)
        extra = [(EXTRA_LABELS[k], bold_numbers(plain(v))) for k, v in ini.extra.items() if k in EXTRA_LABELS and v.strip()]
        status = "" if any(ini.status.rstrip("…") in plain(v) for v in ini.extra.values()) else ini.status
        ratings = [{"year": r.year, "value": r.value, "label": r.label, "cls": rating_class(r.value)}
                   for r in ini.ratings]
        return page(request, "initiative.html", ini=ini, doc=doc, kind=KIND_LABELS.get(doc["kind"], doc["kind"]),
                    spans=spans, extra=extra, ratings=ratings, status=status, similar=[hit_view(h, 160) for h in similar],
                    q=ini.title, active="")

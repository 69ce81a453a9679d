"""Plain-text renderings of API responses for a chat model: who, which document, the quote, where, a link."""

from __future__ import annotations

from typing import Any

from index.display import excerpt, locate
from index.qa import LEFT_OUT
from index.results import WEAK_LABEL as WEAK, initiative_label
from search_api.schemas import AnswerResponse, CompareResponse, HitOut, InitiativeOut, SearchResponse
from search_api.ui.display import EXTRA_LABELS, KIND_LABELS, initiative_url, source_url

NOTHING = "該当する記述が見つかりませんでした。"
# Shown characters of one quoted passage: passages run to ~1,100 characters, and ten of them
# in full would bury the answer; the link and the `initiative` tool give the whole text.
QUOTE_CHARS = 300


def _ratings(ratings: list[Any]) -> str:
    return " ".join(f"{r.year}年度 {r.value}" if r.year else r.value for r in ratings)


def _page(page: int | None, page_end: int | None) -> str:
    if not page:
        return ""
    return f"（{page}ページ）" if not page_end or page_end <= page else f"（{page}〜{page_end}ページ）"


def _lines(start: int, end: int) -> str:
    return f"{start}行目" if end <= start else f"{start}〜{end}行目"


def hit_text(n: int, h: HitOut, base: str) -> str:
    """One numbered result: city, document, initiative, the quoted passage and where it is."""
    ini = h.initiative
    label = initiative_label(ini.number, ini.title) if ini else (h.title if h.title != h.document_title else "")
    head = f"[{n}] {h.city}『{h.document_title}』{label}"
    if ini and ini.ratings:
        head += f"（評価: {_ratings(ini.ratings)}）"
    src = h.source
    out = [head]
    if h.heading_path:
        out.append(f"    見出し: {' > '.join(h.heading_path)}")
    ex = excerpt(h.text, h.highlights, QUOTE_CHARS)
    if ex.shown:
        line, line_end, page, page_end = locate(h.text, ex.start, ex.end, src.line_start, h.page)
        out.append(f"    {'引用（抜粋）' if ex.before or ex.after else '引用'}: 「{ex.text}」")
        out.append(f"    出典: {src.file} {_lines(line, line_end)}{_page(page, page_end)} "
                   f"{base}{source_url(h.document_id, src.char_start + ex.start, src.char_start + ex.end)}")
    else:
        out.append(f"    出典: {src.file} {_lines(src.line_start, src.line_end)}{_page(h.page, h.page_end)} "
                   f"{base}{source_url(h.document_id, src.char_start, src.char_end)}")
    if ini:
        out.append(f"    取組ID: {ini.id}")
    return "\n".join(out)


def hits_text(title: str, hits: list[HitOut], base: str) -> str:
    if not hits:
        return f"{title}: {NOTHING}"
    return "\n\n".join([f"{title}（{len(hits)}件）", *(hit_text(n, h, base) for n, h in enumerate(hits, 1))])


def searched_as_text(terms: list[str]) -> str:
    """The line telling a chat client which Japanese terms an English question was searched with."""
    return f"（英語の質問を次の語で検索: {'、'.join(terms)}）" if terms else ""


def search_text(r: SearchResponse, base: str) -> str:
    return hits_text(f"「{r.query}」の検索結果{searched_as_text(r.searched_as)}", r.results, base)


def compare_text(r: CompareResponse, base: str) -> str:
    if not r.cities:
        return f"「{r.query}」の市ごとの比較{searched_as_text(r.searched_as)}: {NOTHING}"
    parts = [f"「{r.query}」の市ごとの比較（{len(r.cities)}市、よく合う市から順に）{searched_as_text(r.searched_as)}"]
    for group in r.cities:
        parts.append(f"■ {group.city}" + (f"（{WEAK}）" if group.weak else ""))
        parts.extend(hit_text(n, h, base) for n, h in enumerate(group.results, 1))
    if r.cities_without_match:
        parts.append(f"{LEFT_OUT}: {'、'.join(r.cities_without_match)}")
    return "\n\n".join(parts)


def answer_text(a: AnswerResponse, base: str) -> str:
    """The quoted answer and its numbered sources, or the explicit 'not found'."""
    if not a.answerable:
        return f"回答できません（確信度 {a.confidence:.2f}）: {a.answer}"
    sources = "\n\n".join(hit_text(n, h, base) for n, h in enumerate(a.citations, 1))
    return f"{a.answer}\n\n出典（[n] は上の引用の番号）:\n\n{sources}"


def initiative_text(i: InitiativeOut, base: str) -> str:
    lines = [f"{i.city}『{i.document_title}』{i.number} {i.title}".rstrip()]
    facts = [("取組ID", i.id), ("担当", "、".join(i.departments) or i.department),
             ("評価", _ratings(i.ratings)), ("状況", i.status), ("見出し", " > ".join(i.heading_path))]
    lines += [f"{k}: {v}" for k, v in facts if v]
    lines += [f"{EXTRA_LABELS[k]}: {v}" for k, v in i.extra.items() if v and k in EXTRA_LABELS]
    lines.append(f"取組のページ: {base}{initiative_url(i.id)}")
    if i.spans:
        start, end = i.spans[0]
        lines.append(f"原文: {base}{source_url(i.document_id, start, end)}")
    return "\n".join(lines) + f"\n\n本文:\n{i.text}"


def corpus_text(c: Any) -> str:
    """The filter values (as the tools accept them) and one line per document."""
    lines = [f"市: {'、'.join(c.cities)}",
             f"種別 (kind): {'、'.join(f'{k}（{KIND_LABELS.get(k, k)}）' for k in c.kinds)}",
             f"年度 (fiscal_year): {'、'.join(map(str, c.fiscal_years))}",
             f"評価 (rating): {'、'.join(c.ratings) or 'なし'}",
             "", f"資料（{len(c.documents)}件）:"]
    for d in c.documents:
        years = "・".join(map(str, d.fiscal_years))
        lines.append(f"- {d.city}『{d.title}』{KIND_LABELS.get(d.kind, d.kind)} {years}年度 "
                     f"（取組 {d.initiatives}件, id {d.id}）")
    return "\n".join(lines)

"""Optional generated answers from an OpenAI-compatible LLM, grounded in retrieved passages.

Citations in the model's text are `[n]` markers; any marker that does not point to a
passage we sent is removed, so an answer never cites nothing.
"""

from __future__ import annotations

import re
import time
from typing import Any

from index.qa import Answer, extractive_answer, left_out_note, weak_note
from index.searcher import Filters, Hit, Searcher
from ingest.paging import page_label

_CITE = re.compile(r"\[(\d{1,2})\]")
SYSTEM = (
    "あなたは自治体の行財政改革資料を調べるアシスタントです。与えられた資料だけに基づいて日本語で簡潔に答え、"
    "根拠となる資料番号を [1] のように文末に付けてください。数値と単位は資料どおりに書いてください。"
    "資料に答えがなければ「該当する記述が見つかりませんでした」とだけ答えてください。"
)


def build_messages(question: str, hits: list[Hit]) -> list[dict[str, str]]:
    passages = "\n\n".join(
        f"[{n}] {h.city}『{h.document_title}』{h.initiative.title if h.initiative else h.title}"
        f"{' ' + page_label(h.page, h.page_end) if h.page else ''}\n{h.search_text}"
        for n, h in enumerate(hits, 1)
    )
    return [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": f"資料:\n{passages}\n\n質問: {question}"},
    ]


def keep_valid_citations(text: str, n_passages: int) -> tuple[str, list[int]]:
    """Drop `[n]` markers outside 1..n_passages; renumber the rest in order of appearance."""
    order: list[int] = []
    for m in _CITE.finditer(text):
        n = int(m.group(1))
        if 1 <= n <= n_passages and n not in order:
            order.append(n)

    def sub(m: re.Match[str]) -> str:
        n = int(m.group(1))
        return f"[{order.index(n) + 1}]" if n in order else ""

    return _CITE.sub(sub, text).strip(), order


def generated_answer(searcher: Searcher, question: str, k: int = 6, filters: Filters | None = None) -> Answer:
    """LLM answer over the top-k passages; extractive answer when the evidence is weak or the LLM fails."""
    import httpx

    s = searcher.settings
    base = extractive_answer(searcher, question, k=k, filters=filters)
    if not base.answerable or not s.llm_base_url:
        return base
    t0 = time.perf_counter()
    hits = base.retrieved  # the passages the extractive answer already found; no second search
    headers = {"Authorization": f"Bearer {s.llm_api_key}"} if s.llm_api_key else {}
    payload: dict[str, Any] = {"model": s.llm_model, "messages": build_messages(question, hits), "temperature": 0}
    try:
        r = httpx.post(f"{s.llm_base_url.rstrip('/')}/chat/completions", json=payload, headers=headers,
                       timeout=s.llm_timeout_s)
        r.raise_for_status()
        content = r.json()["choices"][0]["message"]["content"] or ""
    except (httpx.HTTPError, KeyError, IndexError, ValueError, TypeError) as e:
        base.extra["llm_error"] = str(e)
        return base
    text, order = keep_valid_citations(content, len(hits))
    if not order:
        base.extra["llm_error"] = "the model cited no passage; extractive answer returned"
        return base
    cited = [hits[n - 1] for n in order]
    if weak := list(dict.fromkeys(ln.city for ln in base.lines if ln.weak)):
        text += weak_note(weak)  # the model's prose does not mark the cities 関連弱 as quoted lines do
    if left_out := base.extra.get("cities_without_match"):
        text += left_out_note(left_out)
    return Answer(question, True, text, [], cited, base.confidence, base.took_ms + (time.perf_counter() - t0) * 1000,
                  mode="generated", extra=dict(base.extra))

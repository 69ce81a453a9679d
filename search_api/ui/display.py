"""Display text for the pages: labels, the readable form of original passages, highlights, links."""

from __future__ import annotations

import itertools
import re
from urllib.parse import quote

from markupsafe import Markup, escape

from index.display import excerpt

KIND_LABELS = {"progress_report": "進捗状況", "department_policy": "部局方針", "evaluation_report": "評価報告書",
               "reform_plan": "改革計画・大綱", "other": "その他"}
EXTRA_LABELS = {"overview": "概要", "purpose": "目的", "plan": "計画", "items": "取組内容", "result": "実績",
                "target": "目標", "indicators": "指標", "issues": "課題", "direction": "方向性", "page": "掲載ページ",
                "subtitle": "副題"}
_GAP = re.compile(r"(?:\s|</?[a-zA-Z][^<>\n]{0,200}>)+")
_FACT = re.compile(r"[0-9０-９][0-9０-９,，.．]*\s*(?:億円|万円|千円|円|時間|分|件|%|％|ポイント|台|人|名|回|課|業務|"
                   r"か所|ヶ所|箇所|施設|校|園|世帯|団体|枚|割|倍|トン|t|kWh|項目|手続|種類|日)")
_FACT_SPLIT = re.compile(r"(?<=。)|[・●○〇◆■□]|(?<=\s)[①-⑳]")


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
    """Escaped display text (index.display: no markup debris) with `spans` (offsets in `text`)
    wrapped in <mark>; when the text is longer than `limit`, the excerpt of that size with the
    most highlighted characters (index.display.excerpt, as MCP and CLI quote it)."""
    ex = excerpt(text, spans, limit or len(text) + 1)
    parts = ["…"] if ex.before else []
    for m, grp in itertools.groupby(range(len(ex.shown)), key=lambda k: ex.marked[k]):
        piece = str(escape("".join(ex.shown[k] for k in grp)))
        parts.append(f"<mark>{piece}</mark>" if m else piece)
    parts.append("…" if ex.after else "")
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


def kind_label(kind: str) -> str:
    """The Japanese name of a document kind (the code itself when unknown)."""
    return KIND_LABELS.get(kind, kind)


def source_url(document_id: str, start: int, end: int) -> str:
    return f"/source/{quote(document_id, safe='')}?start={start}&end={end}#cited"


def initiative_url(initiative_id: str) -> str:
    return f"/initiative/{quote(initiative_id, safe='')}"


def rating_class(value: str) -> str:
    return {"A": "good", "S": "good", "◎": "good", "B": "mid", "○": "mid", "C": "low", "△": "low"}.get(value, "")

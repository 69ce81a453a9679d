"""Parser for 狛江市第6次行財政改革推進計画 進捗状況 (yearly progress report).

The document has numbered chapters (``1.計画の目的`` …), a list of all 取組項目 with page
references (``取組項目 06 AI・RPA等の先進技術の導入 P.10`` under 施策/方向性/基本事業
headings), indicator tables (:mod:`ingest.structure.indicators`) and detail pages.  A detail
page prints item headers (``取組項目06 …`` + ``推進部署 …``), the 基本事業 description
(polite form, ``…します。``) and the year's results (plain form, ``…した。``) after ``R4``
markers, scrambled by the PDF extraction: :func:`ingest.structure.align.walk` gives them back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.normalize import MappedText, compact
from ingest.parsers.common import enclosing, line_runs as _runs, lines_of, numbered_chapters
from ingest.records import DocumentMeta, Initiative, ParsedDocument, Section
from ingest.structure.align import BREAK, BULLETS, HEAD, LABEL, SHORT, STRUCT, TEXT, Step, walk
from ingest.structure.fields import split_departments
from ingest.structure.indicators import find_indicators

__all__ = ["parse", "split_departments"]

_LIST_ITEM = re.compile(r"^取組項目\s*(\d{1,3})\s*(\S.*?)\s*P\s*[.．]\s*(\d+)$")
_ITEM = re.compile(r"^取組項目\s*(\d{1,3})\s*(\S.*)$")
_DEPT = re.compile(r"^推進部署\s*(.*)$")
_LEVEL = re.compile(r"^(施策|方向性|基本事業)\s*(\d+)\s+(\S.*)$")
_LEVELS = ("施策", "方向性", "基本事業")
_BASIC = re.compile(r"基本事業\s*\d+(?:\s*指標\s*No\.?\s*([\d・,、]+))?$")
_POLICY = re.compile(r"^施策\s*\d+(?:\s+|$)")
_MARKER = re.compile(r"^R\s*\d{1,2}$")  # the R4 of the vertical 「R4年度の取組状況」
_DIRECTION = re.compile(r"^方向性\s*\d+$")
_REPEAT = re.compile(r"\s*[(（]再掲[)）]\s*$")
_NOT_HEADING = re.compile(r"[。、:：()（）「」]")
_WORD = re.compile(r"[\w\u3040-\u30ff\u3400-\u9fff]")
MAX_HEADING_CHARS = 30
MAX_STATUS_CHARS = 120


@dataclass
class _Item:
    title: str = ""
    path: list[str] = field(default_factory=list)
    page: str = ""
    indicators: str = ""
    lines: set[int] = field(default_factory=set)


def _kind(text: str, chapter: bool) -> str:
    """How a detail-page line reads (see :class:`ingest.structure.align.Step`)."""
    policy = _POLICY.match(text)
    rest = text[policy.end():] if policy else text
    if policy and (not rest or _MARKER.match(rest)) or _MARKER.match(text):
        return BREAK
    if _BASIC.search(text) or _DIRECTION.match(text) or chapter:
        return STRUCT
    if not _WORD.search(text) or (len(text) <= 2 and "。" not in text):  # ■, vertical text
        return STRUCT
    if len(text) <= MAX_HEADING_CHARS and not text.startswith(BULLETS) and not _NOT_HEADING.search(text):
        return SHORT
    return TEXT


def _list(texts: list[str], chapters: dict[int, str]) -> dict[str, _Item]:
    """The list: ``取組項目 NN title P.n`` entries under 施策/方向性/基本事業 headings."""
    items: dict[str, _Item] = {}
    path: list[str] = []
    for i, t in enumerate(texts):
        path = [] if i in chapters else path
        if m := _LEVEL.match(t):
            path = (path + [""] * 3)[:_LEVELS.index(m.group(1))] + [f"{m.group(1)}{m.group(2)} {m.group(3)}"]
        elif m := _LIST_ITEM.match(t):
            items[m.group(1)] = _Item(m.group(2), [p for p in path if p], m.group(3), lines={i})
    return items


def _steps(texts: list[str], start: int, heads: list[int], chapters: dict[int, str],
           items: dict[str, _Item]) -> list[Step]:
    """Detail-page lines as :class:`Step` s; a header sets its item's title and 指標No (from 基本事業)."""
    steps, basic = [], ""
    for i, t in enumerate(texts[start:], start):
        if i in heads:
            m = _ITEM.match(t)
            it = items.setdefault(m.group(1), _Item())
            it.title, it.indicators = m.group(2), it.indicators or basic
            steps.append(Step(HEAD, m.group(1), m.group(2)))
            continue
        kind = _kind(t, i in chapters)
        if kind == STRUCT and (b := _BASIC.search(t)):
            basic = b.group(1) or ""
        dept = _DEPT.match(t)
        label = dept.group(1) if dept else t if t.startswith(("/", "／")) else None
        steps.append(Step(LABEL, text=label, otherwise=kind) if label is not None else Step(kind))
    return steps


def parse(original: str, clean: MappedText, meta: DocumentMeta) -> ParsedDocument:
    """Initiatives keyed by their two-digit number; chapters, indicators, page texts as sections."""
    lines = [ln for ln in lines_of(clean) if ln.text.strip()]
    texts = [ln.text for ln in lines]
    chapters = numbered_chapters(texts)
    items = _list(texts, chapters)
    owned = {i for it in items.values() for i in it.lines}
    sections: list[Section] = []
    for ind in find_indicators(texts, owned | set(chapters)):
        owned |= set(ind.lines)
        extra = {"number": str(ind.number), **ind.values}
        extra.update({"description": ind.description} if ind.description else {})
        path = [p for p in [enclosing(chapters, ind.header)] if p]
        sections.append(Section(f"{meta.id}:indicator{ind.number}", meta.id, ind.name, path,
                                _runs(ind.lines, lines, clean), kind="indicator", extra=extra))
    heads = [i for i, t in enumerate(texts) if _ITEM.match(t) and i not in owned]
    # The detail pages start at their chapter heading, or right after the list / indicators.
    start = max([c for c in chapters if c <= heads[0]] + [j + 1 for j in owned if j < heads[0]] + [0]) if heads else 0
    walked = walk(texts[start:], _steps(texts, start, heads, chapters, items)) if heads else walk([], [])
    for num, idx in walked.lines.items():
        items[num].lines |= {start + i for i in idx}
        owned |= items[num].lines
    orphans = [(start + i, tuple(items[num].path[:2])) for i, num in walked.orphans]
    by_chapter: dict[str, list[int]] = {}
    for i in sorted(set(range(len(texts))) - owned - {j for j, _ in orphans}):
        by_chapter.setdefault(enclosing(chapters, i), []).append(i)
    for title, idx in by_chapter.items():
        key = re.match(r"\d+", title)
        sections.append(Section(f"{meta.id}:c{key.group(0) if key else 0}", meta.id, title or meta.title, [],
                                _runs(idx, lines, clean)))
    by_region: dict[tuple[str, ...], list[int]] = {}
    for i, reg in orphans:
        by_region.setdefault(reg, []).append(i)
    for reg, idx in by_region.items():  # one section per 方向性 in the detail pages
        chapter = enclosing(chapters, idx[0])
        key = "-".join(re.match(r"\D*(\d+)", p).group(1) for p in reg) or "x"
        sections.append(Section(f"{meta.id}:detail{key}", meta.id, reg[-1] if reg else (chapter or meta.title),
                                [p for p in [chapter, *reg[:-1]] if p], _runs(idx, lines, clean)))
    initiatives: list[Initiative] = []
    by_title: dict[str, str] = {}
    for num in sorted(items, key=int):
        it, dept_raw, result = items[num], walked.labels.get(num, ""), "".join(walked.paragraphs.get(num, []))
        title, ident = _REPEAT.sub("", it.title), f"{meta.id}:{num}"
        repeat = by_title.get(compact(title)) if _REPEAT.search(it.title) else None
        by_title.setdefault(compact(title), ident)
        first = result.split("。")[0] + ("。" if "。" in result else "")
        status = first[: MAX_STATUS_CHARS - 1] + "…" if len(first) > MAX_STATUS_CHARS else first
        extra = {k: v for k, v in {"page": it.page, "departments_raw": dept_raw, "indicators": it.indicators,
                                   "result": result}.items() if v}
        initiatives.append(Initiative(id=ident, document_id=meta.id, city=meta.city, number=num, title=title,
                                      heading_path=it.path, departments=split_departments(dept_raw), status=status,
                                      spans=_runs(it.lines, lines, clean), repeat_of=repeat, extra=extra))
    return ParsedDocument(initiatives=initiatives, sections=sections)

"""Parser for 狛江市第6次行財政改革推進計画 進捗状況 (yearly progress report).

The document has numbered chapters (``1.計画の目的`` …), a list of all 取組項目 with page
references (``取組項目 06 AI・RPA等の先進技術の導入 P.10`` under 施策/方向性/基本事業
headings), indicator tables (:mod:`ingest.structure.indicators`) and detail pages: item headers
(``取組項目06 …`` + ``推進部署 …``), the 基本事業 description (polite form, ``…します。``) and
the year's results (plain form, ``…した。``) after ``R4``, scrambled by the PDF extraction:
:func:`ingest.structure.align.walk` gives them back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.normalize import MappedText
from ingest.parsers.common import (Line, enclosing, first_sentence, line_runs as _runs, lines_of, mark_repeats,
                                   numbered_chapters)
from ingest.records import DocumentMeta, Initiative, ParsedDocument, Section
from ingest.structure.align import BREAK, BULLETS, HEAD, LABEL, SHORT, STRUCT, TEXT, Step, Walked, walk
from ingest.structure.fields import split_departments
from ingest.structure.indicators import find_indicators

_LIST_ITEM = re.compile(r"^取組項目\s*(\d{1,3})\s*(\S.*?)\s*P\s*[.．]\s*(\d+)$")
_ITEM = re.compile(r"^取組項目\s*(\d{1,3})\s*(\S.*)$")
_DEPT = re.compile(r"^推進部署\s*(.*)$")
_LEVEL = re.compile(r"^(施策|方向性|基本事業)\s*(\d+)\s+(\S.*)$")
_LEVELS = ("施策", "方向性", "基本事業")
_BASIC = re.compile(r"基本事業\s*\d+(?:\s*指標\s*No\.?\s*([\d・,、]+))?$")
# 施策N alone or with the R4 of the vertical 「R4年度の取組状況」 starts a page's result column
_BREAK = re.compile(r"^(?:施策\s*\d+(?:\s+(?:R\s*\d{1,2})?)?|R\s*\d{1,2})$")
_DIRECTION = re.compile(r"^方向性\s*\d+$")
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
    if _BREAK.match(text):
        return BREAK
    if _BASIC.search(text) or _DIRECTION.match(text) or chapter or not _WORD.search(text) \
            or (len(text) <= 2 and "。" not in text):  # headings, ■, vertical text
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


def _steps(texts: list[str], start: int, heads: set[int], chapters: set[int], items: dict[str, _Item]) -> list[Step]:
    """Detail-page lines as :class:`Step` s; a header sets its item's title and 指標No (from 基本事業)."""
    steps: list[Step] = []
    basic = ""
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


def _sections(meta: DocumentMeta, lines: list[Line], clean: MappedText, chapters: dict[int, str],
              rest: list[int], orphans: list[tuple[int, tuple[str, ...]]]) -> list[Section]:
    """One section per chapter for lines of no item, then one per 方向性 for detail-page orphans."""
    groups: dict[str | tuple[str, ...], list[int]] = {}
    for i, key in [(i, enclosing(chapters, i)) for i in rest] + orphans:  # type: ignore[operator]
        groups.setdefault(key, []).append(i)
    out = []
    for key, idx in groups.items():
        if isinstance(key, str):
            num = re.match(r"\d+", key)
            out.append(Section(f"{meta.id}:c{num.group(0) if num else 0}", meta.id, key or meta.title, [],
                               _runs(idx, lines, clean)))
            continue
        chapter = enclosing(chapters, idx[0])
        ident = "-".join(re.match(r"\D*(\d+)", p).group(1) for p in key) or "x"  # type: ignore[union-attr]
        out.append(Section(f"{meta.id}:detail{ident}", meta.id, key[-1] if key else (chapter or meta.title),
                           [p for p in [chapter, *key[:-1]] if p], _runs(idx, lines, clean)))
    return out


def parse(original: str, clean: MappedText, meta: DocumentMeta) -> ParsedDocument:
    """Initiatives keyed by their two-digit number; chapters, indicators, page texts as sections."""
    lines = [ln for ln in lines_of(clean) if ln.text.strip()]
    texts = [ln.text for ln in lines]
    chapters = numbered_chapters(texts)
    items = _list(texts, chapters)
    owned = {i for it in items.values() for i in it.lines}
    indicators = find_indicators(texts, owned | set(chapters))
    owned |= {i for ind in indicators for i in ind.lines}
    sections = [Section(f"{meta.id}:indicator{ind.number}", meta.id, ind.name,
                        [c for c in [enclosing(chapters, ind.header)] if c], _runs(ind.lines, lines, clean),
                        kind="indicator", extra=ind.extra) for ind in indicators]
    heads = [i for i, t in enumerate(texts) if _ITEM.match(t) and i not in owned]
    # The detail pages start at their chapter heading, or right after the list / indicators.
    start = max([c for c in chapters if c <= heads[0]] + [j + 1 for j in owned if j < heads[0]] + [0]) if heads else 0
    walked = walk(texts[start:], _steps(texts, start, set(heads), set(chapters), items)) if heads else walk([], [])
    for num, idx in walked.lines.items():
        items[num].lines |= {start + i for i in idx}
        owned |= items[num].lines
    orphans = [(start + i, tuple(items[num].path[:2])) for i, num in walked.orphans]
    rest = sorted(set(range(len(texts))) - owned - {j for j, _ in orphans})  # lines of no item
    return ParsedDocument(initiatives=_initiatives(meta, items, walked, lines, clean),
                          sections=sections + _sections(meta, lines, clean, chapters, rest, orphans))


def _initiatives(meta: DocumentMeta, items: dict[str, _Item], walked: Walked, lines: list[Line],
                 clean: MappedText) -> list[Initiative]:
    """One initiative per item, in number order; a (再掲) title points to its first occurrence."""
    initiatives: list[Initiative] = []
    for num in sorted(items, key=int):
        it, dept_raw, result = items[num], walked.labels.get(num, ""), "".join(walked.paragraphs.get(num, []))
        extra = {k: v for k, v in {"page": it.page, "departments_raw": dept_raw, "indicators": it.indicators,
                                   "result": result}.items() if v}
        initiatives.append(Initiative(
            id=f"{meta.id}:{num}", document_id=meta.id, city=meta.city, number=num, title=it.title,
            heading_path=it.path, departments=split_departments(dept_raw),
            status=first_sentence(result, MAX_STATUS_CHARS), spans=_runs(it.lines, lines, clean), extra=extra))
    return mark_repeats(initiatives)

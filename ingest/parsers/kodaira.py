"""Parser for 小平市 経営方針推進プログラム 進捗状況 (実施/検討プログラム tables).

Each program row starts with a circled number (①…㉘) printed alone on its line (recovered
by :func:`ingest.structure.cells.cell_lines`, as clean() drops it like a page number).  The
row is flattened column by column: the title (narrow lines), then the cells 主な取組の方向性,
取組項目, 当初予定, 取組実績, 課題 as ``・`` paragraphs, then the rating letter; the cells
are told apart by :func:`ingest.structure.cells.assign_columns`.  Everything outside program
rows (overview, 【参考】 table, schedule cells and legends left at page ends, table
headers) is kept as sections.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.normalize import MappedText
from ingest.records import DocumentMeta, Initiative, ParsedDocument, Rating, Section
from ingest.structure.cells import CellLine, assign_columns, cell_lines, paragraphs
from ingest.structure.fields import era_year
from ingest.structure.numbering import circled_value

_PROGRAM = re.compile(r"^([\u2460-\u2473\u3251-\u325f\u32b1-\u32bf])\s*(.*)$")
_DIRECTION = re.compile(r"^方向性\s*\d+\s+\S.*$")
_TABLE = re.compile(r"^[◆◇]+\s*(\S+?)\s*[◆◇]+\s*(.*)$")
_TOP = re.compile(r"^(?:進捗状況\S{0,6}|【参考】.*)$")
_TABLE_HEAD = re.compile(r"^No(?:\s|$)")
_RATING = re.compile(r"(?:^|\s)([SABC])$")
_LEGEND = re.compile(r"「([SABC])」\s*[:：]\s*(\S.*)$")
_AS_OF = re.compile(r"(?:令和|平成)\s*(?:元|\d{1,2})\s*年度末")  # the year the ratings are for
_CJK_SPACE = re.compile(r"(?<=[^\x00-\x7f]) (?=[^\x00-\x7f])")
TITLE_MAX_WIDTH = 18  # the title column holds at most 9 full-width characters
RATED_COLUMNS = ("direction", "items", "plan", "result", "issues")
UNRATED_COLUMNS = ("direction", "plan", "result", "issues")


@dataclass
class _Block:
    """A run of lines: a program row (number set) or a section."""

    title: str
    path: list[str]
    lines: list[CellLine] = field(default_factory=list)
    number: str = ""
    rating: str = ""


def _split_title(block: _Block) -> tuple[str, list[CellLine]]:
    """Title (narrow lines before the first cell) and the remaining body lines."""
    first = _PROGRAM.match(block.lines[0].text)
    head = [first.group(2)] if first and first.group(2) else []
    body = block.lines[1:]
    k = 0
    while k < len(body) and not body[k].text.startswith("・") and body[k].width <= TITLE_MAX_WIDTH:
        head.append(body[k].text)
        k += 1
    return _CJK_SPACE.sub("", "".join(head)).strip(), body[k:]


def _trim_unrated(block: _Block, path: list[str], sections: list[_Block]) -> None:
    """Lines after the last sentence of an unrated row (page-end leftovers) become a section."""
    ends = [i for i, ln in enumerate(block.lines) if ln.text.endswith("。")]
    if block.number and not block.rating and ends and ends[-1] != len(block.lines) - 1:
        tail = block.lines[ends[-1] + 1:]
        del block.lines[ends[-1] + 1:]
        sections.append(_Block(tail[0].text, path, tail))


def _blocks(lines: list[CellLine]) -> tuple[list[_Block], list[_Block]]:
    """Split the lines into program rows and sections."""
    programs: list[_Block] = []
    sections: list[_Block] = []
    top: list[str] = []
    table = direction = ""
    current: _Block | None = None  # the block receiving lines
    for ln in lines:
        t = ln.text
        m_prog, m_table = _PROGRAM.match(t), _TABLE.match(t)
        path = [p for p in (table, direction) if p]
        if current is not None and (m_prog or m_table or _TOP.match(t) or _DIRECTION.match(t) or _TABLE_HEAD.match(t)):
            _trim_unrated(current, path, sections)
        if m_prog:
            current = _Block("", path, [ln], number=m_prog.group(1))
            programs.append(current)
            continue
        if m_table:
            table, direction = m_table.group(1), ""
            current = _Block(table, [], [ln])
        elif _TOP.match(t):
            top = top[:1] if t.startswith("【") else []
            current = _Block(t, list(top), [ln])
            top.append(t)
            table = direction = ""
        elif _DIRECTION.match(t):
            direction = t
            current = _Block(t, [table] if table else [], [ln])
        elif current is None or (current.number and (current.rating or _TABLE_HEAD.match(t))):
            current = _Block(t, path or list(top), [ln])
        else:
            current.lines.append(ln)
            rating = _RATING.search(t) if current.number else None
            if rating:
                current.rating = rating.group(1)
            continue
        sections.append(current)
    if current is not None:
        _trim_unrated(current, [p for p in (table, direction) if p], sections)
    return programs, sections


def parse(original: str, clean: MappedText, meta: DocumentMeta) -> ParsedDocument:
    """Programs (circled numbers) as initiatives; everything else as sections."""
    lines = cell_lines(original, clean)
    as_of = next((m.group(0) for ln in lines[:10] if (m := _AS_OF.search(ln.text))), "")
    year = era_year(as_of) or (meta.fiscal_years[-1] if meta.fiscal_years else None)
    legend = {m.group(1): m.group(2).strip() for ln in lines if (m := _LEGEND.search(ln.text))}
    programs, blocks = _blocks(lines)
    titles, bodies = [], []
    for prog in programs:
        if prog.rating:  # the letter ends the last cell; keep the line for the span
            last = prog.lines[-1]
            prog.lines[-1] = CellLine(_RATING.sub("", last.text).strip(), last.start, last.end, last.width, True)
        title, body = _split_title(prog)
        titles.append(title)
        bodies.append(paragraphs([ln for ln in body if ln.text]))
    columns = assign_columns(bodies, [RATED_COLUMNS if p.rating else UNRATED_COLUMNS for p in programs])
    initiatives: list[Initiative] = []
    seen: set[str] = set()
    for prog, title, body, cols in zip(programs, titles, bodies, columns):
        extra = {name: "\n".join(p.text for p in paras) for name, paras in (cols or {}).items()}
        target = [p.text for p in (cols or {}).get("direction", []) if "目指" in p.text]
        if target:
            extra["target"] = target[0]
        if cols is None and body:
            extra["body"] = "\n".join(p.text for p in body)
        key = f"p{circled_value(prog.number) or 0:02d}"
        while key in seen:  # a repeated number keeps a distinct, stable id
            key += "b"
        seen.add(key)
        initiatives.append(Initiative(
            id=f"{meta.id}:{key}", document_id=meta.id, city=meta.city, number=prog.number, title=title,
            heading_path=prog.path, ratings=[Rating(year, prog.rating)] if prog.rating else [],
            status=legend.get(prog.rating, "") if prog.rating else "",
            spans=[(prog.lines[0].start, prog.lines[-1].end)], extra=extra))
    sections = [Section(id=f"{meta.id}:s{i + 1}", document_id=meta.id, title=b.title[:60], heading_path=b.path,
                        spans=[(b.lines[0].start, b.lines[-1].end)], kind="section")
                for i, b in enumerate(sorted(blocks, key=lambda b: b.lines[0].start))]
    return ParsedDocument(initiatives=initiatives, sections=sections)

"""Parser for 小平市 経営方針推進プログラム 進捗状況 (実施/検討プログラム tables).

Each program row starts with a circled number (①…㉘) printed alone on its line, which
:func:`ingest.normalize.clean` drops as a bare page number, so those lines are recovered
from the original.  A row is flattened column by column: the title (narrow lines), then
the cells 主な取組の方向性, 取組項目, 当初予定, 取組実績, 課題 as ``・`` paragraphs (a
trailing blank in the original ends a cell paragraph), then the rating letter.  Columns
are told apart by their printed line width (every column has its own) and tense (the
results are written in the past), with a monotone dynamic program over the paragraphs.
Everything outside program rows (overview, 【参考】 table, schedule cells and legends
left over at page ends, table headers) is kept as sections.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from statistics import median

from ingest.normalize import MappedText
from ingest.parsers.common import CIRCLED, circled_to_int, era_to_year, lines_of, to_original
from ingest.records import DocumentMeta, Initiative, ParsedDocument, Rating, Section

_CIRCLED = CIRCLED
_PROGRAM = re.compile(rf"^({_CIRCLED})\s*(.*)$")
_LONE_CIRCLED = re.compile(rf"\s*{_CIRCLED}\s*")
_DIRECTION = re.compile(r"^方向性\s*\d+\s+\S.*$")
_TABLE = re.compile(r"^[◆◇]+\s*(\S+?)\s*[◆◇]+\s*(.*)$")
_TOP = re.compile(r"^(?:進捗状況\S{0,6}|【参考】.*)$")
_TABLE_HEAD = re.compile(r"^No(?:\s|$)")
_RATING = re.compile(r"(?:^|\s)([SABC])$")
_LEGEND = re.compile(r"「([SABC])」\s*[:：]\s*(\S.*)$")
_AS_OF = re.compile(r"(?:令和|平成)\s*(?:元|\d{1,2})\s*年度末")  # the year the ratings are for
_PAST = re.compile(r"[ただ]。[)）]?$")
_CELL_SPLIT = re.compile(r"(?<=。)\s+(?=・)")  # two cells extracted onto one line
_CJK_SPACE = re.compile(r"(?<=[^\x00-\x7f]) (?=[^\x00-\x7f])")
_BLANKS = " \t\u3000"
TITLE_MAX_WIDTH = 18  # the title column holds at most 9 full-width characters
RATED_COLUMNS = ("direction", "items", "plan", "result", "issues")
UNRATED_COLUMNS = ("direction", "plan", "result", "issues")
TENSE_COST = 8.0
SHORT_SLACK = 4


@dataclass
class _Line:
    """A line (or a cell piece of one) with original offsets and its printed width."""

    text: str
    start: int
    end: int
    width: int
    gap: bool  # the original line ends with a blank: the cell paragraph ends here


@dataclass
class _Para:
    """One cell paragraph of a program row."""

    lines: list[_Line]

    @property
    def text(self) -> str:
        return _join(self.lines)

    @property
    def multi(self) -> bool:
        return len(self.lines) > 1

    @property
    def width(self) -> int:
        return max(ln.width for ln in (self.lines[:-1] if self.multi else self.lines))

    @property
    def past(self) -> bool:
        return bool(_PAST.search(self.text))


@dataclass
class _Block:
    """A run of lines: a program row (number set) or a section."""

    title: str
    path: list[str]
    lines: list[_Line] = field(default_factory=list)
    number: str = ""
    rating: str = ""


def _width(text: str) -> int:
    """Printed width: 2 for full-width (and half-width kana, printed full-width), else 1."""
    out = 0
    for ch in text.strip():
        if unicodedata.combining(ch) or ch in "\uff9e\uff9f":
            continue
        wide = unicodedata.east_asian_width(ch) in "WF" or "\uff61" <= ch <= "\uff9d"
        out += 2 if wide else 1
    return out


def _join(lines: list[_Line]) -> str:
    return _CJK_SPACE.sub("", "".join(ln.text for ln in lines)).strip()


def _lines(original: str, clean: MappedText) -> list[_Line]:
    """Non-blank cleaned lines (split where two cells share a line) plus the circled numbers."""
    out: list[_Line] = []
    for ln in lines_of(clean):
        if not ln.text.strip():
            continue
        cuts = [ln.start] + [ln.start + m.end() for m in _CELL_SPLIT.finditer(ln.text)] + [ln.end]
        for k in range(len(cuts) - 1):
            s, e = to_original(clean, cuts[k], cuts[k + 1])
            gap = k < len(cuts) - 2 or original[e : e + 1] in tuple(_BLANKS)
            out.append(_Line(clean.text[cuts[k] : cuts[k + 1]].strip(), s, e, _width(original[s:e]), gap))
    covered = set(clean.starts)
    pos = 0
    for raw in original.split("\n"):
        if _LONE_CIRCLED.fullmatch(raw):
            s = pos + len(raw) - len(raw.lstrip())
            if s not in covered:
                out.append(_Line(raw.strip(), s, s + len(raw.strip()), 2, True))
        pos += len(raw) + 1
    out.sort(key=lambda ln: ln.start)
    return out


def _segment(n: int, k: int, cost: Callable[[int, int, int], float]) -> list[int] | None:
    """Boundaries b[0]=0 < … < b[k]=n minimising Σ cost(column, b[c], b[c+1])."""
    if n < k or k == 0:
        return None
    inf = float("inf")
    best = [[inf] * (n + 1) for _ in range(k + 1)]
    back = [[0] * (n + 1) for _ in range(k + 1)]
    best[0][0] = 0.0
    for c in range(1, k + 1):
        for i in range(c, n - (k - c) + 1):
            for j in range(c - 1, i):
                if best[c - 1][j] < inf:
                    v = best[c - 1][j] + cost(c - 1, j, i)
                    if v < best[c][i]:
                        best[c][i], back[c][i] = v, j
    bounds = [n]
    for c in range(k, 0, -1):
        bounds.append(back[c][bounds[-1]])
    return bounds[::-1]


def _tense(p: _Para, col: int, k: int) -> float:
    if col == k - 2:  # the results column
        return 0.0 if p.past else TENSE_COST
    return TENSE_COST if p.past else 0.0


def _spread_cost(paras: list[_Para], k: int) -> Callable[[int, int, int], float]:
    """First pass: a column's wrapped lines share one width (no width known beforehand)."""

    def cost(col: int, i: int, j: int) -> float:
        seg = paras[i:j]
        widths = [p.width for p in seg if p.multi]
        top = max(widths) if widths else None
        total = sum(_tense(p, col, k) for p in seg)
        if top is not None:
            total += sum(top - p.width if p.multi else max(0, p.width - top - SHORT_SLACK) * 2 for p in seg)
        return total

    return cost


def _center_cost(paras: list[_Para], k: int, centers: list[float | None]) -> Callable[[int, int, int], float]:
    """Second pass: distance to the column widths measured over the whole document."""

    def one(p: _Para, col: int) -> float:
        c = centers[col]
        fit = 0.0 if c is None else abs(p.width - c) if p.multi else max(0.0, p.width - c - SHORT_SLACK) * 2
        return fit + _tense(p, col, k)

    return lambda col, i, j: sum(one(p, col) for p in paras[i:j])


def _paragraphs(lines: list[_Line]) -> list[_Para]:
    """Cell paragraphs: a new one at each ``・`` bullet and after a cell-final line."""
    out: list[_Para] = []
    for ln in lines:
        if not out or ln.text.startswith("・") or out[-1].lines[-1].gap:
            out.append(_Para([ln]))
        else:
            out[-1].lines.append(ln)
    return out


def _split_title(block: _Block) -> tuple[str, list[_Line]]:
    """Title (narrow lines before the first cell) and the remaining body lines."""
    first = _PROGRAM.match(block.lines[0].text)
    head = [first.group(2)] if first and first.group(2) else []
    body = block.lines[1:]
    k = 0
    while k < len(body) and not body[k].text.startswith("・") and body[k].width <= TITLE_MAX_WIDTH:
        head.append(body[k].text)
        k += 1
    return _CJK_SPACE.sub("", "".join(head)).strip(), body[k:]


def _trim_unrated(block: _Block) -> list[_Line]:
    """Cut lines after the last sentence of an unrated row (page-end leftovers); return them."""
    ends = [i for i, ln in enumerate(block.lines) if ln.text.endswith("。")]
    if not ends or ends[-1] == len(block.lines) - 1:
        return []
    tail = block.lines[ends[-1] + 1 :]
    del block.lines[ends[-1] + 1 :]
    return tail


def _blocks(lines: list[_Line]) -> tuple[list[_Block], list[_Block]]:
    """Split the lines into program rows and sections."""
    programs: list[_Block] = []
    sections: list[_Block] = []
    top: list[str] = []
    table = direction = ""
    current: _Block | None = None  # the block receiving lines
    for ln in lines:
        t = ln.text
        m_prog, m_table = _PROGRAM.match(t), _TABLE.match(t)
        structural = m_prog or m_table or _TOP.match(t) or _DIRECTION.match(t) or _TABLE_HEAD.match(t)
        if current is not None and current.number and not current.rating and structural:
            tail = _trim_unrated(current)
            if tail:
                sections.append(_Block(tail[0].text, [p for p in (table, direction) if p], tail))
        if m_prog:
            current = _Block("", [p for p in (table, direction) if p], [ln], number=m_prog.group(1))
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
            current = _Block(t, [p for p in (table, direction) if p] or list(top), [ln])
        else:
            current.lines.append(ln)
            rating = _RATING.search(t) if current.number else None
            if rating:
                current.rating = rating.group(1)
            continue
        sections.append(current)
    if current is not None and current.number and not current.rating:
        tail = _trim_unrated(current)
        if tail:
            sections.append(_Block(tail[0].text, [p for p in (table, direction) if p], tail))
    return programs, sections


def _columns(programs: list[_Block], bodies: list[list[_Para]]) -> list[dict[str, str]]:
    """extra fields per program from its cell paragraphs (two passes, see module doc)."""
    layouts = [RATED_COLUMNS if p.rating else UNRATED_COLUMNS for p in programs]
    first = [_segment(len(b), len(cols), _spread_cost(b, len(cols))) for b, cols in zip(bodies, layouts)]
    centers: dict[tuple[str, ...], list[float | None]] = {}
    for cols in set(layouts):
        per_col: list[list[int]] = [[] for _ in cols]
        for b, bounds, lay in zip(bodies, first, layouts):
            if lay == cols and bounds:
                for c in range(len(cols)):
                    per_col[c] += [p.width for p in b[bounds[c] : bounds[c + 1]] if p.multi]
        centers[cols] = [median(ws) if ws else None for ws in per_col]
    out: list[dict[str, str]] = []
    for b, cols in zip(bodies, layouts):
        bounds = _segment(len(b), len(cols), _center_cost(b, len(cols), centers[cols]))
        extra: dict[str, str] = {}
        if bounds:
            for c, name in enumerate(cols):
                extra[name] = "\n".join(p.text for p in b[bounds[c] : bounds[c + 1]])
            target = [p.text for p in b[bounds[0] : bounds[1]] if "目指" in p.text]
            if target:
                extra["target"] = target[0]
        elif b:
            extra["body"] = "\n".join(p.text for p in b)
        out.append(extra)
    return out


def parse(original: str, clean: MappedText, meta: DocumentMeta) -> ParsedDocument:
    """Programs (circled numbers) as initiatives; everything else as sections."""
    lines = _lines(original, clean)
    as_of = next((m.group(0) for ln in lines[:10] if (m := _AS_OF.search(ln.text))), "")
    year = era_to_year(as_of) or (meta.fiscal_years[-1] if meta.fiscal_years else None)
    legend = {m.group(1): m.group(2).strip() for ln in lines if (m := _LEGEND.search(ln.text))}
    programs, blocks = _blocks(lines)
    bodies: list[list[_Para]] = []
    titles: list[str] = []
    for prog in programs:
        if prog.rating:  # the letter ends the last cell; keep the line for the span
            last = prog.lines[-1]
            prog.lines[-1] = _Line(_RATING.sub("", last.text).strip(), last.start, last.end, last.width, True)
        title, body = _split_title(prog)
        titles.append(title)
        bodies.append(_paragraphs([ln for ln in body if ln.text]))
    extras = _columns(programs, bodies)
    initiatives: list[Initiative] = []
    seen: set[str] = set()
    for prog, title, extra in zip(programs, titles, extras):
        n = circled_to_int(prog.number) or 0
        key = f"p{n:02d}"
        while key in seen:  # a repeated number keeps a distinct, stable id
            key += "b"
        seen.add(key)
        initiatives.append(
            Initiative(
                id=f"{meta.id}:{key}",
                document_id=meta.id,
                city=meta.city,
                number=prog.number,
                title=title,
                heading_path=prog.path,
                ratings=[Rating(year, prog.rating)] if prog.rating else [],
                status=legend.get(prog.rating, "") if prog.rating else "",
                spans=[(prog.lines[0].start, prog.lines[-1].end)],
                extra=extra,
            )
        )
    sections = [
        Section(
            id=f"{meta.id}:s{i + 1}",
            document_id=meta.id,
            title=b.title[:60],
            heading_path=b.path,
            spans=[(b.lines[0].start, b.lines[-1].end)],
            kind="section",
        )
        for i, b in enumerate(sorted(blocks, key=lambda b: b.lines[0].start))
    ]
    return ParsedDocument(initiatives=initiatives, sections=sections)

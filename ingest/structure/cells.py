"""Flattened table columns: a PDF table row extracted cell after cell, one wrapped cell line per line.

Text extraction of a wide table (no ``|`` or tabs) prints a row column by column: the
first cell's wrapped lines, then the next cell's, and so on.  Cells are told apart by their
printed line width (every column wraps at its own width), by a blank the extractor leaves
at the end of a cell's last line, and by tense (a results column is written in the past).
:func:`assign_columns` cuts each row's paragraphs into the expected columns with a monotone
dynamic program, measuring the column widths over the whole document in a second pass.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from statistics import median

from ingest.normalize import MappedText

CELL_SPLIT = re.compile(r"(?<=。)\s+(?=・)")  # two cells extracted onto one line
LONE_CIRCLED = re.compile(r"\s*[\u2460-\u2473\u3251-\u325f\u32b1-\u32bf]\s*")
PAST = re.compile(r"[ただ]。[)）]?$")
_CJK_SPACE = re.compile(r"(?<=[^\x00-\x7f]) (?=[^\x00-\x7f])")
_BLANKS = " \t\u3000"
TENSE_COST = 8.0
SHORT_SLACK = 4  # a one-line paragraph may be this much wider than its column's wrap width

Cost = Callable[[int, int, int], float]


@dataclass
class CellLine:
    """A line (or a cell piece of one) with original offsets and its printed width."""

    text: str
    start: int
    end: int
    width: int
    gap: bool  # the original line ends with a blank: the cell paragraph ends here


@dataclass
class Para:
    """One cell paragraph: consecutive lines of one cell."""

    lines: list[CellLine]

    @property
    def text(self) -> str:
        return join(self.lines)

    @property
    def multi(self) -> bool:
        return len(self.lines) > 1

    @property
    def width(self) -> int:
        """Wrap width: the widest line but the last (a one-line paragraph: its own width)."""
        return max(ln.width for ln in (self.lines[:-1] if self.multi else self.lines))

    @property
    def past(self) -> bool:
        return bool(PAST.search(self.text))


def width(text: str) -> int:
    """Printed width: 2 for full-width (and half-width kana, printed full-width), else 1."""
    out = 0
    for ch in text.strip():
        if unicodedata.combining(ch) or ch in "\uff9e\uff9f":
            continue
        wide = unicodedata.east_asian_width(ch) in "WF" or "\uff61" <= ch <= "\uff9d"
        out += 2 if wide else 1
    return out


def join(lines: list[CellLine]) -> str:
    """Running text of wrapped cell lines (no blank between CJK characters)."""
    return _CJK_SPACE.sub("", "".join(ln.text for ln in lines)).strip()


def cell_lines(original: str, clean: MappedText, lone: re.Pattern[str] = LONE_CIRCLED) -> list[CellLine]:
    """Non-blank cleaned lines, split where two cells share a line, plus original lines matching
    `lone` that :func:`ingest.normalize.clean` dropped (a row number printed alone looks like a
    page number)."""
    out: list[CellLine] = []
    pos = 0
    for text in clean.text.split("\n"):
        a, pos = pos, pos + len(text) + 1
        if not text.strip():
            continue
        cuts = [a] + [a + m.end() for m in CELL_SPLIT.finditer(text)] + [a + len(text)]
        for k in range(len(cuts) - 1):
            s, e = _original(clean, cuts[k], cuts[k + 1])
            gap = k < len(cuts) - 2 or original[e: e + 1] in tuple(_BLANKS)
            out.append(CellLine(clean.text[cuts[k]: cuts[k + 1]].strip(), s, e, width(original[s:e]), gap))
    covered = set(clean.starts)
    pos = 0
    for raw in original.split("\n"):
        if lone.fullmatch(raw):
            s = pos + len(raw) - len(raw.lstrip())
            if s not in covered:
                out.append(CellLine(raw.strip(), s, s + len(raw.strip()), 2, True))
        pos += len(raw) + 1
    out.sort(key=lambda ln: ln.start)
    return out


def _original(clean: MappedText, start: int, end: int) -> tuple[int, int]:
    while start < end and clean.text[start].isspace():
        start += 1
    while end > start and clean.text[end - 1].isspace():
        end -= 1
    return clean.original_span(start, end)


def paragraphs(lines: list[CellLine], bullet: str = "・") -> list[Para]:
    """Cell paragraphs: a new one at each `bullet` and after a cell-final line."""
    out: list[Para] = []
    for ln in lines:
        if not out or ln.text.startswith(bullet) or out[-1].lines[-1].gap:
            out.append(Para([ln]))
        else:
            out[-1].lines.append(ln)
    return out


def segment(n: int, k: int, cost: Cost) -> list[int] | None:
    """Boundaries b[0]=0 < … < b[k]=n minimising Σ cost(column, b[c], b[c+1]); None if n < k."""
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


def _tense(p: Para, col: int, past_col: int) -> float:
    if col == past_col:
        return 0.0 if p.past else TENSE_COST
    return TENSE_COST if p.past else 0.0


def spread_cost(paras: list[Para], past_col: int) -> Cost:
    """First pass: a column's wrapped paragraphs share one width (none known beforehand)."""

    def cost(col: int, i: int, j: int) -> float:
        seg = paras[i:j]
        widths = [p.width for p in seg if p.multi]
        top = max(widths) if widths else None
        total = sum(_tense(p, col, past_col) for p in seg)
        if top is not None:
            total += sum(top - p.width if p.multi else max(0, p.width - top - SHORT_SLACK) * 2 for p in seg)
        return total

    return cost


def center_cost(paras: list[Para], past_col: int, centers: list[float | None]) -> Cost:
    """Second pass: distance to the column widths measured over the whole document."""

    def one(p: Para, col: int) -> float:
        c = centers[col]
        fit = 0.0 if c is None else abs(p.width - c) if p.multi else max(0.0, p.width - c - SHORT_SLACK) * 2
        return fit + _tense(p, col, past_col)

    return lambda col, i, j: sum(one(p, col) for p in paras[i:j])


def assign_columns(bodies: list[list[Para]], layouts: list[tuple[str, ...]],
                   past: str = "result") -> list[dict[str, list[Para]] | None]:
    """Each row's paragraphs cut into its layout's columns (None when fewer paragraphs than columns).

    `layouts[i]` names row i's columns in order; the column named `past` holds past-tense text.
    Pass one segments each row alone; pass two uses per-layout median column widths.
    """

    def past_col(cols: tuple[str, ...]) -> int:
        return cols.index(past) if past in cols else -1

    first = [segment(len(b), len(cols), spread_cost(b, past_col(cols))) for b, cols in zip(bodies, layouts)]
    centers: dict[tuple[str, ...], list[float | None]] = {}
    for cols in set(layouts):
        per_col: list[list[int]] = [[] for _ in cols]
        for b, bounds, lay in zip(bodies, first, layouts):
            if lay == cols and bounds:
                for c in range(len(cols)):
                    per_col[c] += [p.width for p in b[bounds[c]: bounds[c + 1]] if p.multi]
        centers[cols] = [median(ws) if ws else None for ws in per_col]
    out: list[dict[str, list[Para]] | None] = []
    for b, cols in zip(bodies, layouts):
        bounds = segment(len(b), len(cols), center_cost(b, past_col(cols), centers[cols]))
        out.append({name: b[bounds[c]: bounds[c + 1]] for c, name in enumerate(cols)} if bounds else None)
    return out

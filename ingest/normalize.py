"""Search-form normalization with an offset map back to the original text.

Two composable, pure steps:

* :func:`clean` keeps the line structure (parsers need it) but folds width (NFKC with
  exceptions), strips HTML tags, page numbers and vertical-text runs. A form feed (page
  break of PDF text) is a line break; on paged text, running headers/footers (a line
  repeated at the top or bottom of most pages, a page number inside it allowed) and page
  numbers (`- 5 -`, `5`, `5/20`, `P.5`) are dropped page by page.
* :func:`join_wrapped` turns a cleaned passage into running text: PDF line wraps are
  joined, stray spaces between Japanese characters dropped.

Every output character remembers the original span it came from, so any range of the
search form maps back to a range of the original that can be quoted exactly.
"""

from __future__ import annotations

import html
import re
import unicodedata
from array import array
from collections import Counter, defaultdict
from dataclasses import dataclass

# NFKC would turn ① into "1" (colliding with real numbers) and makes ～ an ASCII "~".
_KEEP = {chr(c) for c in range(0x2460, 0x2474)} | {chr(c) for c in range(0x3251, 0x325F)} | {
    chr(c) for c in range(0x32B1, 0x32C0)
}
_TILDES = {"～": "〜", "〜": "〜", "~": "〜"}
_HALFWIDTH_MARKS = {"\uff9e", "\uff9f"}
_BLOCK_TAG = re.compile(r"</?(?:p|li|ul|ol|br|div|tr|td|th|table|h[1-6])\b[^>]*>", re.I)
_ANY_TAG = re.compile(r"</?[a-zA-Z][^<>]*>")
_ENTITY = re.compile(r"&(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);")
_PAGE_NUMBER = re.compile(r"\s*[-－―‐−]\s*\d{1,3}\s*[-－―‐−]\s*")
_BARE_NUMBER = re.compile(r"\s*\d{1,3}\s*")
_LINE_BREAK = re.compile(r"[\n\f]")
_PAGE_NO_KEY = re.compile(r"-?(?:[pP]\.?)?#(?:/#)?(?:ページ|頁)?-?")
_EDGE_LINES = 3  # lines at the top and at the bottom of a page where running headers live
_HYPHEN_MARK = "\x02"  # PDFium's mark for a line-end hyphen it joined
_BULLET_START = re.compile(r"[▽▼・●○■□◆◇◎※【〔(（\[]|[\u2460-\u2473\u3251-\u325f\u32b1-\u32bf]|\d+[.．)]")


@dataclass(frozen=True)
class MappedText:
    """A derived text plus, per character, the [start, end) span in the original."""

    text: str
    starts: array
    ends: array

    def __post_init__(self) -> None:
        if not (len(self.text) == len(self.starts) == len(self.ends)):
            raise ValueError("offset map length differs from text length")

    @classmethod
    def identity(cls, text: str) -> "MappedText":
        return cls(text, array("l", range(len(text))), array("l", range(1, len(text) + 1)))

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Original [start, end) covering derived characters [start, end)."""
        if not 0 <= start <= end <= len(self.text):
            raise ValueError(f"span {start}:{end} outside 0:{len(self.text)}")
        if start == end:
            pos = self.starts[start] if start < len(self.text) else (self.ends[-1] if self.text else 0)
            return pos, pos
        return self.starts[start], max(self.ends[start:end])

    def slice(self, start: int, end: int) -> "MappedText":
        return MappedText(self.text[start:end], self.starts[start:end], self.ends[start:end])


class _Builder:
    def __init__(self) -> None:
        self.chars: list[str] = []
        self.starts = array("l")
        self.ends = array("l")

    def add(self, piece: str, start: int, end: int) -> None:
        self.chars.extend(piece)
        self.starts.extend([start] * len(piece))
        self.ends.extend([end] * len(piece))

    def last(self) -> str:
        return self.chars[-1] if self.chars else ""

    def pop(self) -> None:
        self.chars.pop()
        self.starts.pop()
        self.ends.pop()

    def build(self) -> MappedText:
        return MappedText("".join(self.chars), self.starts, self.ends)


def fold_char(unit: str) -> str:
    """Search form of one character (plus its combining marks)."""
    if unit in _KEEP:
        return unit
    if unit in _TILDES:
        return _TILDES[unit]
    if unit == _HYPHEN_MARK:
        return "-"
    out = unicodedata.normalize("NFKC", unit)
    if out in _TILDES:
        return _TILDES[out]
    return out.replace("\t", " ").replace("\u3000", " ")


def fold(text: str) -> str:
    """Search form of a short string (queries, filter values): same folding as documents."""
    return clean(text, drop_layout=False).text


def _units(line: str) -> list[tuple[int, int]]:
    """Spans of base characters with their combining marks (so ｶﾞ folds to ガ)."""
    spans: list[tuple[int, int]] = []
    i = 0
    n = len(line)
    while i < n:
        j = i + 1
        while j < n and (unicodedata.combining(line[j]) or line[j] in _HALFWIDTH_MARKS):
            j += 1
        spans.append((i, j))
        i = j
    return spans


def _atoms(seg: str) -> list[tuple[int, int, str]]:
    """Units of a segment; an HTML entity (&amp;) is one unit standing for its character."""
    out: list[tuple[int, int, str]] = []
    pos = 0
    for m in _ENTITY.finditer(seg):
        out.extend((pos + s, pos + e, seg[pos + s : pos + e]) for s, e in _units(seg[pos : m.start()]))
        out.append((m.start(), m.end(), html.unescape(m.group(0))))
        pos = m.end()
    out.extend((pos + s, pos + e, seg[pos + s : pos + e]) for s, e in _units(seg[pos:]))
    return out


def _strip_tags(line: str) -> list[tuple[int, int, str]]:
    """Pieces of a line outside HTML tags: (start, end, replacement or None)."""
    out: list[tuple[int, int, str]] = []
    pos = 0
    for m in _ANY_TAG.finditer(line):
        if m.start() > pos:
            out.append((pos, m.start(), ""))
        if _BLOCK_TAG.fullmatch(m.group(0)):
            out.append((m.start(), m.end(), "\n"))
        pos = m.end()
    if pos < len(line):
        out.append((pos, len(line), ""))
    return out


def _vertical_runs(lines: list[str]) -> set[int]:
    """Indexes of lines in runs of >= 3 one-character lines (vertical text in the PDF)."""
    drop: set[int] = set()
    run: list[int] = []
    for i, line in enumerate(lines + [""]):
        s = line.strip()
        if len(s) == 1 and not s.isdigit():
            run.append(i)
        elif s == "" and run and i < len(lines):
            continue
        else:
            if len(run) >= 3:
                drop.update(run)
            run = []
    return drop


def _page_number_lines(lines: list[str]) -> set[int]:
    """`- 5 -` lines, and bare numbers whose neighbours are text (not a column of numbers)."""
    drop: set[int] = set()
    folded = ["".join(fold_char(c) for c in ln) for ln in lines]
    nonblank = [i for i, ln in enumerate(folded) if ln.strip()]
    for k, i in enumerate(nonblank):
        ln = folded[i]
        if _PAGE_NUMBER.fullmatch(ln):
            drop.add(i)
        elif _BARE_NUMBER.fullmatch(ln):
            prev_ = folded[nonblank[k - 1]] if k > 0 else ""
            next_ = folded[nonblank[k + 1]] if k + 1 < len(nonblank) else ""
            if not _BARE_NUMBER.fullmatch(prev_) and not _BARE_NUMBER.fullmatch(next_):
                drop.add(i)
    return drop


def _pages_of_lines(original: str) -> list[int]:
    """0-based page of each line of `original` split at newlines and form feeds."""
    page = 0
    out = [0]
    for m in _LINE_BREAK.finditer(original):
        page += m.group(0) == "\f"
        out.append(page)
    return out


def _matching(occ: list[tuple[int, int, list[int]]]) -> list[tuple[int, int, list[int]]]:
    """Occurrences agreeing with the group's numbers: each number fixed, or page + a constant."""
    keep = occ
    for j in range(len(occ[0][2])):
        fixed = Counter(nums[j] for _, _, nums in occ).most_common(1)[0]
        paged = Counter(nums[j] - page for page, _, nums in occ).most_common(1)[0]
        if paged[1] > fixed[1]:
            keep = [o for o in keep if o[2][j] - o[0] == paged[0]]
        else:
            keep = [o for o in keep if o[2][j] == fixed[0]]
    return keep


def _running_lines(lines: list[str], page_of: list[int]) -> set[int]:
    """Running headers/footers and page numbers: lines repeated at a page edge across pages."""
    npages = page_of[-1] + 1 if page_of else 1
    if npages < 2:
        return set()
    by_page: dict[int, list[int]] = defaultdict(list)
    for i, ln in enumerate(lines):
        if ln.strip():
            by_page[page_of[i]].append(i)
    groups: dict[str, list[tuple[int, int, list[int]]]] = defaultdict(list)
    for page, idx in by_page.items():
        for i in set(idx[:_EDGE_LINES] + idx[-_EDGE_LINES:]):
            squeezed = re.sub(r"\s+", "", "".join(fold_char(c) for c in lines[i]))
            key = re.sub(r"\d+", "#", squeezed)
            groups[key].append((page, i, [int(x) for x in re.findall(r"\d+", squeezed)]))
    drop: set[int] = set()
    for key, occ in groups.items():
        keep = _matching(occ)
        hits = len({page for page, _, _ in keep})
        page_like = any(len({nums[j] for _, _, nums in keep}) > 1 for j in range(len(occ[0][2])))
        if hits >= 2 and (hits * 2 > npages or (page_like and _PAGE_NO_KEY.fullmatch(key))):
            drop.update(i for _, i, _ in keep)
    return drop


def clean(original: str, drop_layout: bool = True) -> MappedText:
    """Line-preserving search form: folded width, no HTML, no page numbers or vertical text.

    Blank-line runs collapse to one newline; spaces collapse to one.
    """
    lines = _LINE_BREAK.split(original)
    skip: set[int] = set()
    if drop_layout:
        skip = _vertical_runs(lines) | _page_number_lines(lines)
        if "\f" in original:
            skip |= _running_lines(lines, _pages_of_lines(original))
    b = _Builder()
    offset = 0
    last = "\n"
    for idx, line in enumerate(lines):
        line_start = offset
        offset += len(line) + 1
        if idx in skip:
            continue
        for p_start, p_end, repl in _strip_tags(line):
            if repl:
                if last != "\n":
                    b.add("\n", line_start + p_start, line_start + p_end)
                    last = "\n"
                continue
            seg = line[p_start:p_end]
            for u_start, u_end, unit in _atoms(seg):
                piece = fold_char(unit)
                o_start, o_end = line_start + p_start + u_start, line_start + p_start + u_end
                for ch in piece:
                    if ch.isspace():
                        if last in (" ", "\n"):
                            continue
                        ch = " "
                    elif unicodedata.category(ch) in ("Cc", "Cf"):
                        continue
                    b.add(ch, o_start, o_end)
                    last = ch
        if last == " ":
            b.pop()
            last = b.last() or "\n"
        if last != "\n" and idx < len(lines) - 1:
            b.add("\n", line_start + len(line), line_start + len(line) + 1)
            last = "\n"
    mt = b.build()
    if mt.text.endswith("\n"):
        mt = mt.slice(0, len(mt.text) - 1)
    return mt


def _is_cjk(ch: str) -> bool:
    return ord(ch) >= 0x2E80


def _glued_to_cjk(text: str, i: int) -> bool:
    """Whether the Latin run ending before position `i` is attached to CJK text on its line."""
    j = i - 1
    while j >= 0 and text[j] not in " \n" and not _is_cjk(text[j]):
        j -= 1
    return j >= 0 and text[j] not in " \n"


def _latin(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def join_wrapped(mt: MappedText) -> MappedText:
    """Running text for a cleaned passage: wrapped lines joined, CJK-internal spaces gone.

    A newline survives after 。/：and before a bullet or numbered marker, so list items and
    sentences stay apart. Latin words wrapped inside Japanese lines (ＡＩ－ＯＣＲ split as
    "A" / "I-OCR") and hyphen-wrapped words ("inter-" / "municipal") rejoin without a space.
    """
    text = mt.text
    b = _Builder()
    n = len(text)
    for i, ch in enumerate(text):
        if ch in " \n":
            prev = b.last()
            if not prev or prev in " \n":
                continue
            nxt = text[i + 1] if i + 1 < n else ""
            if not nxt:
                continue
            if ch == "\n" and (prev in "。：:！？!?" or _BULLET_START.match(text, i + 1)):
                b.add("\n", mt.starts[i], mt.ends[i])
            elif nxt in " \n":
                continue
            elif ch == "\n" and _latin(nxt) and (
                (prev == "-" and i >= 2 and _latin(text[i - 2])) or (_latin(prev) and _glued_to_cjk(text, i))
            ):
                continue
            elif _is_cjk(prev) or _is_cjk(nxt):
                continue
            else:
                b.add(" ", mt.starts[i], mt.ends[i])
            continue
        b.add(ch, mt.starts[i], mt.ends[i])
    out = b.build()
    while out.text and out.text[-1] in " \n":
        out = out.slice(0, len(out.text) - 1)
    return out


def compact(text: str) -> str:
    """Whitespace-free folded form, for substring matching that ignores layout."""
    return re.sub(r"\s+", "", fold(text))

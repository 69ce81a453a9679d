"""Display form of an original passage: the exact wording without markup debris (pure functions).

Quotes in answers, chat replies and MCP text are cut from the *original* text, whose offsets
the citations keep; this module only decides how such a slice is shown:

* HTML tags of converted tables and lists (``<ul style="list-style-type: none">``, ``<p>``)
  and markdown table rules (``|---|``) are dropped; a tag, a ``|`` cell separator, a tab or a
  bullet at the start of a line separates like one space; entities (``&amp;``) are decoded;
* a PDF line break between two Japanese characters is removed, and so are the spaces of
  letter-spaced text (「行 財 政」); other whitespace runs (table cells, list items) become one
  space; leading and trailing separators go.

Angle brackets around Japanese (``<目標：年間40件>``, ``<考え方>``) are wording, not markup.
:func:`display_map` also returns, per shown character, its index in the original slice.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

# An ASCII-named tag, a markdown table rule line, an entity, or a run of separators.
_TAG = r"</?[a-zA-Z][a-zA-Z0-9:-]*(?:\s[^<>]{0,300})?/?>"
_RULE = r"(?m:^[ \t]*\|?[ \t]*:?-{3,}:?[ \t]*(?:\|[ \t]*:?-{3,}:?[ \t]*)*\|?[ \t]*$)"
_BULLET = r"(?m:^[ \t\u3000]*(?:[-*+](?=[ \t])|[・●○〇◆◇■□▽▼▶►•◦]))|(?<=[\s>])・"
_GAP = re.compile(rf"(?:{_RULE}|{_TAG}|{_BULLET}|\|+|\s|\u3000)+")
_ENTITY = re.compile(r"&(?:[a-zA-Z]{2,8}|#\d{1,7}|#x[0-9a-fA-F]{1,6});")
# A gap holding anything but spaces and line breaks (a tag, a bar, a bullet, a tab) separates
# even two Japanese characters.
_HARD = re.compile(r"[^ \n\r\f\v\u3000]")


def _wide(ch: str) -> bool:
    return bool(ch) and ord(ch) > 0x7F


def _joins(original: str, start: int, end: int) -> bool:
    """Whether the gap original[start:end] between two Japanese characters is layout, not a
    separator: a PDF line wrap, or the spaces of letter-spaced text (「行 財 政」)."""
    prev, nxt = original[start - 1 : start], original[end : end + 1]
    gap = original[start:end]
    if not (_wide(prev) and _wide(nxt)) or _HARD.search(gap):
        return False
    if "\n" in gap or "\f" in gap:
        return True
    before, after = original[start - 2 : start - 1], original[end + 1 : end + 2]
    return (start < 2 or before.isspace()) or (not after or after.isspace())


def display_map(original: str) -> tuple[str, list[int]]:
    """The display text of `original` and, per display character, its index in `original`."""
    out: list[str] = []
    pos: list[int] = []

    def emit(seg_start: int, seg_end: int) -> None:
        last = seg_start
        for m in _ENTITY.finditer(original, seg_start, seg_end):
            out.append(original[last : m.start()])
            pos.extend(range(last, m.start()))
            decoded = html.unescape(m.group(0))
            decoded = " " if decoded == "\xa0" else decoded
            out.append(decoded)
            pos.extend([m.start()] * len(decoded))
            last = m.end()
        out.append(original[last:seg_end])
        pos.extend(range(last, seg_end))

    last = 0
    for m in _GAP.finditer(original):
        if m.start() == m.end():
            continue
        emit(last, m.start())
        last = m.end()
        if not pos or m.end() == len(original):
            continue  # leading and trailing separators are dropped
        if _joins(original, m.start(), m.end()):
            continue
        out.append(" ")
        pos.append(m.start())
    emit(last, len(original))
    text = "".join(out)
    # Entities may decode to leading/trailing spaces; strip them together with their positions.
    lead = len(text) - len(text.lstrip())
    trail = len(text.rstrip())
    return text[lead:trail], pos[lead:trail]


def display_text(original: str) -> str:
    """The original passage as it should be read: same words, no markup, one line."""
    return display_map(original)[0]


@dataclass(frozen=True)
class Excerpt:
    """A window of a passage's display form: `shown` with `marked` highlight flags and, per
    character, its index in the original passage (`pos`); `before`/`after`: text was cut there;
    [start, end): the window in the original passage (an entity at its end included)."""

    shown: str
    pos: list[int]
    marked: list[bool]
    before: bool
    after: bool
    start: int
    end: int

    @property
    def text(self) -> str:
        """The shown words with 「…」 where the passage goes on."""
        return ("…" if self.before else "") + self.shown + ("…" if self.after else "")


def locate(original: str, start: int, end: int, line: int, page: int | None) -> tuple[int, int, int | None, int | None]:
    """First and last line, first and last page of original[start:end]. `line`: the line where
    `original` starts; `page`: the page of its first non-blank character (ingest.paging), None
    when the document has no pages."""
    inside = original[start:end].rstrip()
    first = line + original.count("\n", 0, start)
    if page is None:
        return first, first + inside.count("\n"), None, None
    lead = len(original) - len(original.lstrip())  # a page break before the first word is not a page
    p = page + original.count("\f", lead, max(lead, start))
    return first, first + inside.count("\n"), p, p + original[max(lead, start):end].rstrip().count("\f")


_BOUNDARY = frozenset("。．、，） )」』】")


def snippet_start(marked: list[bool], limit: int) -> int:
    """Start of the `limit`-long window holding the most marked characters (the earliest on
    ties), moved right to open `limit // 5` before its first mark; 0 when nothing is marked."""
    if len(marked) <= limit:
        return 0
    best, best_count, count = 0, -1, sum(marked[:limit])
    for start in range(len(marked) - limit + 1):
        if start:
            count += marked[start + limit - 1] - marked[start - 1]
        if count > best_count:
            best, best_count = start, count
    first = next((k for k in range(best, best + limit) if marked[k]), best)
    return max(best, min(first - limit // 5, len(marked) - limit))


def excerpt(original: str, spans: Sequence[tuple[int, int]] | Sequence[list[int]], limit: int) -> Excerpt:
    """The display form of `original`, cut to the `limit` characters holding most of the
    highlighted `spans` (offsets in `original`) when it is longer: a long passage's first match
    is often a common word in its heading."""
    shown, pos = display_map(original)
    marked = [any(s <= p < e for s, e in spans) for p in pos]
    a, b = 0, len(shown)
    if len(shown) > limit:
        a = snippet_start(marked, limit)
        if a > 0:  # open just after the clause boundary nearest before the first match, up to limit // 5 back
            first = next((k for k in range(a, a + limit) if marked[k]), a)
            a = next((k + 1 for k in range(first - 1, max(0, a - limit // 5) - 1, -1) if shown[k] in _BOUNDARY), a)
        b = min(a + limit, len(shown))
        if b < len(shown) and marked[b] and marked[b - 1]:  # do not end inside a highlight
            end = b
            while end > a and marked[end - 1]:
                end -= 1
            b = end if end > a else b
    cut = shown[a:b]
    lead, trail = len(cut) - len(cut.lstrip()), len(cut.rstrip())  # no space next to 「…」
    kept = pos[a + lead : a + trail]
    if not kept:
        return Excerpt("", [], [], False, False, 0, 0)
    entity = _ENTITY.match(original, kept[-1])
    return Excerpt(cut[lead:trail], kept, marked[a + lead : a + trail], a > 0, b < len(shown), kept[0],
                   entity.end() if entity else kept[-1] + 1)

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

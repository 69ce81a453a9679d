"""Small pure helpers shared by the structure parsers."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.normalize import MappedText, compact
from ingest.records import Initiative

CIRCLED = "[\u2460-\u2473\u3251-\u325f\u32b1-\u32bf]"  # regex class of ①..⑳ ㉑..㊿
_ERA_BASE = {"令和": 2018, "平成": 1988, "R": 2018, "H": 1988}
_ERA = re.compile(r"(令和|平成|R|H)\s*(元|\d{1,2})\s*年?")
_REPEAT = re.compile(r"\s*[(（]再掲[)）]\s*$")
_CHAPTER = re.compile(r"^(\d{1,2})[.．]\s*([^。\s][^。]{0,40})$")


def era_to_year(text: str) -> int | None:
    """Western year of the first 令和N/平成N/RN in `text` (令和4 → 2022), else None."""
    m = _ERA.search(text)
    if not m:
        return None
    n = 1 if m.group(2) == "元" else int(m.group(2))
    return _ERA_BASE[m.group(1)] + n


def circled_to_int(ch: str) -> int | None:
    """① → 1 … ⑳ → 20, ㉑ → 21 … ㊿ → 50; None for anything else."""
    o = ord(ch)
    if 0x2460 <= o <= 0x2473:
        return o - 0x2460 + 1
    if 0x3251 <= o <= 0x325F:
        return o - 0x3251 + 21
    if 0x32B1 <= o <= 0x32BF:
        return o - 0x32B1 + 36
    return None


@dataclass(frozen=True)
class Line:
    """One line of the cleaned text, with its [start, end) in cleaned coordinates."""

    no: int
    text: str
    start: int
    end: int


def lines_of(clean: MappedText) -> list[Line]:
    """The cleaned text split into lines, keeping cleaned-text offsets."""
    out: list[Line] = []
    pos = 0
    for no, text in enumerate(clean.text.split("\n")):
        out.append(Line(no, text, pos, pos + len(text)))
        pos += len(text) + 1
    return out


def to_original(clean: MappedText, start: int, end: int) -> tuple[int, int]:
    """Original-text span of cleaned range [start, end), trimmed of surrounding blanks."""
    while start < end and clean.text[start].isspace():
        start += 1
    while end > start and clean.text[end - 1].isspace():
        end -= 1
    return clean.original_span(start, end)


def line_runs(indexes: set[int] | list[int], lines: list[Line], clean: MappedText) -> list[tuple[int, int]]:
    """Original spans of the runs of consecutive indexes into `lines`."""
    spans: list[tuple[int, int]] = []
    run: list[int] = []
    for i in sorted(indexes) + [-2]:
        if run and i != run[-1] + 1:
            spans.append(to_original(clean, lines[run[0]].start, lines[run[-1]].end))
            run = []
        if i >= 0:
            run.append(i)
    return spans


def numbered_chapters(texts: list[str], pattern: re.Pattern[str] = _CHAPTER) -> dict[int, str]:
    """Line index → heading, for ``1.`` ``2.`` … lines numbered in sequence (group 1: the number)."""
    out: dict[int, str] = {}
    for i, t in enumerate(texts):
        if (m := pattern.match(t)) and int(m.group(1)) == len(out) + 1:
            out[i] = t
    return out


def enclosing(headings: dict[int, str], i: int) -> str:
    """The last of `headings` (line index → text) at or before line `i`, else ""."""
    before = [h for h in headings if h <= i]
    return headings[max(before)] if before else ""


def first_sentence(text: str, limit: int) -> str:
    """The first sentence of `text` (up to 。), cut to `limit` characters with …."""
    first = text.split("。")[0] + ("。" if "。" in text else "")
    return first[: limit - 1] + "…" if len(first) > limit else first


def mark_repeats(initiatives: list[Initiative]) -> list[Initiative]:
    """Drop a trailing (再掲) from titles; such a repeat points to the first initiative of that title."""
    first: dict[str, str] = {}
    for it in initiatives:
        repeat = bool(_REPEAT.search(it.title))
        it.title = _REPEAT.sub("", it.title)
        if repeat and compact(it.title) in first:
            it.repeat_of = first[compact(it.title)]
        first.setdefault(compact(it.title), it.id)
    return initiatives

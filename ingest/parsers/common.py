"""Small pure helpers shared by the structure parsers."""

from __future__ import annotations

import re

from ingest.normalize import MappedText, compact
from ingest.records import Initiative
from ingest.structure.numbering import circled_value as circled_to_int  # noqa: F401 - parsers import it from here
from ingest.structure.textlines import Line, lines_of, to_original  # noqa: F401 - parsers import them from here

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

"""Outline inference: which numbering schemes are real headings, their levels, the initiative level.

Input is the list of :class:`Entry` (one per non-blank line, with its marker). Levels come
from the order schemes appear in (a scheme first seen under another is deeper) and are
fixed by their most common depth; the initiative level is the numbered scheme that repeats
most regularly with short titles and carries field labels, preferring deeper levels.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from ingest.structure.fields import DEPT_LABELS, RATING_LABELS, TEXT_LABELS
from ingest.structure.numbering import Marker

# A page reference ending a line: dot leaders or a space, an optional P, a page number
PAGE_REF = r"(?:[.．…・‥･]{2,}\s*|\s+)(?:P\s*[.．]?\s*)?\d{1,3}\s*$"
_TOC_TAIL = re.compile(PAGE_REF + r"|\bP\s*[.．]\s*\d{1,3}\s*$")
MAX_TITLE = 60
LABEL_WORDS = frozenset(DEPT_LABELS + RATING_LABELS + TEXT_LABELS)


@dataclass
class Entry:
    """One non-blank line of the search form."""

    idx: int
    text: str  # the logical line (a leading label cell of a table row removed)
    start: int  # clean offset of the whole line
    end: int
    tstart: int  # clean offset where `text` starts
    original: str  # the original text of the line
    gap_before: bool  # a blank line precedes it in the original
    marker: Marker | None = None
    title: str = ""
    toc: bool = False
    level: int = -1
    accepted: bool = False
    parents: list[int] = field(default_factory=list)  # entry indexes of enclosing headings


def is_toc(text: str) -> bool:
    """A table-of-contents line: a title ending in a page reference."""
    return bool(_TOC_TAIL.search(text)) and len(text) <= 90 and "。" not in text


def short_title(title: str) -> bool:
    """A heading-like title: short, not a sentence, more than a stray letter or two."""
    bare = title.replace(" ", "")
    wordy = len(bare) >= 4 or any(ord(c) > 0x3000 for c in bare)
    return 0 < len(title) <= MAX_TITLE and wordy and not title.rstrip().endswith("。")


def accept(entries: list[Entry]) -> None:
    """Mark markers that behave like headings: short titles, and ordered runs for bare numbers."""
    last: dict[str, int] = {}
    for e in entries:
        m = e.marker
        if m is None or m.scheme in ("bullet:・", "bullet:※") or (m.is_bullet and not short_title(e.title)):
            continue
        if not (m.bare or short_title(e.title) or (m.scheme in ("circled", "paren", "paren_kata") and e.title)):
            continue
        if e.title in LABEL_WORDS or (m.bare and not e.title.strip()):
            continue  # a bare number with no title of its own (the next line is marked itself) is a page number
        if m.scheme in ("num", "rparen", "kanji") and m.value is not None:
            prev = last.get(m.scheme)
            if not (m.value == 1 or (prev is not None and m.value in (prev + 1, prev))):
                continue
        if m.value is not None:
            last[m.scheme] = m.value
        e.accepted = True


def assign_levels(entries: list[Entry]) -> dict[str, int]:
    """Level of each scheme: 1 + the deepest of the schemes usually found above it.

    A stack walk records, for every marker, which schemes enclose it; scheme A is an
    ancestor of B when A encloses most of B's occurrences and B encloses A less often.
    """
    above: dict[str, Counter[str]] = defaultdict(Counter)
    count: Counter[str] = Counter()
    stack: list[str] = []
    for e in entries:
        if not e.accepted:
            continue
        s = e.marker.scheme  # type: ignore[union-attr]
        if s in stack:
            del stack[stack.index(s):]
        count[s] += 1
        for a in set(stack):
            above[s][a] += 1
        stack.append(s)
    parents = {s: [a for a, n in above[s].items() if n >= 0.4 * count[s] and above[a][s] / max(count[a], 1) < n / count[s]]
               for s in count}
    levels: dict[str, int] = {}

    def level(s: str, seen: frozenset[str] = frozenset()) -> int:
        if s not in levels:
            ps = [p for p in parents[s] if p not in seen]
            levels[s] = 1 + max((level(p, seen | {s}) for p in ps), default=-1)
        return levels[s]

    for s in count:
        level(s)
    for e in entries:
        if e.accepted:
            e.level = levels[e.marker.scheme]  # type: ignore[union-attr]
    return levels


def link_parents(entries: list[Entry]) -> None:
    """Each entry's enclosing headings (accepted entries of shallower levels), outermost first."""
    stack: list[Entry] = []
    for e in entries:
        if e.accepted:
            while stack and stack[-1].level >= e.level:
                stack.pop()
        e.parents = [p.idx for p in stack]
        if e.accepted:
            stack.append(e)


@dataclass
class SchemeStats:
    scheme: str
    level: int
    count: int
    distinct: int
    short: float
    fielded: float
    restarts: int

    @property
    def score(self) -> float:
        return (1.0 + 2.0 * self.fielded) * self.short * math.log1p(self.distinct) * (1.0 + 0.15 * self.level)


def scheme_stats(entries: list[Entry], has_fields: dict[int, bool]) -> list[SchemeStats]:
    """Per accepted numbered scheme: how it repeats, how short its titles are, how often fielded."""
    groups: dict[str, list[Entry]] = defaultdict(list)
    for e in entries:
        if e.accepted and e.marker is not None and not e.toc and e.marker.scheme != "bracket":
            groups[e.marker.scheme].append(e)
    out = []
    for s, es in groups.items():
        values = [e.marker.value for e in es]  # type: ignore[union-attr]
        restarts = sum(1 for a, b in zip(values, values[1:]) if a is not None and b is not None and b < a)
        out.append(SchemeStats(
            scheme=s,
            level=es[0].level,
            count=len(es),
            distinct=len({(tuple(e.parents), e.marker.value if e.marker.numbered else e.idx) for e in es}),  # type: ignore[union-attr]
            short=sum(1 for e in es if e.marker.bare or short_title(e.title)) / len(es),  # type: ignore[union-attr]
            fielded=sum(1 for e in es if has_fields.get(e.idx)) / len(es),
            restarts=restarts,
        ))
    return out


def choose_level(stats: list[SchemeStats], min_items: int = 3) -> SchemeStats | None:
    """The initiative scheme: repeats (≥ `min_items`), short titles, best score."""
    # unnumbered bullets only count as initiatives when most of them carry field labels
    cands = [s for s in stats if s.distinct >= min_items and s.short >= 0.5 and not s.scheme.startswith("chapter")
             and (not s.scheme.startswith("bullet") or s.fielded >= 0.5)]
    if not cands:
        return None
    return max(cands, key=lambda s: (s.score, s.level, s.scheme))


def nested_runs(values: list[tuple[int, int | None]]) -> set[int]:
    """Entries of a list printed inside one of its own items: in (index, number) order of one
    numbering scheme, a run counting 1, 2, … right after item n, after which the list goes on at
    n + 1 ((6) 取組内容 (1) 棚卸し (2) 試行 (3) 全庁展開 (7) …). Such a run is the steps of item n,
    not the list starting over (as a summary list followed by its detail pages does: there the
    second 1, 2, … runs on to the end). A run that counts on past n + 1 is read as the list starting
    over, not as steps 1 … n of item n followed by the list's own n + 1, …: numbers alone cannot
    tell the two apart, and in documents the restart is what occurs (a summary 1–4, then the list
    1–13). Steps inside item 1 are not told apart from a restart either. Returns the indexes of
    the nested entries."""
    out: set[int] = set()
    i = 1
    while i < len(values):
        before = values[i - 1][1]
        if values[i][1] == 1 and before is not None and before >= 2:
            j = i
            while j + 1 < len(values) and values[j + 1][1] == (values[j][1] or 0) + 1:
                j += 1
            if j + 1 < len(values) and values[j + 1][1] == before + 1:
                out.update(idx for idx, _v in values[i : j + 1])
                i = j + 1
                continue
        i += 1
    return out

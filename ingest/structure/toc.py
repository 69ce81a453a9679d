"""Tables of contents: the entries after a ``目次`` line, and the headings they announce.

A heading listed in the table of contents is found again in the body as a short line
ending with the listed title (a section number or mark may precede it).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ingest.normalize import compact
from ingest.structure.outline import PAGE_REF
from ingest.structure.textlines import Line

TOC_HEAD = re.compile(r"^目\s*次$")
TOC_ENTRY = re.compile(r"^(\S.*?)\s+(\d{1,3})$")
PREFIX_MAX = 6  # characters allowed before a listed title (a number, a mark)


def toc_entries(lines: Sequence[Line]) -> tuple[int, list[str], int]:
    """(index of the 目次 line or -1, entry titles, index of the first line after the entries)."""
    toc = next((k for k, ln in enumerate(lines) if TOC_HEAD.match(ln.text.strip())), -1)
    titles, k = [], toc + 1
    while toc >= 0 and k < len(lines) and (m := TOC_ENTRY.match(lines[k].text.strip())):
        titles.append(m.group(1))
        k += 1
    return toc, titles, k


def _suffixes(c: str) -> list[str]:
    """What a listed title may be of compacted line `c`: its ends after up to PREFIX_MAX characters."""
    return [c[p:] for p in range(min(PREFIX_MAX, len(c) - 1) + 1)] if c else []


def listed_headings(lines: Sequence[Line], start: int, titles: list[str]) -> list[tuple[int, str]]:
    """(index, text) of the lines from `start` on that are headings listed in `titles`, each found once."""
    heads: list[tuple[int, str]] = []
    wanted = [compact(t) for t in titles]
    for k in range(start, len(lines)):
        ends = set(_suffixes(compact(lines[k].text)))
        hit = next((w for w in wanted if w in ends), None)
        if hit:
            heads.append((k, lines[k].text.strip()))
            wanted.remove(hit)
    return heads


LEADER = re.compile(r"[.．…・‥･]{3,}\s*(?:P\s*[.．]?\s*)?\d{1,3}\s*$")
_REF = re.compile(PAGE_REF)
_PAGE = re.compile(r"(\d{1,3})\s*$")
TOC_MIN_ENTRIES = 3
MIN_TITLE = 3  # shorter titles (a lone ⑴) are marks, not something to find again
TOC_TITLE_MAX = 40  # a title line of its own, its page reference on the next line


def _entry(text: str, after_head: bool) -> bool:
    """A table-of-contents entry: dot leaders before a page number; right after a 目次 line a
    title and a page number suffice."""
    if len(text) > 90 or "。" in text:
        return False
    return bool(LEADER.search(text)) or (after_head and bool(_REF.search(text)))


def _title_line(text: str) -> bool:
    return len(text) <= TOC_TITLE_MAX and "。" not in text


def _title(text: str) -> str:
    """An entry's title: the line without its dot leaders and page number, compacted."""
    return compact(_REF.sub("", text))


def _last_lines(compacted: Sequence[str]) -> dict[str, int]:
    """Each possible listed title -> the last line that is it (one pass, so checking a title is O(1))."""
    last: dict[str, int] = {}
    for i, c in enumerate(compacted):
        for w in _suffixes(c):
            last[w] = i
    return last


def toc_blocks(texts: Sequence[str]) -> list[tuple[int, int]]:
    """[a, b) line ranges that are tables of contents: a ``目次`` line and/or at least
    :data:`TOC_MIN_ENTRIES` entries (dot leaders and a page number), short title lines between
    entries allowed, page numbers in order (a restart begins another table). Navigation, not
    content — and that is checked: at least half the titles listed in the block (and one entry's
    own) must be found again as lines after it, so dotted rows of targets or amounts
    (令和6年度・・・20, 4月・・・12) are no contents. A block ends before the first line that
    repeats a listed title: the body has begun."""
    lines = [t.strip() for t in texts]
    compacted = [compact(t) for t in lines]
    last_line: dict[str, int] | None = None  # built on the first block candidate
    out: list[tuple[int, int]] = []
    k = 0
    while k < len(lines):
        head = bool(TOC_HEAD.match(lines[k]))
        j = k + 1 if head else k
        last, pages = (k if head else -1), []
        titles: list[tuple[int, str, bool]] = []  # (line, title, from an entry line)
        listed: set[str] = set()
        while j < len(lines):
            t = lines[j]
            if any(w in listed for w in _suffixes(compacted[j])):
                break
            if _entry(t, head):
                page = int(_PAGE.search(t).group(1))
                if pages and page < pages[-1]:
                    break
                last = j
                pages.append(page)
                titles.append((j, _title(t), True))
            elif last >= 0 and j - last <= 2 and _title_line(t):
                titles.append((j, compacted[j], False))
            else:
                break
            if len(titles[-1][1]) >= MIN_TITLE:
                listed.add(titles[-1][1])
            j += 1
        start = k
        if not head and start > 0 and LEADER.match(lines[start]) and _title_line(lines[start - 1]):
            start -= 1  # the first entry's title, its dot leaders on the next line
            titles.insert(0, (start, compacted[start], False))
        inside = [(w, entry) for i, w, entry in titles if i <= last and len(w) >= MIN_TITLE]
        enough = len(pages) >= TOC_MIN_ENTRIES or (head and bool(pages))
        confirmed = False
        if enough and inside:
            if last_line is None:
                last_line = _last_lines(compacted)
            found = [entry for w, entry in inside if last_line.get(w, -1) > last]
            confirmed = 2 * len(found) >= len(inside) and (any(found) or not any(e for _w, e in inside))
        if confirmed:
            out.append((start, last + 1))
        # a run of entries that is no table of contents is skipped whole (retrying each of its
        # rows would cost rows squared on a budget book's dotted tables)
        k = last + 1 if enough else k + 1
    return out

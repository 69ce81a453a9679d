"""Tables of contents: the entries after a ``目次`` line, and the headings they announce.

A heading listed in the table of contents is found again in the body as a short line
ending with the listed title (a section number or mark may precede it).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ingest.normalize import compact
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


def listed_headings(lines: Sequence[Line], start: int, titles: list[str]) -> list[tuple[int, str]]:
    """(index, text) of the lines from `start` on that are headings listed in `titles`, each found once."""
    heads: list[tuple[int, str]] = []
    wanted = [compact(t) for t in titles]
    for k in range(start, len(lines)):
        c = compact(lines[k].text)
        hit = next((w for w in wanted if w and c.endswith(w) and len(c) <= len(w) + PREFIX_MAX), None)
        if hit:
            heads.append((k, lines[k].text.strip()))
            wanted.remove(hit)
    return heads


LEADER = re.compile(r"[.．…・‥･]{3,}\s*(?:P\s*[.．]?\s*)?\d{1,3}\s*$")
_REF = re.compile(r"(?:[.．…・‥･]{2,}\s*|\s+)(?:P\s*[.．]?\s*)?\d{1,3}\s*$")
_PAGE = re.compile(r"(\d{1,3})\s*$")
TOC_MIN_ENTRIES = 3
TOC_TITLE_MAX = 40  # a title line of its own, its page reference on the next line


def _entry(text: str, after_head: bool) -> bool:
    """A table-of-contents entry: dot leaders before a page number; right after a 目次 line a
    title and a page number suffice."""
    t = text.strip()
    if len(t) > 90 or "。" in t:
        return False
    return bool(LEADER.search(t)) or (after_head and bool(_REF.search(t)))


def _title_line(text: str) -> bool:
    t = text.strip()
    return len(t) <= TOC_TITLE_MAX and "。" not in t


def toc_blocks(texts: Sequence[str]) -> list[tuple[int, int]]:
    """[a, b) line ranges that are tables of contents: a ``目次`` line and/or at least
    :data:`TOC_MIN_ENTRIES` entries (dot leaders and a page number), short title lines between
    entries allowed, page numbers in order. Navigation, not content: every listed title is found again in the body."""
    out: list[tuple[int, int]] = []
    k = 0
    while k < len(texts):
        head = bool(TOC_HEAD.match(texts[k].strip()))
        start = k
        j = k + 1 if head else k
        last, n, pages = (k if head else -1), 0, []
        while j < len(texts):
            t = texts[j].strip()
            if _entry(t, head):
                last, n = j, n + 1
                pages.append(int(_PAGE.search(t).group(1)))
            elif not (_title_line(t) and j - last <= 2 and (last >= 0 or j == start)):
                break
            j += 1
        # page references never go back: dotted rows of amounts (人件費・・・120) are no contents
        ordered = all(a <= b for a, b in zip(pages, pages[1:]))
        if ordered and (n >= TOC_MIN_ENTRIES or (head and n >= 1)):
            if not head and start > 0 and LEADER.match(texts[start].strip()) and _title_line(texts[start - 1]):
                start -= 1  # the first entry's title, its dot leaders on the next line
            out.append((start, last + 1))
            k = last + 1
        else:  # a disordered run is rejected whole, not retried from its second row
            k = last + 1 if not ordered else k + 1
    return out

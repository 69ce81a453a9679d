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

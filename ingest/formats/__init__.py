"""Readers for the formats cities publish: each turns a file into one exact original text.

Every reader returns a :class:`SourceText`. Its ``text`` is *the* original that all record
offsets refer to (what citations quote and the source view shows). Paged formats separate
pages with a form feed (``PAGE_BREAK``), so the page of any offset is recoverable from the
text alone: :func:`page_at`. Sheets of a workbook are pages too (page N = sheet N).

`ingest.formats.read.read_source` picks the reader by suffix (.txt .pdf .html .htm .xlsx).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

PAGE_BREAK = "\f"


@dataclass(frozen=True)
class SourceText:
    """A document's extracted text: the single original all offsets refer to."""

    text: str
    format: str  # "text" | "pdf" | "html" | "xlsx"
    pages: int = 1

    @property
    def paged(self) -> bool:
        return self.format == "pdf"


def page_starts(text: str) -> list[int]:
    """Offsets where each page begins (page 1 at 0)."""
    starts = [0]
    pos = text.find(PAGE_BREAK)
    while pos != -1:
        starts.append(pos + 1)
        pos = text.find(PAGE_BREAK, pos + 1)
    return starts


def page_at(starts: list[int], offset: int) -> int:
    """1-based page holding `offset`, given :func:`page_starts` of the text."""
    return bisect.bisect_right(starts, offset)

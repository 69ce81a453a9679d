"""Page numbers of record offsets in paged (form-feed separated) texts (pure functions)."""

from __future__ import annotations

from dataclasses import replace

from ingest.formats import PAGE_BREAK, page_at, page_starts
from ingest.records import Chunk


def page_span(text: str, starts: list[int], start: int, end: int) -> tuple[int, int]:
    """First and last page of text[start:end]; whitespace and page breaks at its edges
    do not count (a passage ending just before a page break stays on its page)."""
    seg = text[start:end]
    first = start + len(seg) - len(seg.lstrip())
    last = start + len(seg.rstrip()) - 1
    if last < first:
        return page_at(starts, start), page_at(starts, start)
    return page_at(starts, first), page_at(starts, last)


def pages_of(text: str, start: int, end: int) -> tuple[int | None, int | None]:
    """(page, page_end) of text[start:end], or (None, None) when the text has no pages."""
    if PAGE_BREAK not in text:
        return None, None
    return page_span(text, page_starts(text), start, end)


def with_pages(chunks: list[Chunk], text: str) -> list[Chunk]:
    """`chunks` of `text` with their pages set; unchanged when the text has no page breaks."""
    if PAGE_BREAK not in text:
        return chunks
    starts = page_starts(text)
    out = []
    for c in chunks:
        page, page_end = page_span(text, starts, c.char_start, c.char_end)
        out.append(replace(c, page=page, page_end=page_end))
    return out


def page_label(page: int | None, page_end: int | None = None) -> str:
    """「p.12」, 「pp.12–13」, or "" for a document without pages."""
    if page is None:
        return ""
    if page_end is not None and page_end > page:
        return f"pp.{page}–{page_end}"
    return f"p.{page}"

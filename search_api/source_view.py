"""Where a passage is in its original: position labels, and the source view's page markers (pure)."""

from __future__ import annotations

from ingest.formats import PAGE_BREAK
from ingest.paging import page_label

Piece = str | int  # original text, or the number of the page that starts there


def paged_pieces(text: str, first_page: int) -> list[Piece]:
    """`text` cut at its page breaks, each break replaced by the number of the page it opens."""
    out: list[Piece] = []
    for n, part in enumerate(text.split(PAGE_BREAK)):
        if n:
            out.append(first_page + n)
        if part:
            out.append(part)
    return out


def source_pieces(before: str, cited: str, after: str) -> tuple[list[Piece], list[Piece], list[Piece]]:
    """The source view's three parts (original slices) as text and page markers.

    Only the form feeds give way to markers, so the cited part still starts and ends at
    its original offsets; a paged text also opens with the marker of page 1.
    """
    paged = PAGE_BREAK in before or PAGE_BREAK in cited or PAGE_BREAK in after
    first = [1] if paged else []
    cited_page = 1 + before.count(PAGE_BREAK)
    after_page = cited_page + cited.count(PAGE_BREAK)
    return (first + paged_pieces(before, 1), paged_pieces(cited, cited_page), paged_pieces(after, after_page))


def position_label(page: int | None, page_end: int | None, line_start: int, line_end: int) -> str:
    """「p.3・12〜14行目」; just the lines for a document without pages."""
    lines = f"{line_start}" + (f"〜{line_end}" if line_end > line_start else "") + "行目"
    return f"{page_label(page, page_end)}・{lines}" if page is not None else lines

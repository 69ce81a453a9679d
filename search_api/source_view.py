"""Page breaks in the source view: a paged original is shown with a marker per page (pure)."""

from __future__ import annotations

from ingest.formats import PAGE_BREAK

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

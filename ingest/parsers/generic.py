"""Fallback parser for documents without a dedicated layout: sections between headings."""

from __future__ import annotations

import re

from ingest.normalize import MappedText
from ingest.parsers.common import lines_of, to_original
from ingest.records import DocumentMeta, ParsedDocument, Section

_HEADING = re.compile(
    r"^(第\s*\d+\s*[章節部]|\d{1,2}\s*[.．、]\s*\S|[IVXⅠ-Ⅹ]+\s*[.．、 ]\s*\S|[(（]\d{1,2}[)）]\s*\S|【[^】]{1,30}】$)"
)
MAX_HEADING_CHARS = 40


def is_heading(text: str) -> bool:
    """A short line that starts like a numbered heading."""
    t = text.strip()
    return 0 < len(t) <= MAX_HEADING_CHARS and not t.endswith("。") and bool(_HEADING.match(t))


def parse(original: str, clean: MappedText, meta: DocumentMeta) -> ParsedDocument:
    """One Section per heading-delimited block (the whole text if no heading is found)."""
    lines = [ln for ln in lines_of(clean) if ln.text.strip()]
    sections: list[Section] = []
    start_idx = 0
    title = meta.title
    for i, ln in enumerate(lines + [None]):
        if ln is not None and not (is_heading(ln.text) and i > start_idx):
            continue
        block = lines[start_idx:i]
        if block:
            span = to_original(clean, block[0].start, block[-1].end)
            sections.append(
                Section(
                    id=f"{meta.id}:s{len(sections) + 1}",
                    document_id=meta.id,
                    title=title,
                    heading_path=[title] if title != meta.title else [],
                    spans=[span],
                )
            )
        if ln is not None:
            start_idx = i
            title = ln.text.strip()
    return ParsedDocument(initiatives=[], sections=sections)

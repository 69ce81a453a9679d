"""Parser for 狛江市「各部の方針」: one block per 部, policy headings with ▽ bullet items.

Layout (cleaned lines), read by :func:`ingest.structure.bullets.bullet_groups`::

    令和5年度 企画財政部の方針          <- 部 heading
    持続可能な行財政運営の推進           <- policy heading  -> Initiative
    ▽ 令和7年度を始期とする…、将来       <- item (may wrap over several lines)
    を見据えた計画策定を進めます。

A heading with no ▽ item under it (a stray page header) is kept as a Section.
"""

from __future__ import annotations

import re

from ingest.normalize import MappedText
from ingest.parsers.common import lines_of, to_original
from ingest.records import DocumentMeta, Initiative, ParsedDocument, Section
from ingest.structure.bullets import bullet_groups

_DEPT = re.compile(r"^(?:令和|平成)\s*(?:元|\d{1,2})\s*年度\s*(\S+?(?:部|局|室|課|委員会))の方針$")


def parse(original: str, clean: MappedText, meta: DocumentMeta) -> ParsedDocument:
    """Initiatives for each policy heading (key d{部 index}.{heading index}), sections for the rest."""
    lines = [ln for ln in lines_of(clean) if ln.text.strip()]
    preamble, depts = bullet_groups([ln.text for ln in lines], _DEPT.match)
    initiatives: list[Initiative] = []
    sections: list[Section] = []

    def span(a: int, b: int) -> tuple[int, int]:
        """Original span of lines a..b."""
        return to_original(clean, lines[a].start, lines[b].end)

    if preamble:
        sections.append(Section(f"{meta.id}:s1", meta.id, lines[preamble[0]].text, [],
                                [span(preamble[0], preamble[-1])]))
    for d_idx, dept in enumerate(depts, 1):
        heading = lines[dept.heading].text
        name = _DEPT.match(heading).group(1)  # type: ignore[union-attr]
        sections.append(Section(f"{meta.id}:d{d_idx}", meta.id, heading, [], [span(dept.heading, dept.heading)],
                                kind="heading", extra={"department": name}))
        h_idx = 0
        for block in dept.blocks:
            if not block.items:
                sections.append(Section(f"{meta.id}:s{len(sections) + 1}", meta.id, lines[block.heading].text,
                                        [heading], [span(block.heading, block.heading)]))
                continue
            h_idx += 1
            # Items printed directly under the 部 heading: the heading belongs to the 部 section.
            first = block.items[0][0] if block.heading == dept.heading else block.heading
            initiatives.append(Initiative(
                id=f"{meta.id}:d{d_idx}.{h_idx}", document_id=meta.id, city=meta.city, number=str(h_idx),
                title=lines[block.heading].text, heading_path=[heading], departments=[name],
                spans=[span(first, block.last)], extra={"items": str(len(block.items))}))
    return ParsedDocument(initiatives=initiatives, sections=sections)

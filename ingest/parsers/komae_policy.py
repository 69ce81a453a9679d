"""Parser for 狛江市「各部の方針」: one block per 部, policy headings with ▽ bullet items.

Layout (cleaned lines)::

    令和5年度 企画財政部の方針          <- 部 heading
    持続可能な行財政運営の推進           <- policy heading  -> Initiative
    ▽ 令和7年度を始期とする…、将来       <- item (may wrap over several lines)
    を見据えた計画策定を進めます。

A heading with no ▽ item under it (a stray page header) is kept as a Section.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.normalize import MappedText
from ingest.parsers.common import Line, lines_of, to_original
from ingest.records import DocumentMeta, Initiative, ParsedDocument, Section, Span

_DEPT = re.compile(r"^(?:令和|平成)\s*(?:元|\d{1,2})\s*年度\s*(\S+?(?:部|局|室|課|委員会))の方針$")
_ITEM = "▽"


@dataclass
class _Block:
    """A policy heading (or any non-item line) and the ▽ items that follow it."""

    heading: Line
    items: list[list[Line]] = field(default_factory=list)

    @property
    def end(self) -> int:
        return self.items[-1][-1].end if self.items else self.heading.end


@dataclass
class _Dept:
    heading: Line
    name: str
    blocks: list[_Block] = field(default_factory=list)


def _is_continuation(prev: Line, line: Line) -> bool:
    """A wrapped item line: the previous line is cut mid-sentence, or this one ends one.

    Headings never end with 。 and always follow a finished item (ending with 。).
    """
    return not prev.text.endswith("。") or line.text.endswith("。")


def _group(lines: list[Line]) -> tuple[list[Line], list[_Dept]]:
    """Lines before the first 部 heading, and the 部 blocks."""
    preamble: list[Line] = []
    depts: list[_Dept] = []
    prev: Line | None = None  # last line of an item, when the previous line was one
    for ln in lines:
        m = _DEPT.match(ln.text)
        if m:
            depts.append(_Dept(ln, m.group(1)))
            prev = None
        elif not depts:
            preamble.append(ln)
        elif ln.text.startswith(_ITEM):
            dept = depts[-1]
            if not dept.blocks:  # items directly under the 部 heading
                dept.blocks.append(_Block(dept.heading))
            dept.blocks[-1].items.append([ln])
            prev = ln
        elif prev is not None and _is_continuation(prev, ln):
            depts[-1].blocks[-1].items[-1].append(ln)
            prev = ln
        else:
            depts[-1].blocks.append(_Block(ln))
            prev = None
    return preamble, depts


def parse(original: str, clean: MappedText, meta: DocumentMeta) -> ParsedDocument:
    """Initiatives for each policy heading (key d{部 index}.{heading index}), sections for the rest."""
    lines = [ln for ln in lines_of(clean) if ln.text.strip()]
    preamble, depts = _group(lines)
    initiatives: list[Initiative] = []
    sections: list[Section] = []

    def span(a: int, b: int) -> Span:
        return to_original(clean, a, b)

    if preamble:
        sections.append(
            Section(f"{meta.id}:s{len(sections) + 1}", meta.id, preamble[0].text, [],
                    [span(preamble[0].start, preamble[-1].end)])
        )
    for d_idx, dept in enumerate(depts, 1):
        path = [dept.heading.text]
        sections.append(
            Section(f"{meta.id}:d{d_idx}", meta.id, dept.heading.text, [],
                    [span(dept.heading.start, dept.heading.end)], kind="heading",
                    extra={"department": dept.name})
        )
        h_idx = 0
        for block in dept.blocks:
            if not block.items:
                sections.append(
                    Section(f"{meta.id}:s{len(sections) + 1}", meta.id, block.heading.text, path,
                            [span(block.heading.start, block.heading.end)])
                )
                continue
            h_idx += 1
            # Items printed directly under the 部 heading: the heading belongs to the 部 section.
            start = block.items[0][0].start if block.heading is dept.heading else block.heading.start
            initiatives.append(
                Initiative(
                    id=f"{meta.id}:d{d_idx}.{h_idx}",
                    document_id=meta.id,
                    city=meta.city,
                    number=str(h_idx),
                    title=block.heading.text,
                    heading_path=path,
                    departments=[dept.name],
                    spans=[span(start, block.end)],
                    extra={"items": str(len(block.items))},
                )
            )
    return ParsedDocument(initiatives=initiatives, sections=sections)

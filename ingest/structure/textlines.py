"""Lines of a document with their offsets: cleaned lines, and layout lines in original coordinates.

:class:`Line` keeps cleaned-text offsets (for parsers that give every line an owner);
:class:`LayoutLine` keeps original offsets plus layout hints (a blank line before it, a
full-width leading digit) and :func:`layout_lines` recovers the lone numbers that
:func:`ingest.normalize.clean` drops as page numbers, since in tables they are often
item numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.normalize import MappedText, fold
from ingest.records import Span

BARE_NUMBER = re.compile(r"\s*[0-9０-９]{1,3}\s*")


@dataclass(frozen=True)
class Line:
    """One line of the cleaned text, with its [start, end) in cleaned coordinates."""

    no: int
    text: str
    start: int
    end: int


def lines_of(clean: MappedText) -> list[Line]:
    """The cleaned text split into lines, keeping cleaned-text offsets."""
    out: list[Line] = []
    pos = 0
    for no, text in enumerate(clean.text.split("\n")):
        out.append(Line(no, text, pos, pos + len(text)))
        pos += len(text) + 1
    return out


def to_original(clean: MappedText, start: int, end: int) -> Span:
    """Original-text span of cleaned range [start, end), trimmed of surrounding blanks."""
    while start < end and clean.text[start].isspace():
        start += 1
    while end > start and clean.text[end - 1].isspace():
        end -= 1
    return clean.original_span(start, end)


@dataclass
class LayoutLine:
    """A non-blank line: folded text, original [start, end), layout hints."""

    text: str
    start: int
    end: int
    blank_before: bool = False
    wide_digit: bool = False  # printed with a full-width leading digit


def layout_lines(original: str, clean: MappedText) -> list[LayoutLine]:
    """Cleaned non-blank lines plus the lone numbers that clean() dropped, in original order."""
    out = []
    for ln in lines_of(clean):
        if ln.text.strip():
            s, e = to_original(clean, ln.start, ln.end)
            out.append(LayoutLine(ln.text.strip(), s, e, wide_digit="０" <= original[s] <= "９"))
    covered = set(clean.starts)
    pos = 0
    for raw in original.split("\n"):
        s = pos + len(raw) - len(raw.lstrip())
        if raw.strip() and BARE_NUMBER.fullmatch(raw) and s not in covered:
            out.append(LayoutLine(fold(raw.strip()), s, s + len(raw.strip())))
        pos += len(raw) + 1
    out.sort(key=lambda ln: ln.start)
    for prev, ln in zip(out, out[1:]):
        ln.blank_before = original.count("\n", prev.end, ln.start) >= 2
    return out


def merged_spans(original: str, lines: list[LayoutLine]) -> list[Span]:
    """Original spans over `lines`, merging lines separated only by blanks."""
    spans: list[Span] = []
    for ln in sorted(lines, key=lambda ln: ln.start):
        if spans and not original[spans[-1][1] : ln.start].strip():
            spans[-1] = (spans[-1][0], max(spans[-1][1], ln.end))
        else:
            spans.append((ln.start, ln.end))
    return spans

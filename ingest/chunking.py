"""Sentence-aware chunking of initiatives and sections (pure functions)."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from ingest.normalize import MappedText, join_wrapped
from ingest.records import Chunk, Span
from reform_search.settings import Settings

_LAYOUT_WORDS = re.compile(
    r"取組項目|推進部署|基本事業|方向性|施策|今後の取組方針|指標|No|[\d\s.,、・()（）\[\]【】〈〉/:：\-\u2460-\u2473\u3251-\u325f]"
)
INFORMATIVE_CHARS = 40
_SENTENCE_END = re.compile(r"[。！？!?]+[」』)）]*|\n")
_SOFT_BREAK = re.compile(r"[、,，・;；]")
MIN_CHUNK_CHARS = 6


_DEFAULTS = Settings.model_fields  # the chunk sizes' defaults live in Settings (chunk_*_chars) only


@dataclass(frozen=True)
class ChunkParams:
    target: int = _DEFAULTS["chunk_target_chars"].default
    maximum: int = _DEFAULTS["chunk_max_chars"].default
    overlap: int = _DEFAULTS["chunk_overlap_chars"].default


@dataclass(frozen=True)
class Unit:
    """Something to chunk: an initiative or a section, with its original spans."""

    id: str
    document_id: str
    city: str
    title: str
    heading_path: tuple[str, ...]
    spans: tuple[Span, ...]
    is_initiative: bool
    labels: tuple[str, ...] = ()  # departments, ratings... shown with every hit anyway


def clean_range(clean: MappedText, span: Span) -> tuple[int, int]:
    """Cleaned-text [a, b) whose characters come from original span [s, e)."""
    s, e = span
    a = bisect.bisect_left(clean.starts, s)
    b = bisect.bisect_left(clean.starts, e)
    return a, b


def sentences(text: str) -> list[tuple[int, int]]:
    """[start, end) of sentences: split after 。！？ and at newlines; never empty."""
    out: list[tuple[int, int]] = []
    pos = 0
    for m in _SENTENCE_END.finditer(text):
        end = m.end()
        if text[pos:end].strip():
            out.append((pos, end))
        pos = end
    if text[pos:].strip():
        out.append((pos, len(text)))
    return out


def _split_long(text: str, start: int, end: int, maximum: int) -> list[tuple[int, int]]:
    """Cut an over-long sentence at soft breaks (、・) near the limit, else hard."""
    pieces: list[tuple[int, int]] = []
    while end - start > maximum:
        window = text[start : start + maximum]
        cuts = [m.end() for m in _SOFT_BREAK.finditer(window) if m.end() >= maximum // 2]
        cut = start + (cuts[-1] if cuts else maximum)
        pieces.append((start, cut))
        start = cut
    pieces.append((start, end))
    return pieces


def pack(text: str, params: ChunkParams) -> list[tuple[int, int]]:
    """Group sentences into [start, end) chunks of about `target` chars, at most `maximum`,
    repeating up to `overlap` chars of trailing sentences at the start of the next chunk."""
    sents: list[tuple[int, int]] = []
    for s, e in sentences(text):
        sents.extend(_split_long(text, s, e, params.maximum))
    chunks: list[tuple[int, int]] = []
    i = 0
    while i < len(sents):
        start = sents[i][0]
        j = i
        while j + 1 < len(sents) and sents[j + 1][1] - start <= params.target:
            j += 1
        # A short tail is merged into this chunk rather than left on its own.
        if j + 1 == len(sents) - 1 and sents[-1][1] - start <= params.maximum and sents[-1][1] - sents[-1][0] < params.target // 4:
            j += 1
        chunks.append((start, sents[j][1]))
        if j + 1 >= len(sents):
            break
        k = j + 1
        while k - 1 > i and sents[j][1] - sents[k - 1][0] <= params.overlap:
            k -= 1
        i = k
    return chunks


def merged_ranges(unit: Unit, clean: MappedText) -> list[tuple[int, int]]:
    """Cleaned ranges of the unit's spans, merged where only whitespace separates them."""
    ranges = sorted(r for r in (clean_range(clean, sp) for sp in unit.spans) if r[0] < r[1])
    merged: list[tuple[int, int]] = []
    for a, b in ranges:
        if merged and not clean.text[merged[-1][1] : a].strip():
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


def says_nothing_new(text: str, unit: Unit) -> bool:
    """A short fragment whose words are all in the unit's title, headings or labels
    (e.g. a list line 「取組項目06 AI・RPA等の先進技術の導入 P.10」)."""
    if len(text) >= INFORMATIVE_CHARS:
        return False
    rest = "".join(text.split())
    for known in sorted((unit.title, *unit.heading_path, *unit.labels), key=len, reverse=True):
        k = "".join(known.split())
        if k:
            rest = rest.replace(k, "")
    return len(_LAYOUT_WORDS.sub("", rest)) <= 3


def chunk_unit(unit: Unit, clean: MappedText, params: ChunkParams) -> list[Chunk]:
    """Chunks of one unit; ids are `<unit id>#<ordinal>` and offsets are original-text.

    Fragments that only repeat the unit's title/labels are dropped, except that every
    unit keeps at least one chunk so it stays findable.
    """
    out: list[Chunk] = []
    fallback: Chunk | None = None
    for a, b in merged_ranges(unit, clean):
        joined = join_wrapped(clean.slice(a, b))
        for s, e in pack(joined.text, params):
            while s < e and joined.text[s].isspace():
                s += 1
            while e > s and joined.text[e - 1].isspace():
                e -= 1
            if e - s < MIN_CHUNK_CHARS and not unit.is_initiative:
                continue
            if e <= s:
                continue
            o_start, o_end = joined.original_span(s, e)
            chunk = Chunk(
                id=f"{unit.id}#{len(out)}",
                document_id=unit.document_id,
                city=unit.city,
                initiative_id=unit.id if unit.is_initiative else None,
                section_id=None if unit.is_initiative else unit.id,
                heading_path=unit.heading_path,
                title=unit.title,
                text=joined.text[s:e],
                char_start=o_start,
                char_end=o_end,
                ordinal=len(out),
            )
            if says_nothing_new(chunk.text, unit):
                fallback = fallback or chunk
                continue
            out.append(chunk)
    if not out and fallback is not None:
        out.append(fallback)
    return out

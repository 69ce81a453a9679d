"""Highlight spans of query terms in original (un-normalized) text (pure functions)."""

from __future__ import annotations

from ingest.normalize import MappedText, clean, join_wrapped


def search_form(original: str) -> MappedText:
    """Folded, line-joined form of a passage, mapped back to it (cacheable per chunk)."""
    return join_wrapped(clean(original, drop_layout=False))


def _latin_word(text: str) -> bool:
    return text.isascii() and text.isalnum()


def _latin_letter(ch: str) -> bool:
    return ch.isascii() and ch.isalpha()  # a digit may touch a word: RPA2台, Windows10


def highlight_spans(original: str, terms: list[str], mapped: MappedText | None = None) -> list[tuple[int, int]]:
    """[start, end) spans in `original` where a folded term occurs in its search form.

    Matching happens on the folded, line-joined form (so ＲＰＡ and a term wrapped over
    two PDF lines still match); spans are mapped back and merged.
    """
    if not terms or not original:
        return []
    mapped = mapped or search_form(original)
    hay = mapped.text.lower() if "\u0130" not in mapped.text else "".join(c if c == "\u0130" else c.lower() for c in mapped.text)  # İ lowers to 2 chars
    spans: list[tuple[int, int]] = []
    for term in terms:
        if not term:
            continue
        latin = _latin_word(term)
        pos = hay.find(term)
        while pos >= 0:
            end = pos + len(term)
            # a Latin word only between non-letters: the it of IT化 must not light up city, nor ai mail
            if not latin or not (pos > 0 and _latin_letter(hay[pos - 1]) or end < len(hay) and _latin_letter(hay[end])):
                spans.append(mapped.original_span(pos, end))
            pos = hay.find(term, end)
    spans.sort()
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


def line_numbers(text: str, start: int, end: int) -> tuple[int, int]:
    """1-based first and last line of text[start:end]."""
    first = text.count("\n", 0, start) + 1
    return first, first + text.count("\n", start, max(start, end - 1))

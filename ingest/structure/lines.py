"""Lines of the search form as outline entries: markers, titles, inline lists, table label cells."""

from __future__ import annotations

import re

import ingest.structure.fields as F
from ingest.normalize import MappedText
from ingest.structure.numbering import match_marker
from ingest.structure.outline import PAGE_REF, Entry, is_toc

_LABEL_CELL = re.compile(r"^(\S{1,8})\s+(?=\S)")
_PAGE_REF = re.compile(PAGE_REF + r"|\s*P\s*[.．]\s*\d{1,3}\s*$")
_BODY_START = re.compile(r"^[・〇○●◆■□※\-－]")
TITLE_CELL_CHARS = 14


_INLINE = re.compile(r"(?<=\s)(?=[\u2460-\u2473\u3251-\u325f\u32b1-\u32bf]|\(\d{1,2}\)\s*\S)")


def _segments(text: str) -> list[int]:
    """Starts of the items of an inline list (``(1) … ①a ②b``): ≥ 2 markers on one line."""
    cuts = [m.start() for m in _INLINE.finditer(text)]
    if not cuts or F.label_at(text, F.DEPT_LABELS + F.RATING_LABELS + F.TEXT_LABELS):
        return [0]
    if not (match_marker(text) or len(cuts) >= 2):
        return [0]
    return [0] + cuts


_BARE_NUMBER = re.compile(r"^[ \t\u3000]*([0-9０-９]{1,3})[ \t\u3000]*$", re.M)


def _dropped_numbers(original: str, a: int, b: int) -> list[str]:
    """Bare numbers that :func:`clean` dropped as page numbers between two kept lines.

    In tables flattened one cell per line they are row numbers; a number next to a page
    break (a real page number) stays dropped.
    """
    gap = original[a:b]
    if "\f" in gap:
        return []
    return [str(int(m.group(1).translate(str.maketrans("０１２３４５６７８９", "0123456789"))))
            for m in _BARE_NUMBER.finditer(gap)]


def entries_of(original: str, clean: MappedText) -> list[Entry]:
    """Non-blank lines of the search form with their markers and titles."""
    out: list[Entry] = []
    pos = 0
    prev_end_orig = 0
    for line in clean.text.split("\n"):
        line_start = pos
        pos += len(line) + 1
        after_label = bool(out) and out[-1].text in F.DEPT_LABELS
        cuts = [0] if after_label else _segments(line)
        for a, b in zip(cuts, cuts[1:] + [len(line)]):
            text = line[a:b]
            start, end = line_start + a, line_start + b
            stripped = text.strip()
            if not stripped:
                continue
            lead = len(text) - len(text.lstrip())
            o_s, o_e = clean.original_span(start + lead, start + lead + len(stripped))
            for num in _dropped_numbers(original, prev_end_orig, o_s):
                out.append(Entry(len(out), num, start + lead, start + lead, start + lead, num, False,
                                 marker=match_marker(num)))
            gap = original.count("\n", prev_end_orig, o_s) >= 2 if out else False
            prev_end_orig = o_e
            e = Entry(len(out), stripped, start, end, start + lead, original[o_s:o_e], gap)
            e.marker = None if after_label else match_marker(stripped)
            if e.marker is None and not after_label and ("\t" in e.original or "|" in e.original):
                m = _LABEL_CELL.match(stripped)
                rest = stripped[m.end():] if m else ""
                if m and not F.label_at(stripped, F.DEPT_LABELS + F.RATING_LABELS) and match_marker(rest):
                    e.text, e.tstart = rest, e.tstart + m.end()
                    e.marker = match_marker(rest)
            out.append(e)
    return out


def _same_line_title(rest: str) -> str:
    rest = _PAGE_REF.sub("", rest.strip())
    cut = rest.find("。")
    if cut != -1:
        rest = rest[:cut]
    if len(rest) > 30:
        sp = rest.find(" ", 4)
        if 0 < sp <= 50:
            rest = rest[:sp]
    return rest[:80].strip()


def titles(entries: list[Entry]) -> None:
    """Title of each marker line; a bare marker takes the short cell lines after it."""
    for i, e in enumerate(entries):
        if e.marker is None:
            continue
        e.toc = is_toc(e.text)
        if not e.marker.bare:
            e.title = _same_line_title(e.text[e.marker.end:])
            continue
        parts: list[str] = []
        double_spaced = i + 1 < len(entries) and entries[i + 1].gap_before
        for nxt in entries[i + 1: i + 7]:
            t = nxt.text
            if parts and nxt.gap_before and not double_spaced:
                break
            if nxt.marker or _BODY_START.match(t) or "。" in t or len(t.replace(" ", "")) > TITLE_CELL_CHARS:
                break
            if F.label_at(t, F.DEPT_LABELS + F.RATING_LABELS + F.TEXT_LABELS):
                break
            parts.append(t)
            if sum(len(p) for p in parts) > 50:
                break
        e.title = _join_cells(parts)


def _join_cells(parts: list[str]) -> str:
    out = ""
    for p in parts:
        p = p.strip()
        if out and (out[-1].isascii() and out[-1].isalnum()) and (p[:1].isascii() and p[:1].isalnum()):
            out += " "
        out += re.sub(r"(?<=[^\x00-\x7f]) (?=[^\x00-\x7f])", "", p)
    return out



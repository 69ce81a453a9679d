"""A column of titles that PDF extraction prints after the rows it belongs to.

In a table whose first column holds the item titles (実施項目) and whose other columns
hold each row's text, text extraction often emits the other columns row by row and the
title column afterwards, as a run of short blocks. The blocks are read by
:func:`add_column_line`; plain text joins the title printed before it
(:func:`attach_plain`); a block printed with its number belongs to the row of that
number, the others go to the rows whose text shares the most character bigrams with
their title (:func:`match_blocks`, an exhaustive best assignment per page).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import combinations, permutations
from typing import TypeVar

from ingest.structure.textlines import LayoutLine

T = TypeVar("T")
MAX_EXACT = 6  # blocks and targets matched per page (exhaustive search)
PARTICLES = ("の", "を", "(", "（")  # a wrapped title line never starts with these
BULLETS = ("〇", "○")


@dataclass
class ColumnBlock:
    """Text of the title column: an optional printed number, title lines, other text."""

    number: int | None
    lines: list[LayoutLine] = field(default_factory=list)
    title: list[str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)


def title_like(text: str, limit: int) -> bool:
    """A title cell: short, no sentence punctuation, not a bullet."""
    return len(text) <= limit and not any(c in text for c in "。、") and not text.startswith(BULLETS)


def overlap(title: str, text: str) -> float:
    """Share of the title's character bigrams found in `text`."""
    grams = {title[i : i + 2] for i in range(len(title) - 1)}
    return sum(g in text for g in grams) / len(grams) if grams else 0.0


def add_column_line(blocks: list[ColumnBlock], block: ColumnBlock | None, ln: LayoutLine,
                    number: int | None, rest: str | None, width: int) -> ColumnBlock:
    """Add one line of the title column to `blocks`; return the block it went to.

    `number` (with `rest`, the text after it) is a number printed in the column; a title
    line after a blank starts a new block unless it continues a wrapped title.
    """
    t = ln.text
    title = title_like(t, width)
    wrapped = block is not None and block.title and (
        not ln.blank_before or t.startswith(PARTICLES) or block.title[-1].endswith("・"))
    if number is not None:
        block = ColumnBlock(number, title=[rest] if rest else [])
        blocks.append(block)
    elif block is None or (title and (block.text or (block.title and not wrapped))):
        block = ColumnBlock(None)
        blocks.append(block)
    if number is None:
        (block.title if title else block.text).append(t)
    block.lines.append(ln)
    return block


def attach_plain(blocks: list[ColumnBlock]) -> tuple[list[ColumnBlock], list[LayoutLine]]:
    """(titled or numbered blocks, orphan lines): plain text joins the title before it, else after."""
    titled = [b for b in blocks if b.title or b.number is not None]
    orphans: list[LayoutLine] = []
    for b in blocks:
        if b in titled:
            continue
        before = [t for t in titled if t.lines[0].start < b.lines[0].start]
        host = before[-1] if before else next(iter(titled), None)
        if host is None:
            orphans += b.lines
        elif host in before:
            host.lines, host.text = host.lines + b.lines, host.text + b.text
        else:
            host.lines, host.text = b.lines + host.lines, b.text + host.text
    return titled, orphans


def match_blocks(free: Sequence[ColumnBlock], targets: Sequence[T],
                 text_of: Callable[[T], str]) -> tuple[list[tuple[ColumnBlock, T]], list[ColumnBlock]]:
    """(block, target) pairs maximising the total title/text bigram overlap, and the unmatched blocks."""
    cand, tgt = list(free[:MAX_EXACT]), list(targets[:MAX_EXACT])
    score = [[overlap("".join(b.title), text_of(t)) for t in tgt] for b in cand]
    k = min(len(cand), len(tgt))
    best = max((list(zip(bs, ts)) for bs in permutations(range(len(cand)), k)
                for ts in combinations(range(len(tgt)), k)), key=lambda ps: sum(score[b][t] for b, t in ps))
    used = {b for b, _ in best}
    return [(cand[b], tgt[t]) for b, t in best], [blk for b, blk in enumerate(free) if b not in used]

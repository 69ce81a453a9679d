"""Bulleted lists under headings: ``▽``/``・`` items printed under a caption, inside larger groups.

Policy documents (各部の方針, 重点施策 …) print a group heading (a 部), then captions, each
followed by bullet items that wrap over several lines::

    令和5年度 企画財政部の方針          <- group heading (the caller recognizes it)
    持続可能な行財政運営の推進           <- caption: any line that is no bullet item
    ▽ 令和7年度を始期とする…、将来       <- item
    を見据えた計画策定を進めます。       <- wrapped item line

Pure functions over line texts; results are line indexes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Block:
    """A caption line and the bullet items after it (each a list of line indexes)."""

    heading: int  # the group's heading itself when items come straight under it
    items: list[list[int]] = field(default_factory=list)

    @property
    def last(self) -> int:
        return self.items[-1][-1] if self.items else self.heading


@dataclass
class Group:
    """A group heading (line index) and its blocks."""

    heading: int
    blocks: list[Block] = field(default_factory=list)


def is_continuation(prev: str, line: str) -> bool:
    """A wrapped item line: the previous line stops mid-sentence, or this one ends a sentence.

    Captions never end with 。 and always follow a finished item (ending with 。).
    """
    return not prev.endswith("。") or line.endswith("。")


def bullet_groups(texts: list[str], is_group: Callable[[str], object],
                  bullet: str = "▽") -> tuple[list[int], list[Group]]:
    """Lines before the first group heading, and the groups with their captioned bullet lists."""
    preamble: list[int] = []
    groups: list[Group] = []
    prev: str | None = None  # the last item line, when the previous line was one
    for i, t in enumerate(texts):
        if is_group(t):
            groups.append(Group(i))
            prev = None
        elif not groups:
            preamble.append(i)
        elif t.startswith(bullet):
            g = groups[-1]
            if not g.blocks:  # items directly under the group heading
                g.blocks.append(Block(g.heading))
            g.blocks[-1].items.append([i])
            prev = t
        elif prev is not None and is_continuation(prev, t):
            groups[-1].blocks[-1].items[-1].append(i)
            prev = t
        else:
            groups[-1].blocks.append(Block(i))
            prev = None
    return preamble, groups

"""Evaluation chapters that comment on numbered items: overview, rating table, comment blocks.

Per group (基本方針 N) an evaluation report prints an overview list of its items and
contents, inline (``(1) 項目 ①内容 ②内容 (2) …``); then parts ``(1) …`` / ``(2) 評価とコメント``
with a rating table (``(1) 項目 ①内容 B B`` = 個別評価 and the item's 評価, under a
``令和6年度`` line) and one ア/イ/ウ block per item whose paragraphs ``「①…」は…`` comment
on one content each. :func:`read_overview` and :func:`read_block` fill an
:class:`~ingest.structure.itemtree.ItemTree` and give every line an owner.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ingest.structure.fields import era_year
from ingest.structure.itemtree import CIRCLED as C
from ingest.structure.itemtree import ItemTree
from ingest.structure.repeats import repeat_key

_OVERVIEW = re.compile(rf"^\(\d+\).*{C}|^{C}")
_ITEM_SPLIT = re.compile(r"(?:^|\s)\((\d+)\)\s*")
_PART = re.compile(r"^\((\d+)\)\s*([^\u2460-\u2473]{1,40})$")
KANA = "アイウエオカキクケコサシスセソ"
_KANA_SUB = re.compile(rf"^([{KANA}])\s+(\S[^。]{{0,60}})$")
_PARA = re.compile(rf"^「({C})\s*([^」]+)」")
_TABLE_ROW = re.compile(rf"^(?:\((\d+)\)\s*([^\u2460-\u2473]+?)\s*)?({C})\s*(.+?)\s+([SABCD—-])(?:\s+([SABCD—-]))?$")
_YEAR_LINE = re.compile(r"^(?:令和|平成)\s*(\d+|元)\s*年度$")
_SENTENCE_END = ("。", "．")


@lru_cache(maxsize=8)
def group_head(label: str) -> re.Pattern[str]:
    """A group heading ``<label>N name`` (``基本方針1 新たな時代に…``): group 1 the number, 2 the name."""
    return re.compile(rf"^{re.escape(label)}\s*(\d+)\s+(\S.*)$")


def parse_overview(tree: ItemTree, g: int, text: str) -> None:
    """``(1) 項目 ①内容 ②内容 (2) …`` → items and contents of group `g`."""
    parts = _ITEM_SPLIT.split(text)
    for num, chunk in zip(parts[1::2], parts[2::2]):
        pieces = re.split(f"({C})", chunk)
        tree.item(g, int(num), pieces[0])
        for circ, title in zip(pieces[1::2], pieces[2::2]):
            node = tree.content(g, int(num), circ, "", create=True)
            if node is not None and not node.title:
                node.title = title.strip()


def read_overview(tree: ItemTree, a: int, b: int, g: int) -> int:
    """Read the heading and overview lines of group `g`'s block (lines a..b); index of the first body line."""
    lines, k = tree.lines, a
    head = group_head(tree.group_label)
    while k < b and (m := head.match(lines[k].text.strip())) and int(m.group(1)) == g:
        k += 1
    start = k
    while k < b and _OVERVIEW.match(lines[k].text.strip()):
        k += 1
    parse_overview(tree, g, " ".join(ln.text for ln in lines[start:k]))
    return k


def read_block(tree: ItemTree, a: int, b: int, g: int, section: str, path: list[str]) -> None:
    """Group `g`'s block (lines a..b): overview, then the rating table and comment parts.

    Lines that comment on no item go to the section `section` (titled with the group's name).
    """
    lines = tree.lines
    sec = tree.section(section, tree.group_name(g), path)
    body = read_overview(tree, a, b, g)
    tree.assign(a, body, sec)
    part_seen, item, table_item = False, None, None
    cur, table_year, prev = sec, None, ""
    for k in range(body, b):
        t = lines[k].text.strip()
        if _PART.match(t) and not t.endswith(_SENTENCE_END):
            part_seen, item, cur = True, None, sec
        elif part_seen and (km := _KANA_SUB.match(t)):
            same = [n for n in tree.nodes.values() if n.key.count(".") == 1 and n.group == g
                    and repeat_key(n.title) == repeat_key(km.group(2))]
            item = same[0] if same else tree.item(g, KANA.index(km.group(1)) + 1, km.group(2))
            cur = item.key
        elif part_seen and item is None:
            cur = sec
            if _YEAR_LINE.match(t):
                table_year = era_year(t)
            elif rm := _TABLE_ROW.match(t):
                if rm.group(1):
                    table_item = tree.item(g, int(rm.group(1)), rm.group(2))
                    table_item.rate(table_year, rm.group(6) or "", "評価")
                if table_item is not None:
                    node = tree.content(g, table_item.item, rm.group(3), rm.group(4), create=True)
                    if node is not None:
                        node.rate(table_year, rm.group(5), "個別評価")
                        cur = node.key
        elif item is not None:
            if pm := _PARA.match(t):
                node = tree.content(g, item.item, pm.group(1), pm.group(2))
                cur = node.key if node else item.key
            elif prev.endswith(_SENTENCE_END):
                cur = item.key
        tree.owner[k] = cur
        prev = t

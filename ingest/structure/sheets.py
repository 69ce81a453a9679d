"""Label/value evaluation sheets: one sheet per 取組項目, rows led by a label cell.

A sheet starts with a group row (``基本方針 基本方針2 …``) and names its item
(``取組項目名 (4) …``); then ``取組内容 ① … ② …``, ``担当課 ①A課 ②③B課``, a rating row
``評価 令和4年度 令和5年度 …`` whose values follow on the next line, and per content
a block ``主な事業 ①…`` / ``具体的な取組 ②…`` with its own ``個別評価`` row, and
``今後の取組方針 ① … ② …``. :func:`parse_sheets` reads them into an
:class:`~ingest.structure.itemtree.ItemTree` (ratings, departments, line owners).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from ingest.structure.fields import era_year
from ingest.structure.itemtree import CIRCLED as C
from ingest.structure.itemtree import ItemTree, Node
from ingest.structure.numbering import circled_value

_ERA_YEAR = re.compile(r"(?:令和|平成)\s*(?:\d+|元)")
RATING_ROW = re.compile(r"^[SABCD—―\-－ー–]( [SABCD—―\-－ー–])*$")
_DEPT_SPLIT = re.compile(r"[\s・、,，/／]+")
_LEAD = re.compile(f"^({C})\\s*(.*)$")


@dataclass(frozen=True)
class SheetLabels:
    """The label cells of one sheet family (defaults: the common 評価シート wording)."""

    group: str = "基本方針"
    item: str = "取組項目名"  # followed by ``(n) title``
    contents: str = "取組内容"
    departments: str = "担当課"
    main: str = "主な事業"  # always opens a content's block
    detail: str = "具体的な取組"  # opens a content's block when numbered
    outlook: tuple[str, ...] = ("今後の取組方針", "今後の")  # longest first
    content_rating: str = "個別評価"
    item_rating: str = "評価"

    @cached_property
    def group_row(self) -> re.Pattern[str]:
        g = re.escape(self.group)
        return re.compile(rf"^{g}\s+{g}\s*(\d+)\s*(.*)$")

    @cached_property
    def item_row(self) -> re.Pattern[str]:
        return re.compile(rf"^{re.escape(self.item)}\s*\((\d+)\)\s*(.+)$")

    @cached_property
    def year_header(self) -> re.Pattern[str]:
        labels = "|".join(re.escape(x) for x in (self.content_rating, self.item_rating))
        return re.compile(rf"^({labels})\s*((?:(?:令和|平成)\s*(?:\d+|元)\s*年度\s*)+)(.*)$")

    @cached_property
    def block_row(self) -> re.Pattern[str]:
        return re.compile(rf"^(?:{re.escape(self.main)}|{re.escape(self.detail)})\s*({C})?\s*(.*)$")


DEFAULT_LABELS = SheetLabels()


def year_ratings(header: str, row: str) -> list[tuple[int | None, str]]:
    """(year, value) pairs of a year header (``令和4年度 令和5年度``) and its value row (``B A``)."""
    years = [era_year(m.group(0)) for m in _ERA_YEAR.finditer(header)]
    return list(zip(years, row.split()))


def departments_by_number(text: str) -> list[tuple[list[int] | None, list[str]]]:
    """``①A課 ②③B課・C課 関係各課`` → [([1], [A課]), ([2, 3], [B課, C課, 関係各課])]; None = unnumbered."""
    chunks = re.split(f"((?:{C}\\s*)+)", text)
    out: list[tuple[list[int] | None, list[str]]] = []
    for k, chunk in enumerate(chunks):
        names = [d for d in _DEPT_SPLIT.split(chunk) if d and not re.fullmatch(f"(?:{C}\\s*)+", d)]
        if names:
            nums = [circled_value(c) for c in re.findall(C, chunks[k - 1])] if k else None
            out.append((nums, names))  # type: ignore[arg-type]
    return out


def _apply_departments(tree: ItemTree, item: Node, text: str) -> None:
    """Departments per content (and their union on the item)."""
    targets = tree.contents(item.group, item.item)
    for nums, names in departments_by_number(text):
        for node in targets if nums is None else [n for n in targets if n.content in nums]:
            node.add_departments(names)
        item.add_departments(names)


def _rate(node: Node, header: str, row: str, label: str) -> None:
    for year, value in year_ratings(header, row):
        node.rate(year, value, label)


def sheet_key(tree: ItemTree, a: int, b: int, g: int, labels: SheetLabels = DEFAULT_LABELS) -> tuple[int, str]:
    """(group, item number) a sheet on lines a..b is about ("" when it names none)."""
    m = next((m for ln in tree.lines[a:b] if (m := labels.item_row.match(ln.text.strip()))), None)
    return g, m.group(1) if m else ""


def sheet_starts(tree: ItemTree, start: int, labels: SheetLabels = DEFAULT_LABELS) -> list[tuple[int, int]]:
    """(line index, group number) of each sheet's group row from line `start` on."""
    return [(k, int(m.group(1))) for k in range(start, len(tree.lines))
            if (m := labels.group_row.match(tree.lines[k].text.strip()))]


def parse_sheets(tree: ItemTree, starts: list[tuple[int, int]], end: int,
                 labels: SheetLabels = DEFAULT_LABELS) -> int:
    """Parse the sheets starting at `starts` (the last ends at `end`); return where the real ones begin.

    A sheet followed by another about the same item is an example (評価シートの見方) and is skipped.
    """
    ends = [s for s, _ in starts[1:]] + [end]
    keys = [sheet_key(tree, s, e, g, labels) for (s, g), e in zip(starts, ends)]
    guide_end = starts[0][0] if starts else end
    for j, ((s, g), e) in enumerate(zip(starts, ends)):
        if j + 1 < len(starts) and keys[j] == keys[j + 1]:
            guide_end = e
        elif s >= guide_end:
            tree.groups.setdefault(g, f"{tree.group_label}{g}")
            parse_sheet(tree, s, e, g, labels)
    return guide_end


def parse_sheet(tree: ItemTree, a: int, b: int, g: int, labels: SheetLabels = DEFAULT_LABELS) -> None:
    """One sheet: lines a..b about an item of group `g`."""
    lines, lb = tree.lines, labels
    m = next((lb.item_row.match(ln.text) for ln in lines[a:b] if lb.item_row.match(ln.text)), None)
    if m is None:
        return
    item = tree.item(g, int(m.group(1)), m.group(2))
    cur: Node = item
    mode, depts = "", ""
    pending: tuple[Node, str, str] | None = None  # a year header whose values are on the next line
    for k in range(a, b):
        t = lines[k].text.strip()
        if pending and RATING_ROW.match(t):
            _rate(pending[0], pending[1], t, pending[2])
            tree.owner[k] = pending[0].key
            pending = None
            continue
        pending = None
        if t.startswith(lb.contents):
            mode, cur, t = "contents", item, t[len(lb.contents) :].strip()
            if not t:
                tree.owner[k] = item.key
                continue
        owner: Node = cur
        lead = _LEAD.match(t)
        outlook = next((x for x in lb.outlook if t.startswith(x)), None)
        if lb.group_row.match(t) or lb.item_row.match(t):
            mode, owner = "contents", item
        elif t.startswith(lb.departments):
            mode, cur = "depts", item
            depts += " " + t[len(lb.departments) :]
            owner = item
        elif hm := lb.year_header.match(t):
            owner = cur if hm.group(1) == lb.content_rating else item
            if RATING_ROW.match(hm.group(3).strip()):
                _rate(owner, hm.group(2), hm.group(3), hm.group(1))
            else:
                pending = (owner, hm.group(2), hm.group(1))
        elif bm := lb.block_row.match(t):
            if t.startswith(lb.main) or bm.group(1):
                mode = "business"
                found = tree.content(g, item.item, bm.group(1), bm.group(2), create=True)
                cur = owner = found or item
                if found and found.provisional and found.title.startswith(bm.group(2)):
                    found.extra.setdefault("plan", found.title[len(bm.group(2)) :].strip())
                    found.title, found.provisional = bm.group(2), False
        elif outlook:
            mode, cur = "policy", item
            lead = _LEAD.match(t[len(outlook) :].lstrip())
            if lead:
                cur = tree.content(g, item.item, lead.group(1), lead.group(2)) or item
            owner = cur
        elif mode == "contents" and len(re.findall(f"(?:^|\\s){C}", t)) > 1:
            cur = owner = item  # several contents on one line
        elif mode in ("contents", "policy") and lead:
            circ, desc = lead.groups()
            known = tree.content(g, item.item, circ, desc)
            cur = owner = known or tree.content(g, item.item, circ, desc, create=mode == "contents") or item
            cur.provisional = known is None and cur is not item
            if mode == "contents" and cur is not item and desc.startswith(cur.title) and desc != cur.title:
                cur.extra.setdefault("plan", desc[len(cur.title) :].strip())
        elif mode == "depts":
            depts += " " + t
            owner = item
        elif mode == "contents" and cur is not item:
            cur.extra["plan"] = (cur.extra.get("plan", "") + " " + t).strip()  # wrapped description
        tree.owner[k] = owner.key
    _apply_departments(tree, item, depts)

"""A three-level initiative tree under construction: group → item ``(i)`` → content ``(i)①``.

Evaluation reports number their 取組項目 ``(1)``, ``(2)`` under each 基本方針 (the group)
and the 取組内容 of an item ``①``, ``②``; the same content is named in several places
(an overview list, a rating table, comments, a sheet), by its number or by a title
prefix. :class:`ItemTree` finds or creates nodes either way and gives every cleaned line
one owner (a node or a section key); :func:`build` turns owners into spans (runs of
consecutive lines with the same owner) and nodes into initiatives, linking (再掲) copies.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ingest.normalize import MappedText
from ingest.records import DocumentMeta, Initiative, ParsedDocument, Rating, Section, Span
from ingest.structure.textlines import Line, to_original
from ingest.structure.numbering import circled_value
from ingest.structure.repeats import is_repeat, repeat_key, repeat_of, strip_repeat, title_index

GRADES = frozenset("SABCD")
CIRCLED = "[\u2460-\u2473\u3251-\u325f\u32b1-\u32bf]"  # regex class of ①..⑳ ㉑..㊿


@dataclass
class Node:
    """An item (``content`` None) or a content of item ``item`` in group ``group``."""

    key: str
    number: str
    title: str
    group: int
    item: int
    content: int | None = None
    ratings: list[Rating] = field(default_factory=list)
    departments: list[str] = field(default_factory=list)
    extra: dict[str, str] = field(default_factory=dict)
    provisional: bool = False  # title taken from a "① title description" line

    def rate(self, year: int | None, value: str, label: str) -> None:
        """Add a letter grade, once per (year, label)."""
        if value in GRADES and not any(r.year == year and r.label == label for r in self.ratings):
            self.ratings.append(Rating(year=year, value=value, label=label))

    def add_departments(self, names: list[str]) -> None:
        self.departments += [d for d in names if d not in self.departments]


class ItemTree:
    """Nodes by key, line owners, group names and sections of one parse."""

    def __init__(self, lines: list[Line], group_label: str = "基本方針") -> None:
        self.lines = lines
        self.owner: list[str | None] = [None] * len(lines)
        self.nodes: dict[str, Node] = {}
        self.groups: dict[int, str] = {}
        self.group_label = group_label
        self.sections: dict[str, tuple[str, list[str], str]] = {}  # key -> title, path, kind

    def item(self, g: int, i: int, title: str = "") -> Node:
        """Item ``(i)`` of group `g`, created on first mention; the first title given sticks."""
        key = f"{g}.{i}"
        if key not in self.nodes:
            self.nodes[key] = Node(key, f"({i})", title.strip(), g, i)
        elif not self.nodes[key].title:
            self.nodes[key].title = title.strip()
        return self.nodes[key]

    def contents(self, g: int, i: int) -> list[Node]:
        return [n for n in self.nodes.values() if n.group == g and n.item == i and n.content]

    def content(self, g: int, i: int, circ: str | None, text: str, create: bool = False) -> Node | None:
        """The content of item (g, i) named by `text` (longest title prefix) or else by number `circ`."""
        t = repeat_key(text)
        best = None
        for n in self.contents(g, i):
            nt = repeat_key(n.title)
            if nt and (t.startswith(nt) or (len(t) >= 4 and nt.startswith(t))):
                if best is None or len(nt) > len(repeat_key(best.title)):
                    best = n
        if best or not circ:
            return best
        n_ = circled_value(circ)
        key = f"{g}.{i}.{n_}"
        if key not in self.nodes and create:
            self.item(g, i)
            self.nodes[key] = Node(key, f"({i}){circ}", text.strip(), g, i, n_)
        return self.nodes.get(key)

    def section(self, key: str, title: str, path: list[str], kind: str = "section") -> str:
        self.sections.setdefault(key, (title, path, kind))
        return key

    def assign(self, a: int, b: int, owner: str) -> None:
        """Give lines a..b that have no owner yet to `owner`."""
        for k in range(a, b):
            if self.owner[k] is None:
                self.owner[k] = owner

    def group_name(self, g: int) -> str:
        return self.groups.get(g, f"{self.group_label}{g}")


def owner_spans(lines: list[Line], owner: list[str | None], clean: MappedText) -> dict[str, list[Span]]:
    """Original spans of each owner: runs of consecutive owned lines (blank lines do not break a run)."""
    spans: dict[str, list[Span]] = {}
    run_owner, run_a, run_b = None, 0, 0
    for ln, own in list(zip(lines, owner)) + [(None, None)]:
        if ln is not None and not ln.text.strip():
            continue
        if ln is None or own != run_owner:
            if run_owner is not None:
                spans.setdefault(run_owner, []).append(to_original(clean, run_a, run_b))
            run_owner, run_a = own, ln.start if ln else 0
        if ln is not None:
            run_b = ln.end
    return spans


def build(tree: ItemTree, clean: MappedText, meta: DocumentMeta) -> ParsedDocument:
    """Initiatives (items, then their contents, in number order) and the sections that own lines."""
    spans = owner_spans(tree.lines, tree.owner, clean)
    index = title_index((nd.key, nd.title) for nd in tree.nodes.values() if nd.content)
    inits: list[Initiative] = []
    for nd in sorted(tree.nodes.values(), key=lambda x: (x.group, x.item, x.content or 0)):
        path = [tree.group_name(nd.group)]
        parent = None
        if nd.content:
            parent = tree.nodes[f"{nd.group}.{nd.item}"]
            path.append(f"({nd.item}) {parent.title}".strip())
        orig = repeat_of(nd.key, nd.title, index)
        if is_repeat(nd.title):
            nd.extra["repeat"] = "再掲"
        inits.append(
            Initiative(
                id=f"{meta.id}:{nd.key}", document_id=meta.id, city=meta.city, number=nd.number,
                title=strip_repeat(nd.title), heading_path=path, departments=nd.departments, ratings=nd.ratings,
                spans=spans.get(nd.key, []), repeat_of=f"{meta.id}:{orig}" if orig else None,
                parent_id=f"{meta.id}:{parent.key}" if parent else None, extra=nd.extra,
            )
        )
    sections = [
        Section(id=f"{meta.id}:{key}", document_id=meta.id, title=title, heading_path=path, spans=spans[key], kind=kind)
        for key, (title, path, kind) in tree.sections.items()
        if key in spans
    ]
    return ParsedDocument(initiatives=inits, sections=sections)

"""Tests for ingest.structure.itemtree (group → item → content nodes, line owners, build)."""

from __future__ import annotations

from ingest.normalize import clean
from ingest.records import DocumentMeta
from ingest.structure.itemtree import ItemTree, build, owner_spans
from ingest.structure.textlines import Line, lines_of

META = DocumentMeta("d", "市", "test", "evaluation_report", (2024,), "x.txt")


def _tree(text: str = "") -> ItemTree:
    return ItemTree(lines_of(clean(text)))


def test_contents_found_by_title_prefix_or_number() -> None:
    tree = _tree()
    item = tree.item(1, 2, "情報発信の推進")
    assert tree.item(1, 2, "別の題") is item and item.title == "情報発信の推進"
    c = tree.content(1, 2, "①", "広報活動の展開", create=True)
    assert c is not None and (c.key, c.number, c.content) == ("1.2.1", "(2)①", 1)
    assert tree.content(1, 2, None, "広報活動の展開 SNSで発信する") is c  # title prefix
    assert tree.content(1, 2, "①", "まったく違う") is c  # number
    assert tree.content(1, 2, "②", "未知") is None  # not created unless asked
    assert [n.key for n in tree.contents(1, 2)] == ["1.2.1"]


def test_ratings_once_per_year_and_label() -> None:
    node = _tree().item(1, 1, "x")
    node.rate(2024, "A", "評価")
    node.rate(2024, "B", "評価")
    node.rate(2024, "—", "個別評価")
    assert [(r.year, r.value, r.label) for r in node.ratings] == [(2024, "A", "評価")]


def test_owner_spans_are_runs_and_blank_lines_do_not_break_them() -> None:
    text = "甲です\n\n乙です\n丙です\n丁です"
    c = clean(text)
    lines = lines_of(c)
    lines.insert(1, Line(9, "", lines[0].end, lines[0].end))  # a blank line kept by the cleaner
    spans = owner_spans(lines, ["x", None, "x", "y", "x"], c)
    assert spans == {"x": [(0, 8), (13, 16)], "y": [(9, 12)]}


def test_build_orders_nodes_links_repeats_and_keeps_owned_sections() -> None:
    text = "前書き\n(1) 項目\n①内容A\n(2) 別の項目\n①内容A(再掲)\n"
    tree = _tree(text)
    tree.groups[1] = "基本方針1 テスト"
    item = tree.item(1, 1, "項目")
    a = tree.content(1, 1, "①", "内容A", create=True)
    other = tree.item(1, 2, "別の項目")
    b = tree.content(1, 2, "①", "内容A(再掲)", create=True)
    assert a is not None and b is not None
    tree.assign(0, 1, tree.section("s-front", "前書き", []))
    tree.section("s-empty", "誰も持たない", [])
    for k, node in ((1, item), (2, a), (3, other), (4, b)):
        tree.owner[k] = node.key
    doc = build(tree, clean(text), META)
    assert [i.id for i in doc.initiatives] == ["d:1.1", "d:1.1.1", "d:1.2", "d:1.2.1"]
    rep = doc.initiatives[3]
    assert (rep.title, rep.repeat_of, rep.extra["repeat"], rep.parent_id) == ("内容A", "d:1.1.1", "再掲", "d:1.2")
    assert (rep.number, rep.heading_path) == ("(2)①", ["基本方針1 テスト", "(2) 別の項目"])
    assert [s.id for s in doc.sections] == ["d:s-front"]
    assert text[slice(*doc.initiatives[1].spans[0])] == "①内容A"

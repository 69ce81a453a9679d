"""Tests for ingest.structure.evaluation (overview list, rating table, comment blocks)."""

from __future__ import annotations

from ingest.normalize import clean
from ingest.structure.evaluation import parse_overview, read_block
from ingest.structure.itemtree import ItemTree
from ingest.structure.textlines import lines_of

BLOCK = """基本方針1 まちづくりの推進
(1) 市民との協働 ①地域コミュニティの活性化 ②拠点施設の整備 (2) 情報発信 ①広報活動の展開
人口減少が進んでいます。
(2) 評価とコメント
令和6年度
(1) 市民との協働 ①地域コミュニティの活性化 B B
②拠点施設の整備 A
(2) 情報発信 ①広報活動の展開 A A
ア 市民との協働
「①地域コミュニティの活性化」は、加入促進活動が実施されている
ものの、加入率は低下しています。
協働については、加入率の低下が課題です。
イ 情報発信
「①広報活動の展開」は、フォロワー数が増加しました。
"""


def test_overview_list() -> None:
    tree = ItemTree(lines_of(clean("")))
    parse_overview(tree, 3, "(1) 項目A ①内容一 ②内容二 (2) 項目B ①内容三")
    assert {k: n.title for k, n in tree.nodes.items()} == {
        "3.1": "項目A", "3.1.1": "内容一", "3.1.2": "内容二", "3.2": "項目B", "3.2.1": "内容三"}


def test_block_ratings_and_owners() -> None:
    tree = ItemTree(lines_of(clean(BLOCK)))
    tree.groups[1] = "基本方針1 まちづくりの推進"
    read_block(tree, 0, len(tree.lines), 1, "s-policy1", ["第1章"])
    assert tree.sections["s-policy1"] == ("基本方針1 まちづくりの推進", ["第1章"], "section")
    rate = {k: {(r.year, r.value, r.label) for r in n.ratings} for k, n in tree.nodes.items()}
    assert rate["1.1"] == {(2024, "B", "評価")} and rate["1.1.2"] == {(2024, "A", "個別評価")}
    assert rate["1.2.1"] == {(2024, "A", "個別評価")}
    owner = {ln.text: o for ln, o in zip(tree.lines, tree.owner)}
    assert owner["人口減少が進んでいます。"] == "s-policy1"
    assert owner["ものの、加入率は低下しています。"] == "1.1.1"  # a wrapped paragraph stays
    assert owner["協働については、加入率の低下が課題です。"] == "1.1"  # the closing comment
    assert owner["「①広報活動の展開」は、フォロワー数が増加しました。"] == "1.2.1"

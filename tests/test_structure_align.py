"""Tests for ingest.structure.align: scrambled multi-column result paragraphs back to their items."""

from __future__ import annotations

from ingest.structure.align import BREAK, HEAD, LABEL, SHORT, STRUCT, TEXT, Step, align, bigrams, idf_weights, walk


def test_bigrams_stay_inside_word_runs() -> None:
    assert bigrams("市債残高") == {"市債", "債残", "残高"}
    assert bigrams("AI、RPA") == {"AI", "RP", "PA"}
    assert bigrams("。") == set()


def test_idf_weights_rare_bigrams_weigh_more() -> None:
    idf = idf_weights(["市債の削減", "市債の発行", "基金の積立"])
    assert idf["基金"] > idf["市債"] > 0


def test_align_follows_shared_bigrams_monotonically() -> None:
    profiles = [bigrams("市債残高の削減"), bigrams("基金残高の増加"), bigrams("財務書類の活用")]
    idf = idf_weights(["市債残高の削減", "基金残高の増加", "財務書類の活用", "市債を削減した。", "基金を積み増した。"])
    paras = [("市債の発行を抑制し削減した。", True), ("基金に積み増し増加した。", True), ("財務書類を公表し活用した。", True)]
    assert align(paras, profiles, idf) == [0, 1, 2]
    # a connective paragraph continues the previous item
    assert align(paras[:1] + [("また、市債の借換えを行った。", False)] + paras[1:], profiles, idf) == [0, 0, 1, 2]
    assert align([], profiles, idf) == [] and align(paras, [], idf) == []


def test_walk_fixed_free_and_orphan_lines() -> None:
    texts = [
        "方向性1",  # 0 structural: orphan before any header
        "取組項目23 財政指標の目標達成",  # 1
        "推進部署 財政課",  # 2 label
        "財政指標の達成に向け取り組んだ。",  # 3 printed right under the header: fixed
        "取組項目24 市債残高の削減",  # 4
        "推進部署 財政課",  # 5
        "／会計課",  # 6 label continued
        "R4",  # 7 break
        "規律ある財政運営を推進していきます。",  # 8 description: orphan
        "R4",  # 9
        "市債残高を削減した。",  # 10 free: aligned to 24
        "基本事業2",  # 11 struct
    ]
    steps = [Step(STRUCT), Step(HEAD, "23", "財政指標の目標達成"), Step(LABEL, text="財政課"),
             Step(TEXT), Step(HEAD, "24", "市債残高の削減"), Step(LABEL, text="財政課"),
             Step(LABEL, text="／会計課", otherwise=SHORT), Step(BREAK), Step(TEXT), Step(BREAK), Step(TEXT),
             Step(STRUCT)]
    got = walk(texts, steps)
    assert got.lines == {"23": [1, 2, 3], "24": [4, 5, 6, 10]}
    assert got.labels == {"23": "財政課", "24": "財政課／会計課"}
    assert got.paragraphs == {"23": ["財政指標の達成に向け取り組んだ。"], "24": ["市債残高を削減した。"]}
    assert sorted(got.orphans) == [(0, "23"), (7, "24"), (8, "24"), (9, "24"), (11, "24")]


def test_walk_label_away_from_a_header_reads_as_otherwise() -> None:
    texts = ["取組項目1 表題", "本文です。", "推進部署 財政課"]
    steps = [Step(HEAD, "1", "表題"), Step(TEXT), Step(LABEL, text="財政課", otherwise=SHORT)]
    got = walk(texts, steps)
    assert got.labels == {} and got.orphans == [(1, "1"), (2, "1")]


def test_walk_without_headers_keeps_everything_orphan() -> None:
    got = walk(["前文です。", "見出し"], [Step(TEXT), Step(SHORT)])
    assert got.lines == {} and [i for i, _ in got.orphans] == [0, 1]

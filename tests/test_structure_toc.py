"""Tests for ingest.structure.toc (tables of contents and the headings they list)."""

from __future__ import annotations

from ingest.normalize import clean
from ingest.structure.textlines import lines_of
from ingest.structure.toc import listed_headings, toc_entries

TEXT = """報告書
目 次
第1章 取組と評価 1
用語説明 40
評価一覧 45
第1章 取組と評価
本文です。用語説明は巻末にあります。
資料1 用語説明
RPA:ロボティック・プロセス・オートメーション
評価一覧
"""


def test_entries_and_listed_headings() -> None:
    lines = lines_of(clean(TEXT))
    toc, titles, after = toc_entries(lines)
    assert (toc, titles, after) == (1, ["第1章 取組と評価", "用語説明", "評価一覧"], 5)
    heads = listed_headings(lines, after + 1, titles[1:])
    # a mention inside a sentence is not a heading; a short prefix (資料1) is allowed
    assert heads == [(7, "資料1 用語説明"), (9, "評価一覧")]


def test_no_toc() -> None:
    lines = lines_of(clean("本文だけ\n2行目\n"))
    assert toc_entries(lines) == (-1, [], 0)
    assert listed_headings(lines, 0, []) == []

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


def test_toc_blocks_leaders_titles_on_their_own_line_and_a_toc_head() -> None:
    from ingest.structure.toc import toc_blocks

    body = ["1.目的", "本市は計画を定めた。", "2.位置付け", "本計画は総合計画の下にある。", "3.体系", "三つの柱からなる。"]
    assert toc_blocks(["大綱", "目 次", "1.目的・・・・・・2", "2.位置付け・・・・2", "3.体系・・・・・・3", *body]) == [(1, 5)]
    # a PDF transcription puts each title and its dot leaders on separate lines (here not at the top)
    split = ["表紙", "はじめに。", "第1章 必要性", "・・・・・1", "⑴", "これまで", "・・・・・1", "第2章 計画期間", "・・・・・4",
             "第1章 必要性", "⑴ これまで", "本市では平成8年に大綱を定めた。", "第2章 計画期間", "5年間とする。"]
    assert toc_blocks(split) == [(2, 9)]
    # after a 目次 line a title and a page number suffice; elsewhere they are table cells
    assert toc_blocks(["目次", "第1章 取組と評価 1", "用語説明 40", "第1章 取組と評価", "本文。", "用語説明"]) == [(0, 3)]
    assert toc_blocks(["職員数 12", "予算 30", "人件費 40", "本文。"]) == []
    assert toc_blocks(["1.目的・・・2", "本市は令和5年度に計画を定めた。", "2.体系・・・3", *body]) == []


def test_toc_blocks_keep_content_that_only_looks_like_contents() -> None:
    from ingest.structure.toc import toc_blocks

    # dotted rows of amounts or yearly targets: their labels are not found again as headings
    assert toc_blocks(["人件費・・・・120", "物件費・・・・・80", "扶助費・・・・・95", "合計・・・・・295", "本文。"]) == []
    assert toc_blocks(["目標", "令和6年度・・・・・・20", "令和7年度・・・・・・30", "令和8年度・・・・・・45", "本文。"]) == []
    # short row labels (4月, R6) cannot confirm a table; the lines after it must not confirm it either
    assert toc_blocks(["4月・・・・12", "5月・・・・15", "6月・・・・20", "今後の方針", "本文。"]) == []
    assert toc_blocks(["目標値", "R6・・・・20", "R7・・・・30", "R8・・・・45", "単位:件", "(見込み)", "本文。"]) == []
    # the block ends where the body repeats a listed title, so the first heading and a short table stay
    overrun = ["表紙", "目 次", "第1章 計画の概要・・・・1", "第2章 取組・・・・5", "第3章 推進体制・・・・20",
               "第1章 計画の概要", "1 職員数の推移", "平成30年度 25", "令和5年度 31", "職員数は減少。", "第2章 取組", "第3章 推進体制"]
    assert toc_blocks(overrun) == [(1, 5)]
    # a document title above the first entry is no entry
    cover = ["テスト市第三次行政改革大綱", "1.目的・・・・・2", "2.体系・・・・・3", "3.推進体制・・・・5", "1.目的", "2.体系", "3.推進体制"]
    assert toc_blocks(cover) == [(1, 4)]
    # an appendix whose pages restart is a second table, not a reason to keep the first
    restart = ["目 次", "第1章 目的・・・・1", "第2章 取組・・・・5", "第3章 推進・・・・9", "【資料編】", "資料1 条例・・・・1",
               "資料2 要綱・・・・3", "資料3 名簿・・・・4", "第1章 目的", "第2章 取組", "第3章 推進", "資料1 条例", "資料2 要綱"]
    assert toc_blocks(restart) == [(0, 4), (5, 8)]


def test_a_table_of_contents_is_a_section_that_is_not_chunked() -> None:
    from ingest.chunking import ChunkParams
    from ingest.pipeline import ingest_document
    from ingest.records import DocumentMeta

    text = "\n".join(["第三次テスト市行政改革実施計画", "目 次", "1.計画の目的・・・・・・・2", "2.取組項目・・・・・・・3",
                      "3.推進体制・・・・・・・・9", "1.計画の目的", "本計画は、持続可能な行財政運営を目的とする。" * 3,
                      "2.取組項目", "(1) 窓口のオンライン化", "担当課:市民課", "電子申請の対象手続を拡大する。",
                      "(2) 公共施設の再編", "担当課:企画課", "利用の少ない施設を統合する。", "3.推進体制",
                      "行政改革推進本部が毎年度進捗を管理し、結果を公表する。" * 3])
    meta = DocumentMeta(id="fx", city="テスト市", title="t", kind="other", fiscal_years=(2023,), file="t.txt")
    doc = ingest_document(meta, text, ChunkParams())
    tocs = [s for s in doc.sections if s.kind == "toc"]
    assert len(tocs) == 1 and text[tocs[0].spans[0][0]:tocs[0].spans[-1][1]].startswith("目 次")
    assert all("・・・" not in c.text for c in doc.chunks)  # the TOC is kept as a record, not as a passage
    assert any("推進本部" in c.text for c in doc.chunks) and any("電子申請" in c.text for c in doc.chunks)

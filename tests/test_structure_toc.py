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

    dotted = ["大綱", "目 次", "1.目的・・・・・・2", "2.位置付け・・・・2", "3.体系・・・・・・3", "1.目的", "本市は。"]
    assert toc_blocks(dotted) == [(1, 5)]
    # a PDF transcription puts each title and its dot leaders on separate lines
    split = ["表紙", "第1章 必要性", "・・・・・1", "⑴", "これまで", "・・・・・1", "第2章 計画期間", "・・・・・4",
             "第1章 必要性", "本市では平成8年に大綱を定めた。"]
    assert toc_blocks(split) == [(1, 8)]
    # after a 目次 line a title and a page number suffice; elsewhere they are table cells
    assert toc_blocks(["目次", "第1章 取組と評価 1", "用語説明 40", "本文。"]) == [(0, 3)]
    assert toc_blocks(["職員数 12", "予算 30", "人件費 40", "本文。"]) == []
    assert toc_blocks(["1.目的・・・2", "本市は令和5年度に計画を定めた。", "2.体系・・・3"]) == []
    # dotted rows of amounts are a table, not contents: their numbers do not run in page order
    assert toc_blocks(["人件費・・・・120", "物件費・・・・・80", "扶助費・・・・・95", "合計・・・・・295"]) == []


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

"""Tests for the 小平市 経営方針推進プログラム 進捗状況 parser."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from ingest.normalize import clean, compact
from ingest.parsers import kodaira
from ingest.records import DocumentMeta, ParsedDocument
from tests.parser_support import corpus_meta, parse_corpus_file, parse_text, spans_text

ROOT = Path(__file__).resolve().parents[1]
DOC_ID = "kodaira-2022-progress"

# Copied from the file (double-spaced, circled numbers alone on their line, a trailing
# blank ends each table cell).
RATED_EXCERPT = """小平市第1期経営方針推進プログラム
（令和3年度～令和6年度）進捗状況

【令和4年度末】

「A」：年度当初の予定どおりに進捗

◆◇実施プログラム◇◆ 速やかに取組に着手する 20項目のプログラムです。 

方向性１ 地域資源によるサービスの実現 
 

①  

幅広い市

民意見の

収集 

・アンケート調査や無作為抽出型

など、より広く多様な意見収集 

・新しい生活様式を踏まえた試行

的な取組である WEB 会議や動

画配信による意見聴取などによ

る市民参加 

・より広く多様

な意見の収集 

・試行的に取り

組んでいる市

民参加手法の

成果と課題の

整理 

    

・案件の内容や意見聴取時の社会情勢等にあわせた市民参加手法を適切に実

施する。 

・市民参加手法の実施状況を踏まえた課題等を整理し、手法の一つとして定着

させていく。 

・新型コロナウイルス感染症への対応をはじめ、必要に応じ

て、動画配信や Web 会議を活用した意見交換などの市民

参加手法を実施した。 

・こども基本法で定められた、子ども施策に対する子ど

も等の意見の反映の趣旨を踏まえた市民参加手法の検

討が必要である。 

A 

実施プログラムの「評価」欄の見方 

実施 

実施 
"""

UNRATED_EXCERPT = """◇◆検討プログラム◆◇ 具体的な取組への着手に向けて検討を要する８項目のプログラムです。 

方向性１ 地域資源によるサービスの実現 

㉑ 
広報活動ガイドラ

インの策定 

全庁的に情報発信について課題を

共有し、広報活動ガイドラインの策定

等、広報の仕組みの再構築を検討 

 

・今年度中に広報活動ガイドラインを策定する。策定後は庁内への周知を図り、広報

の目的、手法、効果の理解を深め、広報活動を進めていく。 

・令和 5年 3月に「小平市広報活動ガイドライン」を策定し、庁内に周知した。 ・市報やホームページに記事を掲載するだけの「お知らせ型の広報」ではな

く、市民等に必要な情報をわかりやすく伝えていく、「伝わる広報」を実践し

ていくことが必要となる。 

実証実験 

・検証 
"""


def _meta() -> DocumentMeta:
    return corpus_meta(DOC_ID)


def _parse(text: str) -> ParsedDocument:
    return parse_text(kodaira.parse, text, DOC_ID)


_text = spans_text


@pytest.fixture(scope="module")
def full() -> tuple[str, ParsedDocument]:
    text, _meta_, parsed = parse_corpus_file(kodaira.parse, DOC_ID)
    return text, parsed


# --- unit behaviour on excerpts -------------------------------------------------------


def test_rated_excerpt() -> None:
    doc = _parse(RATED_EXCERPT)
    assert len(doc.initiatives) == 1
    p = doc.initiatives[0]
    assert (p.id, p.number, p.title) == (f"{DOC_ID}:p01", "①", "幅広い市民意見の収集")
    assert p.heading_path == ["実施プログラム", "方向性1 地域資源によるサービスの実現"]
    assert [(r.year, r.value) for r in p.ratings] == [(2022, "A")]
    assert p.status == "年度当初の予定どおりに進捗"
    assert p.extra["items"].count("・") == 2 and "意見の収集" in p.extra["items"]
    assert p.extra["plan"].startswith("・案件の内容") and p.extra["plan"].count("・") == 2
    assert p.extra["result"].endswith("参加手法を実施した。")
    assert p.extra["issues"].startswith("・こども基本法")
    # The circled number (dropped by clean()) starts the span; the page-end legend is a section.
    text = _text(RATED_EXCERPT, p.spans)
    assert text.startswith("①幅広い市民意見の収集") and text.endswith("A")
    assert "評価」欄の見方" not in text
    assert any(s.title.startswith("実施プログラムの「評価」欄の見方") for s in doc.sections)


def test_unrated_excerpt() -> None:
    doc = _parse(UNRATED_EXCERPT)
    (p,) = doc.initiatives
    assert (p.number, p.title, p.ratings, p.status) == ("㉑", "広報活動ガイドラインの策定", [], "")
    assert p.heading_path == ["検討プログラム", "方向性1 地域資源によるサービスの実現"]
    assert p.extra["direction"].startswith("全庁的に情報発信")
    # Two cells printed on one line are split at "。 ・".
    assert compact(p.extra["result"]) == "・令和5年3月に「小平市広報活動ガイドライン」を策定し、庁内に周知した。"
    assert p.extra["issues"].startswith("・市報やホームページ")
    # Leftover schedule cells after the last sentence are not part of the program.
    assert "実証実験" not in _text(UNRATED_EXCERPT, p.spans)
    assert any("実証実験" in _text(UNRATED_EXCERPT, s.spans) for s in doc.sections)


@pytest.mark.parametrize("text", ["", "こんにちは\n\n世界", "①\n\n", "方向性１ テスト\nA\n", "No\n№ 1\n"])
def test_robust_on_unrelated_text(text: str) -> None:
    doc = _parse(text)
    if not text.strip():
        assert doc.initiatives == [] and doc.sections == []
    for rec in [*doc.initiatives, *doc.sections]:
        assert all(0 <= s <= e <= len(text) for s, e in rec.spans)


# --- the full document -----------------------------------------------------------------


def test_programs(full: tuple[str, ParsedDocument]) -> None:
    _, doc = full
    numbers = [i.number for i in doc.initiatives]
    assert numbers == [chr(c) for c in range(0x2460, 0x2474)] + [chr(c) for c in range(0x3251, 0x3259)]
    assert [i.id for i in doc.initiatives] == [f"{DOC_ID}:p{n:02d}" for n in range(1, 29)]
    rated, unrated = doc.initiatives[:20], doc.initiatives[20:]
    assert all(len(i.ratings) == 1 and i.ratings[0].year == 2022 for i in rated)
    assert Counter(i.ratings[0].value for i in rated) == {"A": 18, "B": 2}
    assert [i.number for i in rated if i.ratings[0].value == "B"] == ["⑧", "⑫"]
    assert all(i.ratings == [] and i.status == "" for i in unrated)
    assert all(i.heading_path[0] == "実施プログラム" for i in rated)
    assert all(i.heading_path[0] == "検討プログラム" for i in unrated)
    assert all(i.city == "小平市" and i.document_id == DOC_ID and i.departments == [] for i in doc.initiatives)


def test_known_programs(full: tuple[str, ParsedDocument]) -> None:
    _, doc = full
    by = {i.number: i for i in doc.initiatives}
    assert by["②"].title == "公文書管理の適正化の推進及び歴史公文書の保存と利用環境の整備"
    assert by["⑥"].heading_path == ["実施プログラム", "方向性1 地域資源によるサービスの実現"]
    assert by["⑦"].heading_path == ["実施プログラム", "方向性2 将来に向けた財政運営・財産活用"]
    assert by["⑧"].title == "事業の精査と見直し"
    assert by["⑧"].status == "年度当初の予定よりも遅れている"
    assert "約130万円" in by["⑧"].extra["result"] and "約130万円" not in by["⑧"].extra["issues"]
    assert len(by["⑦"].extra["items"].splitlines()) == 5
    assert by["⑫"].title == "文書の電子化・ペーパーレス化"
    assert "電子決裁率80%を目指す" in by["⑫"].extra["plan"]
    assert by["⑫"].extra["target"].startswith("・4 年間で電子決裁対象文書の電子決裁率90%以上")
    assert by["⑬"].title == "DXの推進(システムの標準化・共同化の推進)"
    assert by["⑰"].ratings[0].value == "A"  # the rating printed at the end of a text line
    assert by["⑳"].title == "働き方改革の推進・DXの推進(テレワーク体制の整備)"
    assert by["㉔"].heading_path == ["検討プログラム", "方向性3 運営・業務執行体制の効率化"]
    assert by["㉘"].title == "職制の見直し"
    assert by["㉘"].heading_path == ["検討プログラム", "方向性4 職員と職場の活性化"]
    for p in doc.initiatives:  # every program has its five (four) printed columns
        assert {"direction", "plan", "result", "issues"} <= set(p.extra)
        assert ("items" in p.extra) == bool(p.ratings)


def test_sections(full: tuple[str, ParsedDocument]) -> None:
    text, doc = full
    titles = [s.title for s in doc.sections]
    assert "進捗状況の概要" in titles
    ref = next(s for s in doc.sections if s.title.startswith("【参考】"))
    assert ref.heading_path == ["進捗状況の概要"]
    body = _text(text, ref.spans)
    assert "事業の精査と" in body and "電子決裁の対象を拡大する" in body
    overview = next(s for s in doc.sections if s.title == "進捗状況の概要")
    assert "18プログラムが「予定どおりに進捗」" in _text(text, overview.spans)


def test_spans_hold_titles(full: tuple[str, ParsedDocument]) -> None:
    text, doc = full
    for p in doc.initiatives:
        body = _text(text, p.spans)
        assert body.startswith(p.number) and compact(p.title) in body
        assert not any(h in body for h in ("方向性1", "方向性2", "実施プログラム◇", "検討プログラム◆"))


def test_coverage_and_no_overlap(full: tuple[str, ParsedDocument]) -> None:
    text, doc = full
    spans = sorted(s for rec in [*doc.initiatives, *doc.sections] for s in rec.spans)
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))
    covered = bytearray(len(text))
    for s, e in spans:
        covered[s:e] = b"\x01" * (e - s)
    chars = [i for i, c in enumerate(text) if not c.isspace()]
    assert sum(covered[i] for i in chars) / len(chars) >= 0.95


def test_ids_unique_and_stable(full: tuple[str, ParsedDocument]) -> None:
    text, doc = full
    ids = [r.id for r in [*doc.initiatives, *doc.sections]]
    assert len(ids) == len(set(ids))
    again = kodaira.parse(text, clean(text), _meta())
    assert [r.to_dict() for r in again.initiatives] == [r.to_dict() for r in doc.initiatives]
    assert [s.to_dict() for s in again.sections] == [s.to_dict() for s in doc.sections]

"""Tests for the 昭島市 evaluation-report parser (ingest/parsers/akishima.py)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from ingest.normalize import clean, compact
from ingest.parsers.akishima import parse
from ingest.records import DocumentMeta, Initiative, ParsedDocument
from tests.parser_support import parse_corpus_file

ROOT = Path(__file__).resolve().parents[1]
CORPORA = ROOT / "corpora"
DOC_ID = "akishima-2024-evaluation"
META = DocumentMeta("t-doc", "昭島市", "test", "evaluation_report", (2024,), "x.txt")


def _run(text: str, meta: DocumentMeta = META) -> ParsedDocument:
    return parse(text, clean(text), meta)


def _by_key(doc: ParsedDocument, meta: DocumentMeta = META) -> dict[str, Initiative]:
    return {i.id.removeprefix(meta.id + ":"): i for i in doc.initiatives}


def _ratings(init: Initiative, label: str) -> dict[int | None, str]:
    return {r.year: r.value for r in init.ratings if r.label == label}


def _span_text(original: str, spans: list[tuple[int, int]]) -> str:
    return compact("\n".join(original[s:e] for s, e in spans))


# --- small excerpts -------------------------------------------------------------------

CHAPTER1 = """第1章 令和6年度の取組と評価
1 評価の判断基準
基本方針1 新たな時代に対応したまちづくりの推進
基本方針1 新たな時代に対応したまちづくりの推進
(1) 市民や団体との連携、参画・協働によるまちづくりの推進 ①地域コミュニティの活性化 ②市民総合交流拠点施設の整備 (2) 効果的・戦略的な情報発信の推進 ①広報活動の展開
人口減少・超高齢社会が進展し、市民が求めるニーズは多様化しています。
(2) 評価とコメント
取組項目名 取組内容 個別評価 評価
令和6年度
(1) 市民や団体との連携、参画・協働によるまちづくりの推進 ①地域コミュニティの活性化 B B
②市民総合交流拠点施設の整備 A
(2) 効果的・戦略的な情報発信の推進 ①広報活動の展開 A A
ア 市民や団体との連携、参画・協働によるまちづくりの推進
「①地域コミュニティの活性化」は、自治会補助金制度や加入促進活動が着実に実施されている
ものの、自治会の加入率は低下の傾向にあります。個別評価を「B」としました。
「②市民総合交流拠点施設の整備」は、整備が進められていることから個別評価を「A」としました。
市民や団体との連携、参画・協働によるまちづくりの推進については、自治会加入率の低下は大きな課題です。
イ 効果的・戦略的な情報発信の推進
「①広報活動の展開」は、フォロワー数が増加していることから、個別評価を「A」としました。
"""

SHEET = (
    "第2章 各取組項目の状況と評価\n"
    "基本方針\t基本方針2 効果的・効率的な行財政運営\t\t\t\t\n"
    "取組項目名\t(4) 広域連携の推進\t\t\t\t\n"
    "取組内容\t<p>① 広域連携の推進 公共施設の相互利用や職員の人事交流など、広域連携の取組を推進する。</p> "
    "<p>② 広域連携サミットの実施 首長による意見交換を行う広域連携サミットを実施する。</p>\n"
    "担当課\t①企画政策課 関係各課 ②企画政策課\t\t\t\t\n"
    "評価\t令和4年度\t令和5年度\t令和6年度\t令和7年度\t令和8年度\n"
    "\tB\tB\tB\t—\t—\n"
    "\n"
    "主な事業\t① 広域連携の推進\t\t\t\t\n"
    "具体的な取組\t広域連携の推進\t\t\t\t\n"
    "\t令和6年度の取組\t\t令和6年度の成果・効果\t\t\n"
    '\t<ul style="list-style-type: none"> 5市情報セキュリティ外部監査事業 5市図書館相互利用 \n'
    "個別評価\t令和4年度\t令和5年度\t令和6年度\t令和7年度\t令和8年度\n"
    "\tB\tB\tB\t—\t—\n"
    "\n"
    "具体的な取組\t\t② 広域連携サミットの実施\t\t\t\t\n"
    '\t\t<ul style="list-style-type: none"> 令和6年10月21日に広域連携サミットを開催 \n'
    "個別評価\t令和4年度\t令和5年度\t令和6年度\t令和7年度\t令和8年度\t\n"
    "\tA\tB\tA\t—\t—\t\n"
    "今後の取組方針\t\t<p>① 広域連携の推進 引き続きそれぞれの広域連携を継続して実施していく。</p> "
    "<p>② 広域連携サミットの実施 共同文書に基づき事業連携を推進していく。</p>\n"
)


def test_chapter1_excerpt_items_contents_and_table_ratings() -> None:
    doc = _run(CHAPTER1)
    inits = _by_key(doc)
    assert list(inits) == ["1.1", "1.1.1", "1.1.2", "1.2", "1.2.1"]
    c = inits["1.1.2"]
    assert (c.number, c.title, c.parent_id) == ("(1)②", "市民総合交流拠点施設の整備", "t-doc:1.1")
    assert c.heading_path == ["基本方針1 新たな時代に対応したまちづくりの推進", "(1) 市民や団体との連携、参画・協働によるまちづくりの推進"]
    assert _ratings(c, "個別評価") == {2024: "A"}
    assert _ratings(inits["1.1"], "評価") == {2024: "B"}
    assert inits["1.1"].heading_path == ["基本方針1 新たな時代に対応したまちづくりの推進"]
    # a wrapped paragraph stays with its 取組内容; the closing comment goes to the 取組項目
    assert "自治会の加入率は低下の傾向" in _span_text(CHAPTER1, inits["1.1.1"].spans)
    assert "自治会加入率の低下は大きな課題" in _span_text(CHAPTER1, inits["1.1"].spans)
    assert "自治会加入率の低下は大きな課題" not in _span_text(CHAPTER1, inits["1.1.1"].spans)
    intro = next(s for s in doc.sections if s.id == "t-doc:s-policy1")
    assert "人口減少・超高齢社会" in _span_text(CHAPTER1, intro.spans)


def test_sheet_excerpt_ratings_departments_and_irregular_business_heading() -> None:
    doc = _run(SHEET)
    inits = _by_key(doc)
    assert list(inits) == ["2.4", "2.4.1", "2.4.2"]
    assert _ratings(inits["2.4"], "評価") == {2022: "B", 2023: "B", 2024: "B"}
    # 「具体的な取組 ② …」 without a 主な事業 line still starts 取組内容 ②
    assert _ratings(inits["2.4.2"], "個別評価") == {2022: "A", 2023: "B", 2024: "A"}
    assert inits["2.4.1"].departments == ["企画政策課", "関係各課"]
    assert inits["2.4.2"].departments == ["企画政策課"]
    assert inits["2.4"].departments == ["企画政策課", "関係各課"]
    assert inits["2.4.1"].extra["plan"].startswith("公共施設の相互利用")
    text2 = _span_text(SHEET, inits["2.4.2"].spans)
    assert "令和6年10月21日に広域連携サミットを開催" in text2 and "共同文書に基づき" in text2
    assert "5市図書館相互利用" not in text2


def test_departments_with_shared_numbers_and_continuation_line() -> None:
    text = SHEET.replace("担当課\t①企画政策課 関係各課 ②企画政策課", "担当課\t①②行政経営担当 広報課\n③企画政策課")
    inits = _by_key(_run(text))
    assert inits["2.4.1"].departments == ["行政経営担当", "広報課"]
    assert inits["2.4.2"].departments == ["行政経営担当", "広報課"]
    assert inits["2.4"].departments == ["行政経営担当", "広報課", "企画政策課"]


@pytest.mark.parametrize("text", ["", "\n\n", "昭島市の天気は晴れです。\n明日も晴れるでしょう。", "基本方針 基本方針1\n"])
def test_empty_or_unrelated_text(text: str) -> None:
    doc = _run(text)
    assert doc.initiatives == []
    if text.strip():
        covered = "".join(text[s:e] for sec in doc.sections for s, e in sec.spans)
        assert compact(covered) == compact(text)


# --- the full document ------------------------------------------------------------------


@pytest.fixture(scope="module")
def full() -> tuple[str, DocumentMeta, ParsedDocument]:
    return parse_corpus_file(parse, DOC_ID)


def test_counts(full: tuple[str, DocumentMeta, ParsedDocument]) -> None:
    original, meta, doc = full
    items = [i for i in doc.initiatives if i.parent_id is None]
    contents = [i for i in doc.initiatives if i.parent_id is not None]
    # 4 基本方針, 18 取組項目 (4+4+5+5), 52 取組内容 (13+14+14+11, incl. 3 再掲)
    per_policy = Counter(i.heading_path[0].split()[0] for i in items)
    assert per_policy == {"基本方針1": 4, "基本方針2": 4, "基本方針3": 5, "基本方針4": 5}
    per_policy = Counter(i.heading_path[0].split()[0] for i in contents)
    assert per_policy == {"基本方針1": 13, "基本方針2": 14, "基本方針3": 14, "基本方針4": 11}
    # the report's own summary: "4つの基本方針と…18の取組項目"; one 個別評価 row per 取組内容 per sheet
    assert "18の取組項目" in original
    assert len(re.findall(r"^個別評価\t令和4年度", original, re.M)) == 1 + len(contents)  # + the example sheet
    ids = [x.id for x in doc.initiatives] + [s.id for s in doc.sections]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(rf"{meta.id}:[A-Za-z0-9._-]+", i) for i in ids)


def test_rating_counts_per_year(full: tuple[str, DocumentMeta, ParsedDocument]) -> None:
    _, _, doc = full
    counts = Counter((r.year, r.label, r.value) for i in doc.initiatives for r in i.ratings)
    # 令和6年度 totals are printed in the report's 評価の判断基準 (A 29 / B 23; items A 10 / B 8)
    assert counts == {
        (2022, "個別評価", "A"): 24, (2022, "個別評価", "B"): 28,
        (2023, "個別評価", "A"): 23, (2023, "個別評価", "B"): 29,
        (2024, "個別評価", "A"): 29, (2024, "個別評価", "B"): 23,
        (2022, "評価", "A"): 8, (2022, "評価", "B"): 10,
        (2023, "評価", "A"): 7, (2023, "評価", "B"): 11,
        (2024, "評価", "A"): 10, (2024, "評価", "B"): 8,
    }  # fmt: skip
    for init in doc.initiatives:
        label = "個別評価" if init.parent_id else "評価"
        assert sorted(_ratings(init, label)) == [2022, 2023, 2024], init.id


def test_chapter1_table_agrees_with_sheets(full: tuple[str, DocumentMeta, ParsedDocument]) -> None:
    original, meta, doc = full
    chapter1 = original[: [m.start() for m in re.finditer("第2章", original)][-1]]
    only1 = parse(chapter1, clean(chapter1), meta)
    r1 = {(i.id, r.year, r.label): r.value for i in only1.initiatives for r in i.ratings}
    rall = {(i.id, r.year, r.label): r.value for i in doc.initiatives for r in i.ratings}
    assert len(r1) == 70 and all(rall[k] == v for k, v in r1.items())


def test_specific_items(full: tuple[str, DocumentMeta, ParsedDocument]) -> None:
    _, meta, doc = full
    inits = _by_key(doc, meta)
    c = inits["1.1.3"]
    assert (c.number, c.title) == ("(1)③", "市民との協働による防災・防犯の取組について")
    assert c.departments == ["防災課", "生活コミュニティ課", "関係各課"]
    assert c.heading_path == ["基本方針1 新たな時代に対応したまちづくりの推進", "(1) 市民や団体との連携、参画・協働によるまちづくりの推進"]
    assert inits["1.1.2"].departments == ["市民総合交流拠点施設建設担当"]
    assert inits["1.1.4"].departments == ["企画政策課", "産業活性課", "環境課", "管理課"]
    assert _ratings(inits["1.2"], "評価") == {2022: "A", 2023: "B", 2024: "A"}
    assert _ratings(inits["1.3.3"], "個別評価") == {2022: "A", 2023: "B", 2024: "B"}
    assert inits["1.3.3"].title == "公共施設のFree Wi-Fi拡充"
    c = inits["3.5.1"]
    assert (c.title, c.departments, c.parent_id) == ("経常収支比率(数値目標)", ["財政課"], f"{meta.id}:3.5")
    assert _ratings(c, "個別評価") == {2022: "B", 2023: "A", 2024: "B"}
    c = inits["4.5.2"]
    assert (c.title, c.departments) == ("人事評価システムの活用", ["職員課", "関係各課"])
    assert _ratings(c, "個別評価") == {2022: "A", 2023: "B", 2024: "B"}
    assert inits["3.2"].departments == ["行政経営担当", "広報課", "関係各課", "企画政策課"]
    assert inits["3.2.3"].departments == ["企画政策課"]
    assert inits["2.2.1"].title == "公共施設等総合管理計画や個別施設計画等に基づく公共施設マネジメントの推進"


def test_repeats(full: tuple[str, DocumentMeta, ParsedDocument]) -> None:
    _, meta, doc = full
    inits = _by_key(doc, meta)
    repeats = {k: i.repeat_of for k, i in inits.items() if i.extra.get("repeat") == "再掲"}
    assert repeats == {"2.3.2": f"{meta.id}:2.2.3", "2.3.3": f"{meta.id}:2.2.4", "2.3.4": f"{meta.id}:2.2.5"}
    assert inits["2.3.2"].title == inits["2.2.3"].title == "指定管理者制度導入施設の拡充"
    assert inits["2.3.2"].number == "(3)②" and inits["2.3.2"].parent_id == f"{meta.id}:2.3"
    # a repeat has its own (different) rating history and its own text
    assert _ratings(inits["2.3.3"], "個別評価") == {2022: "A", 2023: "A", 2024: "B"}
    assert not set(inits["2.3.2"].spans) & set(inits["2.2.3"].spans)


def test_spans(full: tuple[str, DocumentMeta, ParsedDocument]) -> None:
    original, meta, doc = full
    spans = sorted(sp for x in [*doc.initiatives, *doc.sections] for sp in x.spans)
    assert all(b <= c for (_, b), (c, _) in zip(spans, spans[1:])), "spans overlap"
    for init in doc.initiatives:
        assert compact(init.title) in _span_text(original, init.spans), init.id
        assert len(init.spans) >= 4, init.id  # chapter 1 table + comment, sheet blocks
    inits = _by_key(doc, meta)
    t = _span_text(original, inits["1.1.1"].spans)
    assert "自治会補助金制度の実施" in t  # sheet (主な事業)
    assert "自治会の加入率は低下の傾向" in t  # chapter 1 comment
    assert "地域コミュニティ活動連携推進計画」を策定したため" in t  # sheet (今後の取組方針)
    assert "市民総合交流拠点施設建設工事" not in t
    assert "自治会加入率の低下に歯止めがかからない" in _span_text(original, inits["1.1"].spans)
    covered = bytearray(len(original))
    for s, e in spans:
        covered[s:e] = b"\1" * (e - s)
    visible = [k for k, ch in enumerate(original) if not ch.isspace()]
    assert sum(covered[k] for k in visible) / len(visible) >= 0.95


def test_sections(full: tuple[str, DocumentMeta, ParsedDocument]) -> None:
    original, meta, doc = full
    secs = {s.id.removeprefix(meta.id + ":"): s for s in doc.sections}
    assert secs["s-glossary"].kind == "glossary" and secs["s-glossary"].title == "用語説明"
    assert "RoboticProcessAutomation" in _span_text(original, secs["s-glossary"].spans)
    guide = secs["s-sheet-guide"]
    assert guide.title == "評価シートの見方" and guide.kind == "guide"
    # the example sheet is kept apart from the real sheet of 1.(1)
    assert "①生活コミュニティ課③防災課②" in _span_text(original, guide.spans)
    assert "①生活コミュニティ課③防災課②" not in _span_text(original, _by_key(doc, meta)["1.1"].spans)
    assert [s.title for s in doc.sections if s.kind == "index"] == ["評価一覧"]
    assert secs["s-criteria"].title == "1 評価の判断基準"


def test_stable(full: tuple[str, DocumentMeta, ParsedDocument]) -> None:
    original, meta, doc = full
    again = parse(original, clean(original), meta)
    assert [i.to_dict() for i in again.initiatives] == [i.to_dict() for i in doc.initiatives]
    assert [s.to_dict() for s in again.sections] == [s.to_dict() for s in doc.sections]

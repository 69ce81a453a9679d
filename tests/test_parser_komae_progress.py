"""Tests for the 狛江市 行財政改革推進計画 進捗状況 parser."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.normalize import clean, compact
from ingest.parsers import komae_progress
from ingest.parsers.komae_progress import split_departments
from ingest.records import DocumentMeta, ParsedDocument
from tests.parser_support import corpus_meta, parse_corpus_file, parse_text

ROOT = Path(__file__).resolve().parents[1]
DOC_ID = "komae-2022-progress"

LIST_EXCERPT = """４．取組項目一覧
施策１ 持続可能な財政運営の推進

方向性１ 財政規律の維持

基本事業１ 規律ある財政運営

取組項目 23 財政指標の目標達成に向けた取組の推進 P.16

取組項目 24 市債残高の削減及び基金残高の増加による将来負担の抑制 P.16
"""

DETAIL_EXCERPT = """方向性１

基本事業１ 指標№３・４・５

取組項目23 財政指標の目標達成に向けた取組の推進
推進部署 財政課

取組項目24 市債残高の削減及び基金残高の増加による将来負担の抑制
推進部署 財政課／関係各課（会計課）

施策２
決算余剰金の基金への積立て、連結負債残高の維持、市債発行額の抑制等、中長期的な財政見通しのもと、規
律ある持続可能な財政運営を推進していきます。

R4
年
度
の
取
組
状
況

　歳入の決算見込み等を踏まえ、起債の発行抑制や基金の積み増し、新たな国や都の補助金の獲得など
により、各指標の目標達成に向け取り組んだ。

R4
年
度
の
取
組
状
況

　臨時財政対策債を発行可能額から１億2,400万円の発行抑制や駐車場事業特別会計での起債抑制
を行ったこと等により、下水道事業会計を合わせた市全体の市債残高を７億8,500万円削減した。
"""

INDICATOR_EXCERPT = """指標
質の高い行政運営が行われていると感じている市民の割合（％）

市民アンケート

平成30年度末時点値 令和２年度末現状値 令和３年度末現状値 令和４年度末現状値 令和６年度末目標値

55.6 37.0 （60.3）※１ 48.3（72.2）※１ 45.7（69.5）※１ 61.0 

【関連基本事業】

施策1 施策２ 施策３
方向性１　基本事業１
　　　　　　　基本事業２
"""


def _meta() -> DocumentMeta:
    return corpus_meta(DOC_ID)


def _parse(text: str) -> ParsedDocument:
    return parse_text(komae_progress.parse, text, DOC_ID)


@pytest.fixture(scope="module")
def full() -> tuple[str, ParsedDocument]:
    text, _meta_, parsed = parse_corpus_file(komae_progress.parse, DOC_ID)
    return text, parsed


def _covered(text: str, spans: list[tuple[int, int]]) -> str:
    return compact("".join(text[s:e] for s, e in spans))


# --- unit behaviour on excerpts -------------------------------------------------------


def test_split_departments() -> None:
    assert split_departments("政策室/情報政策課/関係各課(職員課/総務課)") == ["政策室", "情報政策課", "職員課", "総務課"]
    assert split_departments("関係各課(政策室)") == ["政策室"]
    assert split_departments("市民課/関係各課") == ["市民課", "関係各課"]
    assert split_departments("政策室/施設課/各施設所管課") == ["政策室", "施設課", "各施設所管課"]
    assert split_departments("") == []


def test_list_and_detail_excerpt() -> None:
    text = LIST_EXCERPT + "\n" + DETAIL_EXCERPT
    doc = _parse(text)
    by_num = {i.number: i for i in doc.initiatives}
    assert sorted(by_num) == ["23", "24"]
    i23, i24 = by_num["23"], by_num["24"]
    assert i23.id == f"{DOC_ID}:23"
    assert i23.title == "財政指標の目標達成に向けた取組の推進"
    assert i23.heading_path == ["施策1 持続可能な財政運営の推進", "方向性1 財政規律の維持", "基本事業1 規律ある財政運営"]
    assert i23.departments == ["財政課"]
    assert i24.departments == ["財政課", "会計課"]
    assert i23.extra["page"] == "16" and i23.extra["indicators"] == "3・4・5"
    # Each R4 block after the description goes to the next item in order.
    assert i23.status.startswith("歳入の決算見込み等を踏まえ")
    assert "市債残高を7億8,500万円削減した" in i24.extra["result"]
    assert "歳入の決算見込み" not in i24.extra["result"]
    # The list line and the detail block are separate spans; neither holds a parent heading.
    assert len(i23.spans) >= 2
    assert "方向性" not in _covered(text, i23.spans)
    # The description and markers stay in a section.
    desc = [s for s in doc.sections if "決算余剰金" in _covered(text, s.spans)]
    assert len(desc) == 1 and desc[0].title == "方向性1 財政規律の維持"


def test_indicator_excerpt() -> None:
    doc = _parse(INDICATOR_EXCERPT)
    ind = [s for s in doc.sections if s.kind == "indicator"]
    assert len(ind) == 1
    assert ind[0].title == "質の高い行政運営が行われていると感じている市民の割合(%)"
    assert ind[0].extra["description"] == "市民アンケート"
    assert ind[0].extra["令和4年度末現状値"] == "45.7(69.5)※1"
    assert ind[0].extra["令和2年度末現状値"] == "37.0 (60.3)※1"
    assert ind[0].extra["平成30年度末時点値"] == "55.6"
    assert "関連基本事業" in _covered(INDICATOR_EXCERPT, ind[0].spans)


@pytest.mark.parametrize("text", ["", "\n\n", "これは無関係な文章です。\n別の行。", "取組項目"])
def test_robust_on_unrelated_text(text: str) -> None:
    doc = _parse(text)
    assert doc.initiatives == []
    if text.strip():
        assert doc.sections


# --- the full document ----------------------------------------------------------------


def test_all_items_present(full: tuple[str, ParsedDocument]) -> None:
    _, doc = full
    assert [i.number for i in doc.initiatives] == [f"{n:02d}" for n in range(1, 66)]
    for it in doc.initiatives:
        assert it.id == f"{DOC_ID}:{it.number}"
        assert it.title and it.departments, it.number
        assert it.city == "狛江市" and it.document_id == DOC_ID
        assert len(it.heading_path) == 3 and it.heading_path[0].startswith("施策"), it.number
        assert it.extra["departments_raw"]


def test_item_06(full: tuple[str, ParsedDocument]) -> None:
    _, doc = full
    it = next(i for i in doc.initiatives if i.number == "06")
    assert it.id == "komae-2022-progress:06"
    assert it.title == "AI・RPA等の先進技術の導入"
    assert it.departments == ["情報政策課", "課税課", "福祉相談課"]
    assert it.heading_path == ["施策1 質の高い行政運営の推進", "方向性2 事務の簡素化・効率化", "基本事業1 業務改善の推進"]
    assert "RPA" in it.extra["result"] and it.status


def test_known_details(full: tuple[str, ParsedDocument]) -> None:
    _, doc = full
    by_num = {i.number: i for i in doc.initiatives}
    assert by_num["45"].title == "ICT人財の育成"
    assert by_num["45"].repeat_of == f"{DOC_ID}:05"
    assert by_num["14"].departments[-1] == "各施設所管課"  # department line wrapped in the PDF
    assert by_num["43"].title == "OJTを中心とした人財育成の推進"
    assert "自己点検" in by_num["12"].extra["result"]
    assert "マイナサポートセンター" in by_num["10"].extra["result"]
    assert "コンプライアンス強化研修" in by_num["65"].extra["result"]
    assert "ふるさと納税制度の返礼品" in by_num["33"].extra["result"]
    assert "撮影の誘致" in by_num["34"].extra["result"]
    assert "使用料の適正化" in by_num["35"].extra["result"]


def test_indicators(full: tuple[str, ParsedDocument]) -> None:
    _, doc = full
    ind = [s for s in doc.sections if s.kind == "indicator"]
    assert len(ind) == 7
    assert [s.extra["number"] for s in ind] == [str(n) for n in range(1, 8)]
    first, third, fifth, last = ind[0], ind[2], ind[4], ind[6]
    assert first.extra["令和4年度末現状値"] == "45.7(69.5)※1"
    assert first.extra["令和6年度末目標値"] == "61.0"
    assert third.title == "経常収支比率(%)"
    assert third.extra["令和4年度末現状値"] == "ー※5"
    assert third.extra["令和6年度末目標値"] == "90.0以下"
    assert fifth.title == "市債残高(億円)"
    assert [fifth.extra[k] for k in ("平成30年度末時点値", "令和2年度末現状値", "令和4年度末現状値")] == [
        "195", "189.5", "178.1"]
    assert last.title == "各役職段階にある職員に占める女性職員の割合"
    assert last.extra["令和4年度末現状値"] == "26.9"
    for s in ind:
        assert s.heading_path == ["5.指標"]
        assert sum(1 for k in s.extra if "年度末" in k) == 5


def test_spans_hold_titles(full: tuple[str, ParsedDocument]) -> None:
    text, doc = full
    for it in doc.initiatives:
        assert any(compact(it.title) in compact(text[s:e]) for s, e in it.spans), it.number
    for sec in doc.sections:
        if sec.kind == "indicator":
            assert compact(sec.title) in _covered(text, sec.spans)


def test_coverage_and_no_overlap(full: tuple[str, ParsedDocument]) -> None:
    text, doc = full
    owner = [0] * len(text)
    for rec in [*doc.initiatives, *doc.sections]:
        for s, e in rec.spans:
            assert 0 <= s < e <= len(text)
            for k in range(s, e):
                owner[k] += 1
    assert max(owner) == 1
    visible = [k for k, ch in enumerate(text) if not ch.isspace()]
    assert sum(1 for k in visible if owner[k]) / len(visible) >= 0.95


def test_ids_unique_and_stable(full: tuple[str, ParsedDocument]) -> None:
    text, doc = full
    ids = [r.id for r in [*doc.initiatives, *doc.sections]]
    assert len(ids) == len(set(ids))
    assert all(i.isascii() and " " not in i for i in ids)
    again = komae_progress.parse(text, clean(text), _meta())
    assert [r.id for r in [*again.initiatives, *again.sections]] == ids
    assert [i.spans for i in again.initiatives] == [i.spans for i in doc.initiatives]

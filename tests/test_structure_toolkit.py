"""Unit tests of the structure toolkit: numbering schemes, field labels, flattened tables, outline."""

from __future__ import annotations

import pytest

from ingest.normalize import clean
from ingest.records import DocumentMeta
from ingest.structure import Profile, recognize
from ingest.structure.fields import era_year, extract, split_departments, trailing_department, trailing_grades
from ingest.structure.numbering import match_marker
from ingest.structure.tables import cells_of, is_header, table_runs, vertical_runs


@pytest.mark.parametrize("line,scheme,value", [
    ("第2章 行財政改革の取組", "chapter:章", 2),
    ("1. 計画の目的", "dot", 1),
    ("2-3 窓口の改善", "hyphen2", 3),
    ("(4) 公共施設の適正配置", "paren", 4),
    ("⑫ 電子申請の拡充", "circled", 12),
    ("㉑ 職制の見直し", "circled", 21),
    ("イ 事務の効率化", "kata", 2),
    ("(ウ) 受益者負担の見直し", "paren_kata", 3),
    ("取組項目05 ICT人財の育成", "word:取組項目", 5),
    ("No.7 窓口の一元化", "no", 7),
    ("No.R5-2 行政手続のオンライン化", "code", 2),
    ("Ⅲ 財政基盤の強化", "roman", 3),
])
def test_numbering_schemes(line: str, scheme: str, value: int) -> None:
    m = match_marker(clean(line).text)
    assert m is not None and (m.scheme, m.value) == (scheme, value)


@pytest.mark.parametrize("line", ["10月から開始した", "3件を実施", "2024年度の実績", "アンケートを実施した", "1,200人が参加"])
def test_quantities_and_words_are_not_numbering(line: str) -> None:
    m = match_marker(clean(line).text)
    assert m is None or m.is_bullet


@pytest.mark.parametrize("line", ["【重点取組】", "■ 実施プログラム", "◆基本目標1", "▽ 窓口の改善"])
def test_unnumbered_markers(line: str) -> None:
    m = match_marker(clean(line).text)
    assert m is not None and not m.numbered


def test_department_labels_and_parentheses() -> None:
    for line in ("担当課:市民課", "所管課 市民課", "所管部署:市民課", "推進部署 市民課", "担当部署:市民課", "主管課|市民課"):
        assert extract([line], 2023).departments == ["市民課"], line
    assert split_departments("政策室／関係各課（職員課／総務課）") == ["政策室", "職員課", "総務課"]
    assert trailing_department("窓口業務の委託化（市民課・会計課）") == ("窓口業務の委託化", ["市民課", "会計課"])
    assert trailing_department("公共施設（学校を除く）の再編")[1] == []
    f = extract(["担当課 ①企画課 関係各課 ②総務課 ③財政課"], 2023)
    assert f.by_number == {"①": ["企画課", "関係各課"], "②": ["総務課"], "③": ["財政課"]}


@pytest.mark.parametrize("lines,expect", [
    (["評価:A"], [(2023, "A")]),
    (["令和4年度評価 B"], [(2022, "B")]),
    (["自己評価:◎"], [(2023, "◎")]),
    (["達成度 一部達成"], [(2023, "一部達成")]),
    (["進捗:実施中"], [(2023, "実施中")]),
    (["個別評価 令和4年度 令和5年度 令和6年度", "A B —"], [(2022, "A"), (2023, "B")]),
    (["内部評価:目標をおおむね達成"], [(2023, "目標をおおむね達成")]),
])
def test_ratings_with_years(lines: list[str], expect: list[tuple[int, str]]) -> None:
    assert [(y, v) for y, v, _ in extract(lines, 2023).ratings] == expect


def test_text_fields_and_era_years() -> None:
    f = extract(["目標:窓口の待ち時間を半減", "実績 平均12分", "課題:人員配置", "今後の方向性:継続"], None)
    assert f.texts == {"目標": "窓口の待ち時間を半減", "実績": "平均12分", "課題": "人員配置", "今後の方向性": "継続"}
    assert (era_year("令和元年度"), era_year("R5"), era_year("平成30年度"), era_year("2024年度")) == (2019, 2023, 2018, 2024)
    assert trailing_grades("市民総合交流拠点施設の整備 A B") == ("市民総合交流拠点施設の整備", ["A", "B"])


def test_pipe_table_with_repeated_header() -> None:
    lines = ["No. | 取組項目 | 担当課 | 評価", "1 | 窓口改善 | 市民課 | A", "2 | 電子申請 | 情報課 | B",
             "No. | 取組項目 | 担当課 | 評価", "3 | 公共施設 | 管財課 | C"]
    assert cells_of(lines[0]) == ("No.", "取組項目", "担当課", "評価") and is_header(cells_of(lines[0]))
    runs = table_runs(lines)
    assert len(runs) == 1 and [r.cells[1] for r in runs[0][1]] == ["窓口改善", "電子申請", "公共施設"]


def test_one_cell_per_line_table() -> None:
    texts = ["番号", "取組項目", "主管課", "達成度", "1", "事務事業評価の", "見直し", "企画課", "達成",
             "2", "窓口の改善", "市民課", "未達成"]
    (header, rows), = vertical_runs(texts)
    assert header == ("番号", "取組項目", "主管課", "達成度")
    assert [r[1] for r in rows] == [("1", "事務事業評価の見直し", "企画課", "達成"), ("2", "窓口の改善", "市民課", "未達成")]


META = DocumentMeta(id="t", city="テスト市", title="テスト", kind="other", fiscal_years=(2023,), file="t.txt")


def test_initiative_level_is_the_fielded_repeating_level_and_sections_keep_the_rest() -> None:
    text = "\n".join([
        "テスト市行政改革実施計画", "1 はじめに", "本計画は市の改革の取組を定める。",
        "2 取組", "(1) 窓口業務の委託化（市民課）", "・受付業務を委託する。", "評価:A",
        "(2) 電子申請の拡充", "担当課:情報政策課", "・手続を増やす。", "評価:B",
        "(3) 公共施設の再編", "担当課:管財課", "評価:C", "3 おわりに", "引き続き取り組む。",
    ])
    doc = recognize(text, clean(text), META)
    assert [(i.number, i.title, i.departments, [r.value for r in i.ratings]) for i in doc.initiatives] == [
        ("(1)", "窓口業務の委託化", ["市民課"], ["A"]),
        ("(2)", "電子申請の拡充", ["情報政策課"], ["B"]),
        ("(3)", "公共施設の再編", ["管財課"], ["C"]),
    ]
    assert doc.initiatives[0].heading_path == ["2 取組"]
    kept = "".join(text[s:e] for sec in doc.sections for s, e in sec.spans)
    assert "本計画は市の改革の取組を定める。" in kept and "引き続き取り組む。" in kept


def test_profile_forces_a_level() -> None:
    text = "\n".join(["1 総論", "(1) 窓口", "(2) 電子申請", "(3) 施設", "2 各論", "(1) 財政", "(2) 人事", "(3) 組織"])
    doc = recognize(text, clean(text), META, Profile(initiative_schemes=("num",), min_items=2))
    assert [i.number for i in doc.initiatives] == ["1", "2"]


def test_list_and_detail_pages_merge_into_one_initiative() -> None:
    text = "\n".join(["取組一覧", "取組項目01 窓口改善 P.3", "取組項目02 電子申請 P.4", "取組項目03 施設再編 P.5",
                      "取組項目01 窓口改善", "推進部署 市民課", "待ち時間を短縮した。",
                      "取組項目02 電子申請", "推進部署 情報課", "手続を拡充した。",
                      "取組項目03 施設再編", "推進部署 管財課", "方針を定めた。"])
    doc = recognize(text, clean(text), META)
    assert [(i.number, i.title, i.departments) for i in doc.initiatives] == [
        ("取組項目01", "窓口改善", ["市民課"]), ("取組項目02", "電子申請", ["情報課"]), ("取組項目03", "施設再編", ["管財課"])]
    assert all(len(i.spans) == 2 for i in doc.initiatives)


def test_steps_numbered_inside_an_item_stay_in_that_item() -> None:
    text = "\n".join(["2 実施計画",
                      "(1) 市税の収納率向上", "【取組内容】", "口座振替を広げる。", "担当課:収税課",
                      "(2) 使用料の見直し", "【取組内容】", "原価を算定する。", "担当課:財政課",
                      "(3) 市有地の売却", "【取組内容】", "未利用地を売る。", "担当課:管財課",
                      "(4) RPAの導入", "【取組内容】", "定型業務を自動化する。",
                      "(1) 対象業務の棚卸し", "(2) シナリオ作成", "(3) 全庁展開", "担当課:情報政策課",
                      "(5) 定員管理の適正化", "【取組内容】", "配置を見直す。", "担当課:職員課"])
    doc = recognize(text, clean(text), META)
    got = {i.number: (i.title, i.departments) for i in doc.initiatives}
    assert got == {"(1)": ("市税の収納率向上", ["収税課"]), "(2)": ("使用料の見直し", ["財政課"]),
                   "(3)": ("市有地の売却", ["管財課"]), "(4)": ("RPAの導入", ["情報政策課"]),
                   "(5)": ("定員管理の適正化", ["職員課"])}
    rpa = next(i for i in doc.initiatives if i.number == "(4)")
    assert "全庁展開" in "".join(text[s:e] for s, e in rpa.spans)
    first = next(i for i in doc.initiatives if i.number == "(1)")
    assert "棚卸し" not in "".join(text[s:e] for s, e in first.spans)


def test_nested_runs_are_a_restart_after_which_the_list_goes_on() -> None:
    from ingest.structure.outline import nested_runs

    assert nested_runs([(0, 1), (1, 2), (2, 6), (3, 1), (4, 2), (5, 3), (6, 7)]) == {3, 4, 5}
    assert nested_runs([(0, 1), (1, 2), (2, 3), (3, 1), (4, 2), (5, 3)]) == set()  # a list, then its detail pages
    assert nested_runs([(0, 1), (1, 2), (2, 1), (3, 3)]) == {2}
    # a restart that counts on past the next number is the list starting over (a summary, then the list)
    assert nested_runs([(0, 1), (1, 2), (2, 1), (3, 2), (4, 3), (5, 4), (6, 5)]) == set()
    assert nested_runs([(0, 1), (1, 5), (2, 1), (3, 2)]) == set()  # nothing after the run: not told apart
    assert nested_runs([(0, 1), (1, None), (2, 1), (3, 2)]) == set()
    assert nested_runs([]) == set()


def test_manifest_structure_options_configure_a_family_without_code(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json

    from ingest.chunking import ChunkParams
    from ingest.corpus import load_manifest, read_document
    from ingest.pipeline import ingest_document
    from reform_search.errors import CorpusError

    text = "\n".join(["1 総論", "(1) 窓口", "(2) 電子申請", "(3) 施設", "2 各論", "(1) 財政", "(2) 人事", "(3) 組織"])
    (tmp_path / "a.txt").write_text(text, encoding="utf-8")
    entry = {"id": "a", "city": "テスト市", "title": "計画", "kind": "reform_plan", "fiscal_years": [2024],
             "file": "a.txt", "structure": {"initiative_schemes": ["num"], "min_items": 2}}
    (tmp_path / "manifest.json").write_text(json.dumps({"documents": [entry]}, ensure_ascii=False), encoding="utf-8")
    meta, = load_manifest(tmp_path)
    doc = ingest_document(meta, read_document(tmp_path, meta), ChunkParams())
    assert [i.title for i in doc.initiatives] == ["総論", "各論"]
    entry["structure"] = {"initiative_level": "num"}
    (tmp_path / "manifest.json").write_text(json.dumps({"documents": [entry]}, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CorpusError, match="document 'a'.*structure"):
        load_manifest(tmp_path)


def test_an_outcome_heading_rates_the_items_under_it() -> None:
    from ingest.structure.fields import heading_rating

    assert heading_rating("達成又は達成見込みの取組事項(5項目)") == "達成"
    assert heading_rating("未達成となった取組事項(3項目)") == "未達成"
    assert heading_rating("完了した事業") == "完了"
    assert heading_rating("達成状況の概要") is None  # a field's name, not an outcome
    assert heading_rating("数値目標が最終年度に設定されている取組事項") is None


def test_a_bare_page_number_is_no_heading_so_items_keep_their_group() -> None:
    from ingest.normalize import clean
    from ingest.records import DocumentMeta
    from ingest.structure import recognize

    text = "\n".join([  # pages 1-3 numbered by a bare digit line, as a PDF transcription prints them
        "1", "①達成又は達成見込みの取組事項", "No.2 窓口サービスの時間延長（市民課）", "実績値:月342人", "2",
        "No.14 職員の時間外勤務の縮減（人事課）", "実績値:9.4時間", "②未達成となった取組事項",
        "No.7 公共施設予約の一元化（生涯学習課）", "実績値:未統合", "3", "No.17 外郭団体の見直し（企画政策課）", "実績値:37%"])
    meta = DocumentMeta(id="fx", city="テスト市", title="t", kind="other", fiscal_years=(2023,), file="t.txt")
    got = {i.number: [(r.year, r.value) for r in i.ratings] for i in recognize(text, clean(text), meta).initiatives}
    assert got == {"No.2": [(2023, "達成")], "No.14": [(2023, "達成")], "No.7": [(2023, "未達成")],
                   "No.17": [(2023, "未達成")]}

"""Tests for ingest.structure.sheets (label/value evaluation sheets)."""

from __future__ import annotations

from ingest.normalize import clean
from ingest.structure.itemtree import ItemTree
from ingest.structure.textlines import lines_of
from ingest.structure.sheets import SheetLabels, departments_by_number, parse_sheets, sheet_starts, year_ratings

SHEET = (
    "基本方針\t基本方針2 効果的・効率的な行財政運営\n"
    "取組項目名\t(4) 広域連携の推進\n"
    "取組内容\n① 広域連携の推進 公共施設の相互利用を推進する。\n② 広域連携サミットの実施\n"
    "担当課\t①企画政策課 関係各課 ②企画政策課\n"
    "評価\t令和4年度\t令和5年度\t令和6年度\n"
    "\tB\tA\tB\n"
    "主な事業\t① 広域連携の推進\n"
    "5市図書館相互利用\n"
    "個別評価\t令和4年度\t令和5年度\t令和6年度\n"
    "\tB\tB\tA\n"
    "具体的な取組\t② 広域連携サミットの実施\n"
    "サミットを開催\n"
    "個別評価\t令和4年度\t令和5年度\t令和6年度 A A —\n"
)


def _tree(text: str) -> ItemTree:
    return ItemTree(lines_of(clean(text)))


def test_year_ratings_and_departments_by_number() -> None:
    assert year_ratings("令和4年度 令和5年度 令和元年度", "B A —") == [(2022, "B"), (2023, "A"), (2019, "—")]
    assert departments_by_number("①②行政経営担当 広報課 ③企画政策課") == [
        ([1, 2], ["行政経営担当", "広報課"]), ([3], ["企画政策課"])]
    assert departments_by_number("財政課・関係各課") == [(None, ["財政課", "関係各課"])]


def test_one_sheet() -> None:
    tree = _tree(SHEET)
    starts = sheet_starts(tree, 0)
    assert starts == [(0, 2)]
    assert parse_sheets(tree, starts, len(tree.lines)) == 0
    item, c1, c2 = (tree.nodes[k] for k in ("2.4", "2.4.1", "2.4.2"))
    assert (item.title, c1.title, c2.title) == ("広域連携の推進", "広域連携の推進", "広域連携サミットの実施")
    assert {(r.year, r.value, r.label) for r in item.ratings} == {(2022, "B", "評価"), (2023, "A", "評価"), (2024, "B", "評価")}
    assert {(r.year, r.value) for r in c1.ratings} == {(2022, "B"), (2023, "B"), (2024, "A")}
    assert {(r.year, r.value) for r in c2.ratings} == {(2022, "A"), (2023, "A")}  # "—" is no grade
    assert (c1.departments, c2.departments) == (["企画政策課", "関係各課"], ["企画政策課"])
    assert item.departments == ["企画政策課", "関係各課"]
    assert c1.extra["plan"].startswith("公共施設の相互利用")
    lines = tree.lines
    owned = {lines[k].text.strip(): tree.owner[k] for k in range(len(lines)) if lines[k].text.strip()}
    assert owned["5市図書館相互利用"] == "2.4.1" and owned["サミットを開催"] == "2.4.2"
    assert owned["B A B"] == "2.4"


def test_an_example_sheet_about_the_same_item_is_skipped() -> None:
    example = SHEET.replace("①企画政策課 関係各課 ②企画政策課", "①見本課 ②見本課")
    tree = _tree(example + SHEET)
    starts = sheet_starts(tree, 0)
    guide_end = parse_sheets(tree, starts, len(tree.lines))
    assert guide_end == starts[1][0]
    assert tree.nodes["2.4.1"].departments == ["企画政策課", "関係各課"]
    assert all(o is None for o in tree.owner[:guide_end])


def test_other_label_wording() -> None:
    labels = SheetLabels(group="基本目標", item="改革項目名", contents="内容", departments="所管課", main="事業",
                         detail="取組", outlook=("今後の方向性",), content_rating="取組評価", item_rating="総合評価")
    text = (
        "基本目標\t基本目標3 行政運営\n改革項目名\t(2) 窓口の改善\n内容\n① 窓口の電子化\n② 待ち時間の短縮\n"
        "所管課\t①市民課 ②市民課・総務課\n総合評価\t令和5年度\t令和6年度\n\tA\tB\n"
        "事業\t① 窓口の電子化\n取組評価\t令和5年度\t令和6年度 A A\n"
        "取組\t② 待ち時間の短縮\n取組評価\t令和5年度\t令和6年度 B A\n"
        "今後の方向性\t② 待ち時間の短縮 予約制を広げる。\n"
    )
    tree = _tree(text)
    starts = sheet_starts(tree, 0, labels)
    assert starts == [(0, 3)]
    parse_sheets(tree, starts, len(tree.lines), labels)
    assert sorted(tree.nodes) == ["3.2", "3.2.1", "3.2.2"]
    assert {(r.year, r.value, r.label) for r in tree.nodes["3.2"].ratings} == {(2023, "A", "総合評価"), (2024, "B", "総合評価")}
    assert {(r.year, r.value) for r in tree.nodes["3.2.2"].ratings} == {(2023, "B"), (2024, "A")}
    assert tree.nodes["3.2.2"].departments == ["市民課", "総務課"]
    outlook = next(k for k, ln in enumerate(tree.lines) if ln.text.startswith("今後の方向性"))
    assert tree.owner[outlook] == "3.2.2"

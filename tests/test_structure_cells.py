"""Tests for ingest.structure.cells: flattened table columns told apart by width and tense."""

from __future__ import annotations

import re

from ingest.normalize import clean
from ingest.structure.cells import CellLine, Para, assign_columns, cell_lines, join, paragraphs, segment, width


def _ln(text: str, gap: bool = False) -> CellLine:
    return CellLine(text, 0, len(text), width(text), gap)


def test_width_counts_full_width_twice() -> None:
    assert width("abc") == 3
    assert width("市民") == 4
    assert width("ｱｲ") == 4  # half-width kana print full-width
    assert width(" 市 ") == 2


def test_join_drops_blanks_between_cjk() -> None:
    assert join([_ln("幅広い市"), _ln("民 意見の"), _ln("WEB 会議")]) == "幅広い市民意見のWEB 会議"


def test_paragraphs_split_at_bullets_and_cell_ends() -> None:
    paras = paragraphs([_ln("・一つ目の"), _ln("段落"), _ln("・二つ目", gap=True), _ln("三つ目")])
    assert [p.text for p in paras] == ["・一つ目の段落", "・二つ目", "三つ目"]
    assert paras[0].multi and not paras[1].multi
    assert paras[0].width == width("・一つ目の")


def test_past_tense() -> None:
    assert Para([_ln("・手法を実施した。")]).past
    assert not Para([_ln("・手法を実施する。")]).past


def test_segment_minimises_cost() -> None:
    # three columns over five items; a cost that prefers cuts at 1 and 3
    target = [0, 1, 3, 5]
    bounds = segment(5, 3, lambda c, i, j: abs(i - target[c]) + abs(j - target[c + 1]))
    assert bounds == target
    assert segment(2, 3, lambda c, i, j: 0.0) is None


def test_assign_columns_by_width_and_tense() -> None:
    def para(text: str, wrap: int) -> Para:
        return Para([_ln(text[i:i + wrap]) for i in range(0, len(text), wrap)])

    row = [para("・広く多様な意見を収集する取組", 7), para("・方針を整理して周知していく。", 12),
           para("・動画配信で意見を聴取した。", 5), para("・課題の検討が必要である。", 9)]
    cols = assign_columns([row, row], [("direction", "plan", "result", "issues")] * 2)
    assert cols[0] is not None
    assert [len(cols[0][c]) for c in ("direction", "plan", "result", "issues")] == [1, 1, 1, 1]
    assert cols[0]["result"][0].text == "・動画配信で意見を聴取した。"
    assert assign_columns([row[:2]], [("a", "b", "c")]) == [None]


def test_cell_lines_split_cells_sharing_a_line() -> None:
    text = "①  \n\n幅広い市\n民意見 \n・策定した。 ・周知が必要である。\n"
    lines = cell_lines(text, clean(text))
    assert [ln.text for ln in lines] == ["①", "幅広い市", "民意見", "・策定した。", "・周知が必要である。"]
    for ln in lines:
        assert text[ln.start:ln.end] == ln.text
    assert [ln.gap for ln in lines] == [True, False, True, True, False]


def test_cell_lines_recover_row_numbers_clean_dropped() -> None:
    # a row number alone between text lines looks like a page number to clean()
    text = "表題\n\n12\n\n幅広い市\n"
    c = clean(text)
    assert "12" not in c.text
    lines = cell_lines(text, c, lone=re.compile(r"\s*\d{1,2}\s*"))
    assert [(ln.text, text[ln.start:ln.end]) for ln in lines] == [("表題", "表題"), ("12", "12"), ("幅広い市", "幅広い市")]
    assert [ln.text for ln in cell_lines(text, c)] == ["表題", "幅広い市"]

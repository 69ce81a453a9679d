"""Tests for ingest.structure.actionplan (row-per-取組 action-plan pages)."""

from __future__ import annotations

import re

from ingest.normalize import clean
from ingest.records import DocumentMeta
from ingest.structure.actionplan import (
    ActionPlanLayout, Row, action_plan_initiatives, add_to_row, detect_layout, plan_initiatives, read_pages, split_text)
from ingest.structure.textlines import LayoutLine, layout_lines

LAYOUT = ActionPlanLayout(
    page_head=re.compile(r"^取組目的\s*取組概要\s*担当$"),
    policy_head=re.compile(r"^方針\s*(\d)\s+\S.*$"),
    group_head=re.compile(r"^推進項目\s*\((\d+)\)\s*(\S.*)$"),
    noise=re.compile(r"^項目番号\s*実施項目$"),
)
META = DocumentMeta("d", "市", "test", "reform_plan", (2024,), "x.txt")
PAGE = """方針1 持続可能な行財政運営

取組目的 取組概要 担当

1 1
予算を効果的に編成する。
〇行政評価と連携した予算編成の実施
財政課

2 1
会議資料の
ペーパーレス化
紙の使用量を減らす。
〇会議のペーパーレス化
総務課

2
タブレットの
活用
紙文書の出力を減らす。
〇タブレット端末の活用
教育指導課

項目番号 実施項目

効果的な予算編成業務

2 紙資源の削減

推進項目 (1) 経常的な経費の抑制
"""


def test_row_lines_are_classified() -> None:
    row = Row(1)
    add_to_row(LAYOUT, row, LayoutLine("1 1 庁内取組 紙を減らす。", 0, 10), "庁内取組 紙を減らす。")
    add_to_row(LAYOUT, row, LayoutLine("〇会議の", 11, 15))
    add_to_row(LAYOUT, row, LayoutLine("ペーパーレス化 総務課/教育企画課", 16, 30))
    assert (row.title, row.purpose, row.overview) == ("庁内取組", ["紙を減らす。"], ["〇会議のペーパーレス化"])
    assert row.depts == ["総務課", "教育企画課"]
    assert split_text(["目的です。", "〇一つ目", "の続き", "〇二つ目"]) == ("目的です。", "〇一つ目の続き\n〇二つ目")


def test_page_rows_and_title_column() -> None:
    lines = layout_lines(PAGE, clean(PAGE))
    start = next(i for i, ln in enumerate(lines) if LAYOUT.page_head.match(ln.text))
    items, pages = read_pages(LAYOUT, lines[start:], lines[0].text, set())
    assert sorted(items) == [1, 2] and len(items[2].rows) == 2
    inits = {i.number: i for i in plan_initiatives(PAGE, items, META)}
    assert list(inits) == ["1", "2", "2-1", "2-2"]
    assert (inits["1"].title, inits["1"].departments) == ("効果的な予算編成業務", ["財政課"])  # by content
    assert inits["1"].heading_path == ["方針1 持続可能な行財政運営", "推進項目 (1) 経常的な経費の抑制"]
    assert (inits["2"].title, inits["2"].departments) == ("紙資源の削減", ["総務課", "教育指導課"])  # by number
    assert (inits["2-2"].title, inits["2-2"].parent_id) == ("タブレットの活用", "d:2")
    assert inits["2-1"].extra["overview"] == "〇会議のペーパーレス化"
    for ini in inits.values():
        assert all(PAGE[s:e].strip() for s, e in ini.spans)
    assert pages[0].group == "推進項目 (1) 経常的な経費の抑制"
    assert all(LAYOUT.is_header(ln.text, set()) for ln in pages[0].leftovers)


def test_layout_detected_from_a_repeated_header_row() -> None:
    lines = layout_lines(PAGE, clean(PAGE))
    assert detect_layout(lines) is None  # one page is not enough evidence
    found = detect_layout(lines, min_pages=1)
    assert found is not None and found.page_head.match("取組目的  取組概要 担当")
    assert not found.group_head.match("推進項目 (1) 経常的な経費の抑制")  # nothing else is assumed
    three = PAGE + PAGE.split("\n", 1)[1].replace("1 1\n", "3 1\n").replace("2 1\n", "4 1\n") * 2
    inits = action_plan_initiatives(three, clean(three), META)
    assert [i.number for i in inits if not i.parent_id][:2] == ["1", "2"]
    assert next(i for i in inits if i.number == "1").departments == ["財政課"]


def test_no_action_plan_in_other_text() -> None:
    text = "取組項目名 取組内容 個別評価 評価\n(1) 項目 ①内容 B B\n" * 3
    assert action_plan_initiatives(text, clean(text), META) == []

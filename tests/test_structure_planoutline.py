"""Tests for ingest.structure.planoutline (chapters, previous-plan review, policy pages)."""

from __future__ import annotations

import re

from ingest.normalize import clean
from ingest.records import DocumentMeta
from ingest.structure.textlines import layout_lines
from ingest.structure.planoutline import OutlineLayout, heading_events, plan_records, policy_parts, to_sections

LAYOUT = OutlineLayout(
    policy=re.compile(r"^基本方針\s*([IVX]+)(?:\s+(\S.*))?$"),
    policy_end=re.compile(r"^\S.*?基本方針([IVX]+)$"),
    old_item=re.compile(r"^推進項目\s*(\d+)\s+(\S.*)$"),
)
META = DocumentMeta("d", "市", "第5次大綱", "reform_plan", (2024,), "x.txt")
TEXT = """１ 第４次行財政改革の検証

基本方針Ⅰ 経営の発想

推進項目１ 施設の推進
施設の再編について検討を進めてきました。施設の再編について検討を進めてきました。

２ 第５次行財政改革の基本的考え方

基本方針Ⅱ

評価指標

現状値 目標値

４９％

６０％

１ 満足している職員の割合

１ 職員の育成

職員の育成に取り組みます。職員の育成に取り組みます。職員の育成に取り組みます。

２ 働きやすい職場づくり

職場環境を整えます。職場環境を整えます。職場環境を整えます。職場環境を整えます。
"""


def _records() -> list:
    lines = layout_lines(TEXT, clean(TEXT))
    return plan_records(LAYOUT, lines, heading_events(LAYOUT, lines, "5"), {"II": "職員の力"})


def test_events_chapters_policies_and_old_items() -> None:
    lines = layout_lines(TEXT, clean(TEXT))
    events = [(kind, text, old) for _, kind, text, old in heading_events(LAYOUT, lines, "5")]
    assert events[:3] == [("chapter", "1 第4次行財政改革の検証", True), ("policy", "基本方針I 経営の発想", True),
                          ("item", "推進項目1 施設の推進", True)]
    assert ("chapter", "2 第5次行財政改革の基本的考え方", False) in events
    assert not any(text.startswith(("1 職員", "2 働き")) for _, text, _ in events)  # list entries, not chapters


def test_records_mark_the_previous_plan_and_split_the_policy_page() -> None:
    recs = {(kind, title): path for kind, title, path, _, _ in _records()}
    assert recs[("section", "第4次 基本方針I 経営の発想")] == ["1 第4次行財政改革の検証"]
    assert recs[("section", "第4次 推進項目1 施設の推進")] == ["1 第4次行財政改革の検証", "第4次 基本方針I 経営の発想"]
    assert recs[("indicator", "評価指標")] == ["2 第5次行財政改革の基本的考え方", "基本方針II 職員の力"]
    assert recs[("section", "推進項目 (2) 働きやすい職場づくり")] == ["2 第5次行財政改革の基本的考え方", "基本方針II 職員の力"]
    indicator = next(r for r in _records() if r[0] == "indicator")
    assert indicator[4]["indicators"] == "1 満足している職員の割合" and "60%" in indicator[4]["values"]


def test_policy_parts_without_indicators_is_one_section() -> None:
    lines = layout_lines("基本方針Ⅰ\n1 a\n1 b\n", clean("基本方針Ⅰ\n1 a\n1 b\n"))
    assert policy_parts(LAYOUT, lines) == [("section", "", 0, len(lines), {})]


def test_to_sections_in_document_order() -> None:
    secs = to_sections(_records(), TEXT, META)
    assert [s.id for s in secs] == [f"d:s{k}" for k in range(1, len(secs) + 1)]
    starts = [s.spans[0][0] for s in secs]
    assert starts == sorted(starts)
    assert all(not set(s.heading_path) & {""} for s in secs)

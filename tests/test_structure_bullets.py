"""Tests for ingest.structure.bullets: captioned bullet lists inside groups."""

from __future__ import annotations

import re

from ingest.structure.bullets import bullet_groups, is_continuation

_GROUP = re.compile(r"^\S+部の方針$")


def test_is_continuation() -> None:
    assert is_continuation("▽ 計画策定を進めるとともに、将来", "を見据えます。")
    assert is_continuation("▽ 運営に努めます。", "また、巡回視察を行います。")
    assert not is_continuation("▽ 運営に努めます。", "次の方針の見出し")


def test_bullet_groups() -> None:
    texts = [
        "はじめに",  # 0 preamble
        "企画財政部の方針",  # 1 group
        "▽ 直下の項目です。",  # 2 item straight under the group heading
        "持続可能な行財政運営の推進",  # 3 caption
        "▽ 計画策定を進めるとともに、将来",  # 4
        "を見据えます。",  # 5 wrapped
        "▽ 方向性を示します。",  # 6
        "また、視察を行います。",  # 7 continuation ending in 。
        "各部の方針(案)について",  # 8 stray caption without items
        "総務部の方針",  # 9 group
        "職員の育成",  # 10
        "▽ 研修を行います。",  # 11
    ]
    preamble, groups = bullet_groups(texts, _GROUP.match)
    assert preamble == [0]
    assert [g.heading for g in groups] == [1, 9]
    first = groups[0]
    assert [(b.heading, b.items) for b in first.blocks] == [(1, [[2]]), (3, [[4, 5], [6, 7]]), (8, [])]
    assert [b.last for b in first.blocks] == [2, 7, 8]
    assert [(b.heading, b.items) for b in groups[1].blocks] == [(10, [[11]])]


def test_bullet_groups_without_group_heading() -> None:
    assert bullet_groups(["▽ 見出しがない項目"], _GROUP.match) == ([0], [])
    assert bullet_groups([], _GROUP.match) == ([], [])
    _, (g,) = bullet_groups(["A部の方針", "・項目。"], _GROUP.match, bullet="・")
    assert g.blocks[0].items == [[1]]

"""Tests for ingest.structure.repeats ((再掲) links)."""

from __future__ import annotations

from ingest.structure.repeats import is_repeat, repeat_key, repeat_of, strip_repeat, title_index


def test_marker_forms() -> None:
    assert is_repeat("指定管理者制度導入施設の拡充（再掲）") and is_repeat("(再掲) 広報活動")
    assert not is_repeat("再掲載の基準")
    assert strip_repeat("指定管理者制度 (再掲) ") == "指定管理者制度"
    assert repeat_key("公共施設 の 拡充（再掲）") == repeat_key("公共施設の拡充")


def test_links_to_the_original() -> None:
    titled = [("a", "広域連携の推進"), ("b", "指定管理者制度の拡充"), ("c", "指定管理者制度の拡充（再掲）")]
    index = title_index(titled)
    assert index == {repeat_key("広域連携の推進"): "a", repeat_key("指定管理者制度の拡充"): "b"}
    assert repeat_of("c", "指定管理者制度の拡充（再掲）", index) == "b"
    assert repeat_of("b", "指定管理者制度の拡充", index) is None  # not a repeat
    assert repeat_of("d", "未知の取組（再掲）", index) is None  # no original printed


def test_a_repeat_never_links_to_itself() -> None:
    index = {repeat_key("広報"): "x"}
    assert repeat_of("x", "広報（再掲）", index) is None


def test_the_first_printing_is_the_original() -> None:
    index = title_index([("a", "広報活動"), ("b", "広報活動"), ("c", "広報活動（再掲）")])
    assert repeat_of("c", "広報活動（再掲）", index) == "a"

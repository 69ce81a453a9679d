"""Tests for ingest.structure.textlines (cleaned lines, layout lines, merged spans)."""

from __future__ import annotations

from ingest.normalize import clean
from ingest.structure.textlines import layout_lines, lines_of, merged_spans, to_original


def test_lines_of_and_to_original() -> None:
    text = "第1章 はじめに\n  本文です。  \n"
    c = clean(text)
    lines = lines_of(c)
    assert [ln.text for ln in lines][:2] == ["第1章 はじめに", c.text.split("\n")[1]]
    s, e = to_original(c, lines[1].start, lines[1].end)
    assert text[s:e] == "本文です。"


def test_layout_lines_recover_lone_numbers_and_hints() -> None:
    text = "１ 策定の趣旨\n\n2 1\n\n3\n\n公共施設マネジメント課\n"
    lines = layout_lines(text, clean(text))
    assert [ln.text for ln in lines] == ["1 策定の趣旨", "2 1", "3", "公共施設マネジメント課"]
    assert lines[0].wide_digit and not lines[1].wide_digit
    assert [ln.blank_before for ln in lines] == [False, True, True, True]
    assert all(text[ln.start : ln.end].strip() for ln in lines)


def test_merged_spans_join_lines_separated_by_blanks() -> None:
    text = "a行\n\nb行\nxx\nc行"
    lines = [ln for ln in layout_lines(text, clean(text)) if ln.text != "xx"]
    assert merged_spans(text, lines) == [(0, 6), (10, 12)]

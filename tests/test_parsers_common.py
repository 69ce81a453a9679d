"""Tests for the small helpers shared by the structure parsers (ingest.parsers.common)."""

from __future__ import annotations

from ingest.normalize import clean
from ingest.parsers.common import enclosing, first_sentence, line_runs, lines_of, mark_repeats, numbered_chapters
from ingest.records import Initiative


def test_line_runs_map_runs_of_lines_to_original_spans() -> None:
    text = "一行目\n\n二行目  \n三行目\n四行目\n"
    c = clean(text)
    lines = [ln for ln in lines_of(c) if ln.text.strip()]
    spans = line_runs({0, 1, 3}, lines, c)
    assert [text[s:e] for s, e in spans] == ["一行目\n\n二行目", "四行目"]
    assert line_runs([], lines, c) == []


def test_numbered_chapters_and_enclosing() -> None:
    texts = ["表紙", "1.計画の目的", "本文", "3.飛び番", "2.計画期間", "本文"]
    chapters = numbered_chapters(texts)
    assert chapters == {1: "1.計画の目的", 4: "2.計画期間"}
    assert [enclosing(chapters, i) for i in (0, 2, 3, 5)] == ["", "1.計画の目的", "1.計画の目的", "2.計画期間"]


def test_first_sentence() -> None:
    assert first_sentence("削減した。また続けた。", 120) == "削減した。"
    assert first_sentence("句点なし", 120) == "句点なし"
    assert first_sentence("あ" * 10 + "。", 5) == "ああああ…"


def test_mark_repeats() -> None:
    def ini(ident: str, title: str) -> Initiative:
        return Initiative(id=ident, document_id="d", city="c", number=ident, title=title, heading_path=[])

    got = mark_repeats([ini("05", "ICT人財の育成"), ini("45", "ICT人財の育成（再掲）"), ini("46", "別の取組")])
    assert [(i.title, i.repeat_of) for i in got] == [("ICT人財の育成", None), ("ICT人財の育成", "05"), ("別の取組", None)]

"""Display form of quotes: no markup debris, offsets still slice the original."""

from __future__ import annotations

from index.answer import split_sentences
from index.display import display_map, display_text, excerpt, locate, snippet_start

AKISHIMA_LIKE = (
    "\t<ul style=\"list-style-type: none\"> 自治会補助金制度の実施 自治会長研修会の実施 \t\t"
    "<ul style=\"list-style-type: none\"> 自治会や自治連による各種事業や加入促進に対して補助を行うことにより、"
    "地域の活性化につながっている。 \t\t"
)


def test_html_tags_and_attributes_are_not_displayed():
    shown = display_text(AKISHIMA_LIKE)
    assert "<" not in shown and "style" not in shown and "\t" not in shown
    assert shown.startswith("自治会補助金制度の実施 自治会長研修会の実施 自治会や自治連")
    assert shown.endswith("つながっている。")


def test_every_shown_character_comes_from_the_original_in_order():
    shown, pos = display_map(AKISHIMA_LIKE)
    assert len(shown) == len(pos) and pos == sorted(pos)
    assert all(AKISHIMA_LIKE[p] == c for p, c in zip(pos, shown) if c != " ")


def test_japanese_in_angle_brackets_is_wording_not_markup():
    assert display_text("<目標：年間40件> <考え方>") == "<目標：年間40件> <考え方>"


def test_markdown_table_and_bullets():
    table = "| 取組 | 実績 |\n|---|:---:|\n| RPA | 738時間 |"
    assert display_text(table) == "取組 実績 RPA 738時間"
    assert display_text("・電子申請の拡大\n・窓口の改善") == "電子申請の拡大 窓口の改善"
    assert display_text("- 項目1\n- 項目2") == "項目1 項目2"
    assert display_text("令和4年度 ・生成AIの運用 ・RPA研修") == "令和4年度 生成AIの運用 RPA研修"
    assert display_text("狛江市・調布市") == "狛江市・調布市"  # a middle dot inside a word run is wording


def test_whitespace_pdf_wraps_and_entities():
    assert display_text("電子決裁の\f活用を\n推進する。") == "電子決裁の活用を推進する。"
    assert display_text("RPA\fpilot を\n\f導入した") == "RPA pilot を導入した"
    assert display_text("行 財 政 改 革の推進") == "行財政改革の推進"
    assert display_text("A &amp; B&nbsp;C") == "A & B C"
    assert display_text("  \n ") == ""


def test_answer_sentences_quote_the_display_form_at_original_offsets():
    doc = "前文。\n" + AKISHIMA_LIKE
    offset = 100
    sents = split_sentences(0, doc, offset)
    assert sents
    for s in sents:
        original = doc[s.start - offset : s.end - offset]
        assert s.quote == display_text(original)
        assert "<ul" not in s.quote and "style=" not in s.quote
    assert any("<ul" in doc[s.start - offset : s.end - offset] for s in sents)


def test_excerpt_keeps_a_short_passage_whole():
    ex = excerpt("電子決裁の\n活用", [(0, 4)], 50)
    assert (ex.text, ex.start, ex.end, ex.before, ex.after) == ("電子決裁の活用", 0, 8, False, False)
    assert ex.marked == [True] * 4 + [False] * 3


def test_excerpt_cuts_a_long_passage_at_its_densest_matches_with_exact_offsets():
    head = "RPA導入の方針。" + "あ" * 80
    tail = "庁内でRPAを活用しRPAで定型業務を自動化した。" + "い" * 80
    original = head + "\n" + tail
    spans = [(m, m + 3) for m in range(len(original)) if original.startswith("RPA", m)]
    ex = excerpt(original, spans, 40)
    assert ex.before and ex.after and ex.text == "…" + ex.shown + "…"
    assert "RPAを活用しRPAで" in ex.shown and len(ex.shown) <= 40  # the window with two matches, not the first one
    assert display_text(original[ex.start : ex.end]) == ex.shown  # offsets point at what is quoted
    assert sum(ex.marked) == 6


def test_excerpt_drops_markup_at_the_cut_and_never_ends_inside_a_highlight():
    original = "<ul><li>" + "う" * 30 + "</li><li>" + "窓口のオンライン化" + "え" * 30 + "</li></ul>"
    s = original.index("窓口")
    ex = excerpt(original, [(s, s + 2)], 20)
    assert "<" not in ex.text and ex.shown.count("窓口") == 1 and ex.before and ex.after
    # the densest window would end in the middle of the last 「行政改革」: the cut goes before it
    text = "行政改革。" + "あ" * 10 + "行政改革" + "い" * 40
    spans = [(m, m + 4) for m in (0, 15)]
    ex = excerpt(text, spans, 17)
    assert not ex.marked[-1] and "行政改" not in ex.shown.replace("行政改革", "")


def test_excerpt_ends_after_an_entity_and_an_empty_passage_is_empty():
    ex = excerpt("RPA &amp; AI", [(0, 3)], 50)
    assert ex.shown == "RPA & AI" and ex.end == len("RPA &amp; AI")
    ex = excerpt("x &amp;", [], 50)
    assert ex.shown == "x &" and ex.end == len("x &amp;")
    assert excerpt(" \n ", [], 10) == excerpt("", [], 10)
    assert excerpt("", [], 10).shown == "" and (excerpt("", [], 10).start, excerpt("", [], 10).end) == (0, 0)


def test_snippet_start_of_a_short_passage_is_zero():
    assert snippet_start([False] * 5, 20) == 0 and snippet_start([True] * 20, 20) == 0


def test_locate_counts_lines_and_pages_inside_the_passage():
    original = "\f取組A\n実績\f取組B\n効果\n"  # starts with a page break: its first word is on `page`
    b = original.index("取組B")
    assert locate(original, b, len(original), 10, 3) == (11, 12, 4, 4)
    assert locate(original, 0, b + 2, 10, 3) == (10, 11, 3, 4)
    assert locate(original, b, b + 3, 10, None) == (11, 11, None, None)

"""CLI result lines show the passage without markup debris, matched terms marked in 【】."""

from reform_search.cli_search import _highlighted


def test_markup_is_dropped_and_terms_stay_marked() -> None:
    text = '<ul style="list-style-type: none">\n<li>ＲＰＡの導入により\n定型業務を自動化</li></ul>'
    start = text.index("ＲＰＡ")
    auto = text.index("自動化")
    shown = _highlighted(text, [(start, start + 3), (auto, auto + 3)])
    assert shown == "【ＲＰＡ】の導入により定型業務を【自動化】"


def test_a_span_across_a_pdf_line_wrap_is_one_mark() -> None:
    text = "行政改革の推\n進について"
    s = text.index("推")
    assert _highlighted(text, [(s, s + 3)]) == "行政改革の【推進】について"


def test_no_spans_is_the_display_text() -> None:
    assert _highlighted("a &amp; b", []) == "a & b"


def test_a_long_passage_shows_the_window_with_the_most_matches() -> None:
    text = "窓口の案内。" + "あ" * 100 + "電子申請と電子決裁で窓口の手続を減らす。" + "い" * 100
    spans = [(m, m + 2) for m in range(len(text)) if text.startswith(("電子", "窓口"), m)]
    shown = _highlighted(text, spans, width=30)
    assert shown.startswith("…") and shown.endswith("…")
    assert "【電子】申請と【電子】決裁で【窓口】" in shown and len(shown.replace("【", "").replace("】", "")) <= 32

from ingest.normalize import MappedText, clean, compact, fold, join_wrapped


def _check_map(original: str, mt: MappedText) -> None:
    for i, ch in enumerate(mt.text):
        s, e = mt.starts[i], mt.ends[i]
        assert 0 <= s < e <= len(original)
        if ch not in " \n":
            assert ch in fold(original[s:e]) or ch == "〜", (ch, original[s:e])


def test_width_folding_and_kept_markers():
    assert fold("ＲＰＡ") == "RPA"
    assert fold("①②⑳㉑") == "①②⑳㉑"  # NFKC would give 1 2 20 21
    assert fold("～") == fold("〜") == "〜"
    assert fold("ｶﾞｲﾄﾞﾗｲﾝ") == "ガイドライン"  # voiced marks compose
    assert fold("２０２３年　４月") == "2023年 4月"


def test_offsets_slice_back_to_original():
    original = "ＲＰＡの導入\n\nｶﾞｲﾄﾞ①～\n"
    mt = clean(original)
    assert mt.text == "RPAの導入\nガイド①〜"
    _check_map(original, mt)
    s, e = mt.original_span(0, 3)
    assert original[s:e] == "ＲＰＡ"
    s, e = mt.original_span(mt.text.index("ガ"), mt.text.index("ガ") + 3)
    assert original[s:e] == "ｶﾞｲﾄﾞ"


def test_layout_noise_removed():
    original = "本文の一行目で\n\n- 5 -\n\n続きです。\n基\n本\n事\n業\n<p>表の<b>セル</b></p>\n"
    mt = clean(original)
    assert "5" not in mt.text
    assert "基" not in mt.text
    assert "<" not in mt.text and "表の" in mt.text and "セル" in mt.text
    _check_map(original, mt)


def test_column_of_numbers_is_not_taken_for_page_numbers():
    mt = clean("指標\n55.6\n12\n13\n本文")
    assert "12" in mt.text and "13" in mt.text


def test_join_wrapped_lines():
    original = "財政基盤の強化に努\n\nめ、先進技術\n▽ 次の項目\nICT\nskills"
    joined = join_wrapped(clean(original))
    assert "努め、先進技術\n▽次の項目" in joined.text or "努め、先進技術\n▽ 次の項目" in joined.text
    assert "ICT skills" in joined.text
    _check_map(original, joined)


def test_compact_ignores_layout():
    assert compact("電子\n決裁 の 拡大") == "電子決裁の拡大"


def test_empty_and_whitespace():
    assert clean("").text == ""
    assert clean("\n\n  \n").text == ""
    assert join_wrapped(clean("   ")).text == ""


def test_circled_number_line_is_not_a_page_number():
    mt = clean("見出し\n⑧\n事業の精査と見直し")
    assert "⑧" in mt.text


def test_html_entities_decode_and_map_to_the_entity():
    original = "A&amp;B&nbsp;課"
    mt = clean(original)
    assert mt.text == "A&B 課"
    s, e = mt.original_span(1, 2)
    assert original[s:e] == "&amp;"

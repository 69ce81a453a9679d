import pytest

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


def _paged(pages: list[list[str]]) -> str:
    return "\f".join("\n".join(p) for p in pages)


TOPICS = ["窓口業務", "電子申請", "公共施設", "補助金", "定型業務", "会議資料", "働き方", "使用料", "納税", "業務委託",
          "庁内網", "決済手段", "地域包括", "学校施設", "下水道", "道路台帳", "防災無線", "図書館", "保育園", "公民館"]


def _body(page: int, n: int = 6) -> list[str]:
    """Unique body lines of one page (no number that follows the page)."""
    return [f"{TOPICS[(page * n + k) % len(TOPICS)]}の見直しを{'一二三四五六七八九十'[k % 10]}段階で進めた。" for k in range(n)]


def test_form_feed_is_a_line_break():
    original = "一頁目の末尾\f二頁目の先頭"
    mt = clean(original)
    assert mt.text == "一頁目の末尾\n二頁目の先頭"
    _check_map(original, mt)


@pytest.mark.parametrize("number", ["- {} -", "{}", "{}/3", "P.{}", "ｐ．{}", "－{}－", "{} / 3"])
def test_page_numbers_dropped_per_page(number):
    pages = [_body(p) + [number.format(p)] for p in range(1, 4)]
    original = _paged(pages)
    mt = clean(original)
    assert mt.text.split("\n") == [line for p in range(1, 4) for line in _body(p)]
    _check_map(original, mt)


def test_running_header_with_a_page_number_inside_and_a_footer():
    pages = [[f"狛江市行財政改革推進計画 {p}/5", *_body(p), "狛江市 企画財政部"] for p in range(1, 6)]
    original = _paged(pages)
    mt = clean(original)
    assert mt.text.split("\n") == [line for p in range(1, 6) for line in _body(p)]
    _check_map(original, mt)


def test_lines_repeated_on_few_pages_or_inside_pages_stay():
    pages = [_body(p) for p in range(1, 5)]
    pages[0][0] = pages[1][0] = "共通の見出し"  # at the top of 2 of 4 pages only: not "most pages"
    for p in pages:
        p.insert(3, "表の見出し行")  # repeated on every page, but in the middle of it
    mt = clean(_paged(pages))
    assert mt.text.count("共通の見出し") == 2 and mt.text.count("表の見出し行") == 4


def test_a_number_that_does_not_follow_the_pages_is_no_page_number():
    # "第N表" at a page top does not count up with the pages here, so it is body text
    pages = [[f"第{n}表 削減額", *_body(p)] for p, n in zip(range(1, 5), (3, 8, 2, 11))]
    mt = clean(_paged(pages))
    assert all(f"第{n}表 削減額" in mt.text.split("\n") for n in (3, 8, 2, 11))


def test_single_page_text_is_unchanged_by_the_page_rules():
    original = "\n".join(["狛江市の計画", *_body(1), "狛江市の計画"])
    assert clean(original).text.count("狛江市の計画") == 2


def test_latin_words_rejoin_after_pdf_wraps():
    original = "業務の効率化（ＲＰＡ・Ａ\nＩ－ＯＣＲの導入）を進めた。 The\ninternational col-\nlaboration\nSelf\x02government"
    joined = join_wrapped(clean(original))
    assert joined.text == "業務の効率化(RPA・AI-OCRの導入)を進めた。The international col-laboration Self-government"
    _check_map(original, joined)

"""Highlight terms of a query: compounds whole, no stray one-kanji affixes (real fugashi tokens)."""

import pytest

from index.highlight import highlight_spans
from index.shaping import terms_of
from index.tokenize import JapaneseTokenizer
from ingest.normalize import fold


@pytest.fixture(scope="module")
def tok() -> JapaneseTokenizer:
    return JapaneseTokenizer()


def terms(tok: JapaneseTokenizer, query: str) -> list[str]:
    folded = fold(query)
    return terms_of(folded, [(s, e) for s, e, _t in tok.spans(folded)])


def test_a_one_kanji_affix_is_highlighted_only_inside_its_compound(tok):
    t = terms(tok, "RPAで定型業務を自動化した効果")
    assert "自動化" in t and "自動" in t and "化" not in t and "rpa" in t
    text = "業務の効率化を図り、RPAで入力を自動化した。"
    shown = [text[s:e] for s, e in highlight_spans(text, t)]
    assert "自動化" in shown and "化" not in shown  # 効率化's 化 stays plain


def test_a_standalone_kanji_word_and_ascii_stay_terms(tok):
    assert terms(tok, "税") == ["税"]
    assert terms(tok, "市税の収納率") == sorted({"市税", "収納率", "収納"}, key=lambda w: (-len(w), w))


def test_terms_are_longest_first_and_unique(tok):
    t = terms(tok, "公共施設の老朽化対策と公共施設")
    assert t == sorted(set(t), key=lambda w: (-len(w), w)) and "公共施設" in t


def test_a_one_kanji_suffix_of_a_kana_word_joins_it(tok):
    t = terms(tok, "業務の見える化")
    assert "見える化" in t and "化" not in t


def test_question_words_and_short_kana_are_not_highlighted(tok):
    t = terms(tok, "市ごとに職員の働き方をどう変えようとしているか")
    assert "市" not in t and "どう" not in t and "職員" in t
    assert "ふるさと" in terms(tok, "ふるさと納税の返礼品")  # a longer kana word is a word
    assert terms(tok, "市") == ["市"]  # nothing else to show


def test_a_latin_term_lights_up_whole_words_only():
    text = "IT化を進め、mail@city.example.jp へ。AI-OCRとAIを使う"
    shown = [text[s:e] for s, e in highlight_spans(text, ["it化", "it", "ai"])]
    assert shown == ["IT化", "AI", "AI"]  # not the it of city, nor the ai of mail


def test_kana_content_words_stay_and_digits_may_touch_a_latin_term(tok):
    assert "ごみ" in terms(tok, "ごみ収集の有料化") and "いじめ" in terms(tok, "いじめ対策")
    text = "RPA2台を導入"
    assert [text[s:e] for s, e in highlight_spans(text, ["rpa"])] == ["RPA"]

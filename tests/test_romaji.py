"""index.romaji: romanized place names, and how an English question names a corpus city."""

import pytest

from index.romaji import key, latin_words, names_place, place_keys, romaji


@pytest.mark.parametrize("kana, expected", [
    ("コマエ", "komae"),
    ("ニシトーキョー", "nishitokyo"),  # UniDic's pron writes long vowels with ー
    ("チョーフ", "chofu"),
    ("ハチオージ", "hachioji"),
    ("キョート", "kyoto"),  # ki + small ya/yo
    ("シャクジイ", "shakujii"),  # shi + small ya = sha, not shya
    ("ジュウ", "juu"),
    ("サッポロ", "sapporo"),  # small tsu doubles the next consonant
    ("マッチャ", "matcha"),  # ... as t before ch
    ("こまえ", "komae"),  # hiragana too
    ("ファミリー", "famiri"),  # small vowels: fa, ti, je, wi, va
    ("パーティ", "pati"),
    ("ジェイ", "jei"),
    ("ウィーン", "win"),
    ("ヴァ", "va"),
    ("ケ", "ke"),
    ("ヶ", "ke"),
])
def test_romaji(kana, expected):
    assert romaji(kana) == expected


def test_key_folds_spellings_of_one_name():
    assert key("Tōkyō") == key("Toukyou") == key("Tokyo") == key("TOKYO") == "tokyo"
    assert key("Nishi-Tokyo") == key("Nishi Tokyo") == "nishitokyo"
    assert key("Nihombashi") == key("Nihonbashi")


def test_place_keys_drop_the_municipal_suffix():
    keys = place_keys([("狛江市", ["コマエシ"]), ("日の出町", ["ヒノデマチ"]), ("新宿区", ["シンジュクク"]), ("市", ["シ"])])
    assert keys == {"狛江市": ("komae",), "日の出町": ("hinode",), "新宿区": ("shinjuku",), "市": ("shi",)}
    assert place_keys([("港区", ["ミナトク"]), ("堺市", ["サカイシ"])]) == {"港区": ("minato",), "堺市": ("sakai",)}


def test_place_keys_keep_every_reading_once():
    keys = place_keys([("国立市", ["コクリツシ", "クニタチシ", "クニタチシ"]), ("府中市", ["フチューシ", "フチュウシ"])])
    assert keys == {"国立市": ("kokuritsu", "kunitachi"), "府中市": ("fuchu",)}


def test_place_readings_add_the_place_name_reading_of_a_word_read_as_a_common_one():
    from index.tokenize import JapaneseTokenizer

    tok = JapaneseTokenizer()
    assert tok.place_readings("国立市")[0] == tok.reading("国立市")  # the 1-best reading first
    assert "クニタチシ" in tok.place_readings("国立市")  # not only コクリツシ (a national institution)
    assert tok.place_readings("狛江市") == ["コマエシ"]
    # a first word already read as a place keeps its one reading: 小平 is not also Obira (北海道)
    assert tok.place_readings("小平市") == ["コダイラシ"] and tok.place_readings("大和市") == ["ヤマトシ"]


def test_could_be_place_reads_romaji_only():
    from index.romaji import could_be_place

    assert all(could_be_place(w) for w in ("Mitaka", "Hachioji", "Sapporo", "Chōfu", "Tsukuba", "Kunitachi"))
    assert not any(could_be_place(w) for w in ("Which", "Smart", "Compact", "Sister", "The", "Home", "Same"))


def test_names_place_takes_a_name_split_over_adjacent_words_only():
    words = latin_words("Compare Nishi-Tokyo and Komae City on telework")
    assert names_place(words, "nishitokyo") and names_place(words, "komae")
    assert not names_place(latin_words("Nishi side of Tokyo"), "nishitokyo")  # not adjacent
    assert not names_place(latin_words("Komaeshi budget"), "komae")  # whole words only
    assert not names_place(latin_words("the ome plan"), "ome")  # under four letters: only before City, shi…
    assert names_place(latin_words("What did Ome City do?"), "ome") and names_place(latin_words("Ome-shi"), "ome")
    assert not names_place(latin_words("Ome"), "ome")


def test_cities_unidic_misreads_or_shortens_are_still_named_in_english():
    from index.tokenize import JapaneseTokenizer

    tok = JapaneseTokenizer()
    keys = place_keys((c, tok.place_readings(c)) for c in ("国立市", "青梅市"))
    words = latin_words("What did Kunitachi City and Ome City do on DX?")
    assert all(any(names_place(words, k) for k in ks) for ks in keys.values()), keys
    assert not any(names_place(latin_words("the Ome plan"), k) for k in keys["青梅市"])

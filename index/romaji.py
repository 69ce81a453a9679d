"""Place names in Latin script: an English question names 狛江市 as "Komae" or "Komae City".

A city's romanization comes from its reading (UniDic's pronunciation, as fugashi gives it:
コマエ, ニシトーキョー) in Hepburn without macrons. Users spell long vowels every way (Tokyo,
Toukyou, Tōkyō) and split names (Nishi-Tokyo, Nishi Tokyo), so both sides are compared as
*keys*: letters only, long vowels folded. Pure functions; the reading is the caller's.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

_BASE = dict(zip(
    "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲン"
    "ガギグゲゴザジズゼゾダヂヅデドバビブベボパピプペポァィゥェォヴ",
    "a i u e o ka ki ku ke ko sa shi su se so ta chi tsu te to na ni nu ne no ha hi fu he ho "
    "ma mi mu me mo ya yu yo ra ri ru re ro wa o n ga gi gu ge go za ji zu ze zo da ji zu de do "
    "ba bi bu be bo pa pi pu pe po a i u e o vu".split(),
))
_SMALL_Y = {"ャ": "a", "ュ": "u", "ョ": "o"}
_SMALL_VOWEL = {"ァ": "a", "ィ": "i", "ゥ": "u", "ェ": "e", "ォ": "o"}
_BASE.update({"ヶ": "ke", "ヵ": "ka", "ヮ": "wa", "ヰ": "i", "ヱ": "e"})


def romaji(kana: str) -> str:
    """Hepburn romanization (no macrons: the long-vowel mark ー is dropped) of a katakana or
    hiragana reading; characters that are not kana are kept as they are."""
    text = "".join(chr(ord(c) + 0x60) if "ぁ" <= c <= "ゖ" else c for c in kana)
    out: list[str] = []
    double = False
    for c in text:
        if c == "ッ":
            double = True
            continue
        if c == "ー":
            continue
        if c in _SMALL_Y and out and len(out[-1]) >= 2 and out[-1].endswith("i"):
            stem = out[-1][:-1]  # キ+ャ = kya, シ+ャ = sha, チ+ャ = cha, ジ+ャ = ja
            out[-1] = stem + ("" if stem.endswith(("sh", "ch", "j")) else "y") + _SMALL_Y[c]
            continue
        if c in _SMALL_VOWEL and out and out[-1][-1:] in ("a", "i", "u", "e", "o"):
            stem = out[-1][:-1]  # フ+ァ = fa, テ+ィ = ti, ジ+ェ = je, ウ+ィ = wi, ヴ+ァ = va
            out[-1] = (stem or "w") + _SMALL_VOWEL[c] if stem != "v" else "v" + _SMALL_VOWEL[c]
            continue
        piece = _BASE.get(c, c)
        if double and piece[:1].isalpha():
            piece = ("t" if piece.startswith("ch") else piece[0]) + piece
        double = False
        out.append(piece)
    return "".join(out)


_LONG = [("ou", "o"), ("oo", "o"), ("uu", "u"), ("aa", "a"), ("ii", "i"), ("ee", "e")]


def key(text: str) -> str:
    """What two spellings of a name are compared by: ASCII letters only, lower case, long vowels
    folded (Tōkyō, Toukyou and Tokyo all give "tokyo"), n before a labial as m (Nihombashi)."""
    plain = unicodedata.normalize("NFKD", text)
    letters = "".join(c for c in plain.lower() if "a" <= c <= "z")
    for long, short in _LONG:
        letters = letters.replace(long, short)
    return re.sub(r"m(?=[bmp])", "n", letters)


_WORD = re.compile(r"[A-Za-z\u00c0-\u024f]+")


def latin_words(text: str) -> list[str]:
    """The keys of the Latin-script words of a text, in order."""
    return [k for k in (key(w) for w in _WORD.findall(text)) if k]


# Words that follow a place name in English ("Ome City", "Hinohara Village", "Ome-shi")
_PLACE_WORDS = frozenset("city town village ward shi machi cho mura son ku".split())


def names_place(words: Sequence[str], place_key: str) -> bool:
    """Whether the word keys contain `place_key` as one word or as two or three adjacent words
    (Nishi Tokyo, Nishi-Tokyo); a key of fewer than four letters (Ome) only when a word such as
    City or shi follows, since short keys are also English words."""
    for n in range(len(words)):
        joined = ""
        for i, w in enumerate(words[n : n + 3]):
            joined += w
            if joined == place_key:
                after = words[n + i + 1] if n + i + 1 < len(words) else ""
                if len(place_key) >= 4 or after in _PLACE_WORDS:
                    return True
                break
            if not place_key.startswith(joined):
                break
    return False


_HEPBURN = re.compile(r"(?:[aiueo]|n(?![aiueoy])|(?:sh|ch|ts|[kgsztdnhbpmrfjwv])y?[aiueo]|([kgsztdhbpmrfjc])(?=\1|ch)|y[auo])+")
# Common English words that happen to read as romaji ("Home City", "One City"); never place names here
_ENGLISH = frozenset("a i one same some home time made make take more none nine fine mine sure core safe "
                     "date rate gate wide side wise nice rise hire here name game use age are so no do to go "
                     "be me we he she".split())


def could_be_place(word: str) -> bool:
    """Whether a Latin word could romanize a Japanese name: it parses as Hepburn syllables (Mitaka,
    Hachioji, Sapporo; not Which, Smart, Compact, Sister) and is not a common English word that
    happens to (Home, Same)."""
    w = key(word)
    return bool(w) and w not in _ENGLISH and bool(_HEPBURN.fullmatch(unicodedata.normalize("NFKD", word.lower())
                                                                     .encode("ascii", "ignore").decode()))


def place_keys(readings: Iterable[tuple[str, Sequence[str]]]) -> dict[str, tuple[str, ...]]:
    """{place: keys of its romanized readings}, the suffix 市/町/村/区 (shi, machi, cho, mura, son,
    ku) left out as users do ("Komae City"); `readings` are (place, its readings in katakana)."""
    out: dict[str, tuple[str, ...]] = {}
    for place, kana in readings:
        if isinstance(kana, str):
            raise TypeError(f"place_keys takes a list of readings per place, not the string {kana!r}")
        keys: list[str] = []
        for reading in kana:
            stem = reading
            if place[-1:] in "市町村区" and len(place) >= 2:
                for suffix in ("シ", "マチ", "チョウ", "チョー", "ムラ", "ソン", "ク"):
                    if stem.endswith(suffix):
                        stem = stem[: -len(suffix)]
                        break
            k = key(romaji(stem))
            if k and k not in keys:
                keys.append(k)
        if keys:
            out[place] = tuple(keys)
    return out

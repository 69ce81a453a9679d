"""Numbering schemes of Japanese administrative documents, recognized at the start of a line.

Works on the *search form* of a line (NFKC-folded, so （１） is already ``(1)``; circled
numbers are kept). A :class:`Marker` says which scheme a line starts with, the ordinal
value (for sequence checks), where the marker ends and what follows it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_KATA = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワ"
_IROHA = "イロハニホヘトチリヌルヲワカヨタレソツネナラムウヰノオクヤマケフコエテアサキユメミシヱヒモセス"
_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6, "VII": 7, "VIII": 8, "IX": 9, "X": 10,
          "XI": 11, "XII": 12}
_KANJI_NUM = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
# Words that announce a numbered item (取組項目05, 実施項目 3, プログラム1, 施策2 ...).
ITEM_WORDS = ("取組項目", "実施項目", "推進項目", "重点項目", "取組事項", "取組番号", "項目番号", "取組", "事業",
              "プログラム", "施策", "方向性", "基本方針", "基本目標", "基本事業", "重点取組", "改革項目", "方策", "目標")
_SEP = r"(?:[\s.．、:：)）]|$)"


@dataclass(frozen=True)
class Marker:
    """A numbering marker at the start of a line."""

    scheme: str  # e.g. "paren", "circled", "word:取組項目", "hyphen2", "bullet:■"
    value: int | None  # ordinal (None for unnumbered schemes: bullets, 【】)
    end: int  # where the marker (and its separator) ends in the line
    numbered: bool = True
    bare: bool = False  # nothing but the marker on its line (a table cell per line)

    @property
    def is_bullet(self) -> bool:
        return self.scheme.startswith("bullet")


def _kanji(s: str) -> int | None:
    if s.isdigit():
        return int(s)
    if s in _KANJI_NUM:
        return _KANJI_NUM[s]
    if len(s) == 2 and s[0] == "十" and s[1] in _KANJI_NUM:
        return 10 + _KANJI_NUM[s[1]]
    if len(s) == 2 and s[1] == "十" and s[0] in _KANJI_NUM:
        return 10 * _KANJI_NUM[s[0]]
    return None


def circled_value(ch: str) -> int | None:
    """① → 1 … ⑳ → 20, ㉑ → 21 … ㊿ → 50."""
    o = ord(ch)
    if 0x2460 <= o <= 0x2473:
        return o - 0x2460 + 1
    if 0x3251 <= o <= 0x325F:
        return o - 0x3251 + 21
    if 0x32B1 <= o <= 0x32BF:
        return o - 0x32B1 + 36
    return None


_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("chapter", re.compile(r"第\s*([0-9一二三四五六七八九十]{1,3})\s*([章節部編款])\s*")),
    ("code", re.compile(r"(?:No|NO|№)\s*[.．]?\s*([A-Z]{1,2}\d{0,2}\s*[-－‐]\s*\d{1,3})(?:\s+|$)")),
    ("no", re.compile(r"(?:No|NO|№)\s*[.．]?\s*(\d{1,3})(?:[\s.．:：]|$)")),
    ("word", re.compile(r"(" + "|".join(ITEM_WORDS) + r")\s*(?:No\.?\s*)?(\d{1,3}|[0-9]{1,2}-[0-9]{1,2})(?![0-9年月日%％])" + _SEP)),
    ("paren", re.compile(r"\(\s*(\d{1,2})\s*\)\s*")),
    ("paren_kata", re.compile(r"\(\s*([" + _KATA + r"])\s*\)\s*")),
    ("paren_kanji", re.compile(r"\(\s*([一二三四五六七八九十]{1,2})\s*\)\s*")),
    ("hyphen", re.compile(r"(\d{1,2}(?:\s*[-－‐]\s*\d{1,2}){1,2})(?=[\s.．、]|$|[^\d\s.．、%％年月日-])\s*[.．、]?\s*")),
    ("dotted", re.compile(r"(\d{1,2}(?:\.\d{1,2}){1,2})(?=\s|$|[^\d.])\s*")),
    ("dot", re.compile(r"(\d{1,2})\s*[.．、]\s*(?!\d)")),
    ("rparen", re.compile(r"(\d{1,2})\s*\)\s*")),
    ("roman", re.compile(r"(XII|XI|X|IX|VIII|VII|VI|V|IV|III|II|I)(?:\s*[.．、]\s*|\s+)(?=\S)")),
    ("kata", re.compile(r"([" + _KATA + r"])(?:\s*[.．、]\s*|\s+)(?=\S)")),
    ("kanji", re.compile(r"([一二三四五六七八九十]{1,2})\s*[.．、]\s*")),
    ("num", re.compile(r"(\d{1,3})(?:\s+|$)")),
]
_CIRCLED = re.compile(r"([\u2460-\u2473\u3251-\u325f\u32b1-\u32bf])\s*")
_BRACKET = re.compile(r"【([^】]{1,40})】\s*")
BULLETS = "■□◆◇●○〇◎▽▼▲△・※★☆◯"
_BULLET = re.compile(r"([" + BULLETS + r"])\s*")
# A number followed by these is a quantity or a date, not a heading number.
_QUANTITY = re.compile(r"\s*(?:[年月日時分件人名円%％倍回台歳か箇カ所校園館]|千|万|億)")


def _value(scheme: str, g: str) -> int | None:
    if scheme in ("paren", "dot", "rparen", "num", "no", "word"):
        return int(re.sub(r"\D.*", "", g) or 0) if scheme == "word" else int(g)
    if scheme in ("hyphen", "dotted", "code"):
        return int(re.findall(r"\d+", g)[-1])
    if scheme in ("kata", "paren_kata"):
        return _KATA.index(g) + 1
    if scheme in ("kanji", "paren_kanji", "chapter"):
        return _kanji(g)
    if scheme == "roman":
        return _ROMAN[g]
    return None


def match_marker(line: str) -> Marker | None:
    """The numbering marker `line` (search form, stripped) starts with, if any."""
    if not line:
        return None
    m = _CIRCLED.match(line)
    if m:
        return Marker("circled", circled_value(m.group(1)), m.end(), bare=m.end() >= len(line))
    m = _BRACKET.match(line)
    if m:
        return Marker("bracket", None, m.end(), numbered=False, bare=m.end() >= len(line))
    m = _BULLET.match(line)
    if m:
        return Marker(f"bullet:{m.group(1)}", None, m.end(), numbered=False, bare=m.end() >= len(line))
    for scheme, pat in _PATTERNS:
        m = pat.match(line)
        if not m:
            continue
        g = m.group(1)
        if scheme in ("num", "dot", "rparen", "hyphen", "dotted", "paren") and _QUANTITY.match(line, m.end(1)):
            continue
        if scheme == "num" and m.end() < len(line) and not _starts_title(line[m.end():]):
            continue
        if scheme == "kata" and not _kata_heading(line, m.end()):
            continue
        if scheme == "word":
            word = g
            num = m.group(2)
            if "-" in num:
                return Marker(f"word:{word}-", int(num.split("-")[1]), m.end(), bare=m.end() >= len(line))
            return Marker(f"word:{word}", int(num), m.end(), bare=m.end() >= len(line))
        if scheme == "hyphen":
            depth = len(re.findall(r"\d+", g))
            return Marker(f"hyphen{depth}", _value(scheme, g), m.end(), bare=m.end() >= len(line))
        if scheme == "chapter":
            return Marker(f"chapter:{m.group(2)}", _value(scheme, g), m.end(), bare=m.end() >= len(line))
        return Marker(scheme, _value(scheme, g), m.end(), bare=m.end() >= len(line))
    return None


def _starts_title(rest: str) -> bool:
    """After a bare number: text that can be a title (not another number or a unit)."""
    rest = rest.lstrip()
    return bool(rest) and not rest[0].isdigit() and not _QUANTITY.match(rest)


def _kata_heading(line: str, end: int) -> bool:
    """ア/イ/ウ as numbering needs a separator and a following word, not a katakana word."""
    return end > 1 and end < len(line) and not ("\u30a0" <= line[end] <= "\u30ff" and line[1] != " ")


def printed_number(original_marker: str) -> str:
    """The marker as printed, without the separator and surrounding blanks."""
    s = original_marker.strip()
    s = re.sub(r"[\s.．、:：]+$", "", s)
    if s.startswith(("No", "NO", "№")):
        return s
    return s

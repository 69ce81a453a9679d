"""What kind of value a question asks for, and whether a quote gives one.

「手数料はいくら」 asks for an amount: a quote about the fee that names no amount in 円 does not
answer it, however close its topic. Only explicit interrogatives count (いくら, 何人, 何件, how
much…), not topic nouns (手数料の見直し asks for no amount) nor いくらか / 何人目 / 何件か; dates are
left out, since reform documents date nearly every sentence (令和6年度), so a date in a quote
proves nothing, and a date or an ordinal (4月1日, 第2回) is never taken for a value. An English
comparison ("compare…", "each city") quotes one line per city and asks nothing checkable.
"""

from __future__ import annotations

import re

from ingest.normalize import fold

# 1,200 / 12.5 / 2万5千 / 12億3千万; not the day of a date (4月1日) nor an ordinal (第2回)
_NUMBER = r"(?<![第月\d.,])\d[\d,.]*(?:[兆億万千百]\d*)*\s*"
_PLACES = r"か所|カ所|ヵ所|ケ所|箇所|ヶ所"
_MEASURES = r"時間|日間|日|週|か月|ヶ月|カ月|年間|回|分(?!野)|文字|件|人|名|施設|校|台|団体|事業|項目|トン|t(?![a-z])|ha|km"
_EN_COMPARE = re.compile(r"\b(?:compar\w*|each (?:city|town|municipality)|other (?:cities|municipalities)|"
                         r"which (?:cities|municipalities)|across cities|different cities|between cities)\b")
_EN_QUALITATIVE = r"(?!\s+(?:progress|effort|attention|impact|difference|support|emphasis|priority|improvement|of)\b)"

# kind: (what asks for it, what gives it), tried in this order: "how many people" is people
KINDS: dict[str, tuple[re.Pattern[str], re.Pattern[str]]] = {
    "amount": (re.compile(r"いくら(?!かの|か[はもがで]|でも)|何円|何万円|何億円"),
               re.compile(_NUMBER + r"円")),
    "people": (re.compile(r"何人(?!目|も|か)|何名(?!か)|\bhow many (?:people|staff|employees|persons|members|workers|residents)\b"),
               re.compile(_NUMBER + r"(?:人|名)")),
    "share": (re.compile(r"何%|何パーセント|何割|\bwhat (?:percent|percentage|share)\b"),
              re.compile(_NUMBER + r"(?:%|パーセント|ポイント|割)")),
    "count": (re.compile(r"何件(?!か)|何(?:" + _PLACES + r")|\bhow many\b"),
              re.compile(_NUMBER + r"(?:" + _PLACES + "|" + _MEASURES + ")")),
    # English "how much" asks for money as often as for hours or tonnes: any measured number
    "quantity": (re.compile(r"\bhow much\b" + _EN_QUALITATIVE),
                 re.compile(_NUMBER + r"(?:円|%|パーセント|ポイント|割|倍|" + _PLACES + "|" + _MEASURES + ")")),
}


def asked_kind(question: str) -> str | None:
    """The kind of value `question` asks for (a key of :data:`KINDS`), or None."""
    q = fold(question).lower()
    if _EN_COMPARE.search(q):
        return None
    return next((kind for kind, (asks, _gives) in KINDS.items() if asks.search(q)), None)


def gives(kind: str, text: str) -> bool:
    """Whether `text` states a value of `kind` (a number with its unit: 1,200円, 35人, 12.5%)."""
    return bool(KINDS[kind][1].search(fold(text)))

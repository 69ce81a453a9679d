"""What kind of value a question asks for, and whether a quote gives one.

「手数料はいくら」 asks for an amount: a quote about the fee that names no amount in 円 does not
answer it, however close its topic. Only explicit interrogatives count (いくら, 何人, 何件, how
much…), not topic nouns (手数料の見直し asks for no amount); dates are left out, since reform
documents date nearly every sentence (令和6年度), so a date in a quote proves nothing.
"""

from __future__ import annotations

import re

from ingest.normalize import fold

_NUMBER = r"\d[\d,.]*\s*"
# (kind, what asks for it, what gives it) in the order they are tried: "how many people" is people
KINDS: tuple[tuple[str, re.Pattern[str], re.Pattern[str]], ...] = (
    ("amount", re.compile(r"いくら|何円|何万円|何億円"), re.compile(_NUMBER + r"(?:千|万|億)?円")),
    ("people", re.compile(r"何人|何名|how many (?:people|staff|employees|persons|members|workers)"),
     re.compile(_NUMBER + r"(?:人|名)")),
    ("share", re.compile(r"何%|何パーセント|何割|what percent|what share"), re.compile(_NUMBER + r"(?:%|ポイント|割)")),
    ("count", re.compile(r"何件|何か所|何箇所|何ヶ所|how many"),
     re.compile(_NUMBER + r"(?:件|か所|箇所|ヶ所|施設|校|台|回|人|名|団体|事業|項目)")),
    # English "how much" asks for money as often as for hours or tonnes: any measured number
    ("quantity", re.compile(r"how much"), re.compile(_NUMBER + r"(?:千|万|億)?(?:円|時間|%|人|名|件|割|倍|ポイント|日|回|分|t|トン)")),
)


def asked_kind(question: str) -> str | None:
    """The kind of value `question` asks for (:data:`KINDS`: "amount", "people", "share", "count",
    "quantity"), or None."""
    q = fold(question).lower()
    return next((kind for kind, asks, _gives in KINDS if asks.search(q)), None)


def gives(kind: str, text: str) -> bool:
    """Whether `text` states a value of `kind` (a number with its unit: 1,200円, 35人, 12.5%)."""
    pattern = next(g for k, _a, g in KINDS if k == kind)
    return bool(pattern.search(fold(text)))

"""Year-labelled indicator tables: a name (and description) above a row of year labels and its values.

A flattened indicator table looks like::

    質の高い行政運営が行われていると感じている市民の割合（％）   <- name
    市民アンケート                                                  <- description (optional)
    平成30年度末時点値 令和２年度末現状値 … 令和６年度末目標値       <- ≥ 2 year labels
    55.6 37.0 （60.3）※１ 48.3（72.2）※１ … 61.0                    <- one value per label
    【関連基本事業】                                                <- optional related rows
    施策1 施策２ 施策３

Pure functions over the (cleaned, non-blank) line texts of a document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.structure.numbering import ITEM_WORDS

YEAR_LABEL = re.compile(r"(?:令和|平成)\s*(?:元|\d{1,2})\s*年度\S*?値")
RELATED_ROW = re.compile(r"^(?:" + "|".join(ITEM_WORDS) + r")\s*\d")
_CAPTION = re.compile(r"^(?:No\.?|説明|指標|\d{1,2})$")  # column captions, not the name
LOOKBACK = 8  # lines above the year labels that may hold the name


@dataclass
class Indicator:
    """One indicator table: its name, description, values by printed year label, and lines."""

    number: int  # 1, 2, … in document order
    name: str
    header: int  # line of the year labels
    description: str = ""
    values: dict[str, str] = field(default_factory=dict)
    lines: list[int] = field(default_factory=list)

    @property
    def extra(self) -> dict[str, str]:
        """Record fields: number, the values by year label, description."""
        out = {"number": str(self.number), **self.values}
        return out | ({"description": self.description} if self.description else {})


def year_values(header: str, row: str) -> dict[str, str]:
    """Values of `row` keyed by the year labels of `header`; a ``(…)`` token stays with its value.

    When the counts differ, the whole row is kept under ``values``.
    """
    labels = [re.sub(r"\s+", "", lb) for lb in YEAR_LABEL.findall(header)]
    tokens: list[str] = []
    for tok in row.split():
        if tokens and tok.startswith(("(", "（")):
            tokens[-1] += " " + tok
        else:
            tokens.append(tok)
    if len(tokens) != len(labels):
        return {"values": row}
    return dict(zip(labels, tokens))


def find_indicators(texts: list[str], blocked: set[int], related: re.Pattern[str] = RELATED_ROW) -> list[Indicator]:
    """Indicator tables in `texts`; the name is searched above the labels but not at or above a
    `blocked` line (a heading, a list entry) or a previous indicator's line."""
    out: list[Indicator] = []
    taken = set(blocked)
    for h, text in enumerate(texts):
        if len(YEAR_LABEL.findall(text)) < 2 or h + 1 >= len(texts):
            continue
        floor = max([h - LOOKBACK, -1] + [j for j in range(h) if j in taken])
        above = [i for i in range(floor + 1, h) if not _CAPTION.match(texts[i])][-2:]
        if not above:
            continue
        end = h + 1
        if end + 1 < len(texts) and texts[end + 1].startswith("【"):
            end += 1
            while end + 1 < len(texts) and related.match(texts[end + 1]):
                end += 1
        lines = sorted(set(above) | set(range(h, end + 1)))
        taken.update(lines)
        out.append(Indicator(len(out) + 1, texts[above[0]], h, texts[above[1]] if len(above) > 1 else "",
                             year_values(text, texts[h + 1]), lines))
    return out

"""Extractive answers: pick the source sentences that answer a question (pure functions).

Sentences are located in the search form (joined lines, folded width) for scoring, but the
quote is cut from the *original* text and shown in its display form (index/display.py: no
HTML tags or table debris, PDF line breaks joined), so 「70.5時間」 or 「ＲＰＡ」 are quoted
exactly as printed while the sentence's offsets still slice the original.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.answertype import asked_kind, gives
from index.display import display_text
from ingest.chunking import sentences
from ingest.normalize import clean, join_wrapped

_NUMBER = re.compile(r"\d")
_QUANTITY_Q = re.compile(r"何|いくつ|いくら|どれ(くらい|ぐらい|だけ)|どの程度|件数|時間|割合|率|人数|金額|評価")
_COMPARE_Q = re.compile(r"比較|各市|他市|それぞれ|市ごと|違い|比べ")


@dataclass(frozen=True)
class Sentence:
    """A candidate answer sentence of one hit."""

    hit_index: int
    quote: str  # display form of the original wording (index/display.py)
    start: int  # original-text offsets (document coordinates)
    end: int
    search_text: str


def is_comparison(question: str) -> bool:
    return bool(_COMPARE_Q.search(question))


def wants_quantity(question: str) -> bool:
    return bool(_QUANTITY_Q.search(question))


def quote_of(original: str) -> str:
    """The original wording with PDF line breaks and layout spaces between Japanese removed
    (a page break counts as a line break)."""
    out = re.sub(r"\s*[\n\f]\s*", "\n", original.strip())
    out = re.sub(r"(?<=[^\x00-\x7f])\n(?=[^\x00-\x7f])", "", out)
    out = re.sub(r"\n", " ", out)
    return re.sub(r"(?<=[^\x00-\x7f])[ \u3000]+(?=[^\x00-\x7f])", "", out)


def split_sentences(hit_index: int, text: str, offset: int) -> list[Sentence]:
    """Sentences of an original passage `text` that starts at document offset `offset`."""
    mapped = join_wrapped(clean(text))
    out = []
    for s, e in sentences(mapped.text):
        seg = mapped.text[s:e].strip()
        if len(seg) < 4:
            continue
        o_s, o_e = mapped.original_span(s, e)
        quote = display_text(text[o_s:o_e])
        if quote:
            out.append(Sentence(hit_index, quote, offset + o_s, offset + o_e, seg))
    return out


def score_sentence(sentence: Sentence, terms: list[str], quantity: bool, hit_rank: int, kind: str | None = None) -> float:
    """Query-term coverage, a bonus for a number when the question asks for one (for a value of
    the asked `kind` when it names one: index/answertype.py), a rank prior."""
    low = sentence.search_text.lower()
    matched = sum(len(t) for t in terms if t in low)
    total = sum(len(t) for t in terms) or 1
    score = matched / total
    gives_value = gives(kind, low) if kind else quantity and bool(_NUMBER.search(low))
    if gives_value:
        score += 0.3
    return score + 0.15 / (1 + hit_rank)


def pick(sentences_: list[Sentence], terms: list[str], question: str, limit: int = 3) -> list[Sentence]:
    """The best `limit` sentences, most relevant first, never the same wording twice."""
    quantity, kind = wants_quantity(question), asked_kind(question)
    ranked = sorted(
        sentences_,
        key=lambda s: (-score_sentence(s, terms, quantity, s.hit_index, kind), s.hit_index, s.start),
    )
    out: list[Sentence] = []
    seen: set[str] = set()
    for s in ranked:
        key = "".join(s.search_text.split())
        if key in seen:
            continue
        seen.add(key)
        out.append(s)
        if len(out) >= limit:
            break
    return out
